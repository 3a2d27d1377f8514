use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
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
        let before = rapport_db::organizations::lock(conn, ws, &scope, id)
            .await?
            .filter(|p| p.deleted_at.is_none())
            .found()?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let after = rapport_db::organizations::set_deleted(conn, ws, id, before.version, true)
            .await?
            .current()?;
        ctx.changed(conn, ws, "deleted", &before, &after).await
    })
    .await?;
    Ok(NoContent)
}
