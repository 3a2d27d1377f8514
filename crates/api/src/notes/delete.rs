use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Delete a note: its author may, and admins. The audit trail keeps what it said.
#[utoipa::path(
    tag = "notes",
    params(("id" = Uuid, Path, description = "The note's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["notes:write"]), ("api_key" = ["notes:write"]))
)]
#[delete("/notes/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::NotesWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::notes::lock(conn, ws, id).await?.found()?;
        super::may_change(&caller, &before)?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if !rapport_db::notes::delete(conn, ws, id, before.version).await? {
            return Err(ApiError::PreconditionFailed);
        }
        ctx.removed(conn, ws, "deleted", &before).await
    })
    .await?;
    Ok(NoContent)
}
