use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use actix_web::{get, web::Json};
use rapport_domain::api::AuditVerifyResponse;

/// Recompute the workspace's hash chain and name the first entry that does not match.
#[utoipa::path(
    tag = "audit",
    responses((status = 200, description = "The result of the check", body = AuditVerifyResponse)),
    security(("bearer" = ["audit:read"]), ("api_key" = ["audit:read"]))
)]
#[get("/audit/verify")]
pub async fn verify(
    mut db: Db,
    caller: Authz<perm::AuditRead>,
) -> ApiResult<Json<AuditVerifyResponse>> {
    let conn = db.conn().await?;
    let v = rapport_db::audit::verify(conn, caller.workspace_id()).await?;
    Ok(Json(AuditVerifyResponse {
        ok: v.first_bad.is_none(),
        checked: v.checked,
        first_bad: v.first_bad,
    }))
}
