use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_db::people::PersonRow;
use uuid::Uuid;

/// Delete a person. They can be restored for 30 days, then they are purged.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["people:delete"]), ("api_key" = ["people:write"]))
)]
#[delete("/people/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::PeopleDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        ctx.delete_softly::<PersonRow>(conn, ws, &scope, id, if_match.0)
            .await
    })
    .await?;
    Ok(NoContent)
}
