use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_db::organizations::OrganizationRow;
use uuid::Uuid;

/// Delete an organisation. It can be restored for 30 days, then it is purged; its people stay.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The organisation's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["organizations:delete"]), ("api_key" = ["organizations:write"]))
)]
#[delete("/organizations/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::OrganizationsDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        ctx.delete_softly::<OrganizationRow>(conn, ws, &scope, id, if_match.0)
            .await
    })
    .await?;
    Ok(NoContent)
}
