use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Delete a plan. The charges it made stay, and what was paid; to stop
/// charging and keep the plan, set `active` to false instead.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The plan's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[delete("/fee-plans/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::payments::find_plan(conn, ws, id)
            .await?
            .found()?;
        let version = if_match.0.unwrap_or(before.version);
        if !rapport_db::payments::delete_plan(conn, ws, id, version).await? {
            return Err(ApiError::PreconditionFailed);
        }
        ctx.removed(conn, ws, "deleted", &before).await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
