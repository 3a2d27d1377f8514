use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_db::groups::GroupRow;
use uuid::Uuid;

/// Delete a group. It can be restored for 30 days, then it is purged with its members' stays; the people stay.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["groups:delete"]), ("api_key" = ["groups:write"]))
)]
#[delete("/groups/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::GroupsDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        ctx.delete_softly::<GroupRow>(conn, ws, &scope, id, if_match.0)
            .await
    })
    .await?;
    Ok(NoContent)
}
