use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Revoke an API key; it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = ["api_keys:manage"]))
)]
#[delete("/api-keys/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::ApiKeysManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let id = id.into_inner();
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::api_keys::find(conn, ws, id).await?.found()?;
        let after = rapport_db::api_keys::revoke(conn, ws, id, if_match.0)
            .await?
            .current()?;
        ctx.changed(conn, ws, "revoked", &before, &after).await
    })
    .await?;
    Ok(NoContent)
}
