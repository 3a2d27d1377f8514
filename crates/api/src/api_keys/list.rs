use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{encode_time_id, next_cursor, PageParams};
use actix_web::{get, web, HttpResponse};
use rapport_domain::api::ApiKeyPage;

/// The workspace's live API keys, newest first (never their secrets).
#[utoipa::path(
    tag = "api-keys",
    params(PageParams),
    responses((status = 200, description = "A page of keys", body = ApiKeyPage)),
    security(("bearer" = ["api_keys:manage"]))
)]
#[get("/api-keys")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::ApiKeysManage>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let conn = db.conn().await?;
    let rows =
        rapport_db::api_keys::list(conn, caller.workspace_id(), page.after()?, limit).await?;
    let next = next_cursor(&rows, limit, |k| encode_time_id(k.created_at, k.id));
    Ok(HttpResponse::Ok().json(ApiKeyPage {
        data: rows.iter().map(|k| k.view()).collect(),
        next_cursor: next,
    }))
}
