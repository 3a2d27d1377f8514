use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch};
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_domain::Permission;
use serde_json::json;
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
        rapport_db::api_keys::find(conn, ws, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let key = rapport_db::api_keys::revoke(conn, ws, id, if_match.0)
            .await?
            .ok_or(ApiError::PreconditionFailed)?;
        ctx.record(
            conn,
            Change {
                workspace_id: ws,
                action: "api_key.revoked",
                record_type: "api_key",
                record_id: Some(id.to_string()),
                changes: json!({"revoked_at": {"after": key.revoked_at}}),
                data: Some(json!({"id": id})),
                permission: Permission::ApiKeysManage,
                subject_user_id: None,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
