use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{ListQuery, NoFilters};
use actix_web::{get, web::Json};
use rapport_db::api_keys::ApiKeySort;
use rapport_domain::api::{ApiKeyView, Page};

/// The workspace's live API keys, newest first unless `sort` says otherwise (never their secrets).
#[utoipa::path(
    tag = "api-keys",
    params(ListQuery<ApiKeySort, NoFilters>),
    responses((status = 200, description = "A page of keys", body = Page<ApiKeyView>)),
    security(("bearer" = ["api_keys:manage"]))
)]
#[get("/api-keys")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::ApiKeysManage>,
    list: ListQuery<ApiKeySort, NoFilters>,
) -> ApiResult<Json<Page<ApiKeyView>>> {
    let page = list.page(caller.workspace_id())?;
    let rows = rapport_db::api_keys::list(db.conn().await?, caller.workspace_id(), &page).await?;
    Ok(Json(page.answer(rows, |k| k.view())))
}
