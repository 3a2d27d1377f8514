use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::imports::{ImportRow, ImportSort};
use rapport_domain::api::{ImportView, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {}

impl Filters for ImportQuery {}

/// The workspace's imports, newest first (kept 30 days).
#[utoipa::path(
    tag = "imports",
    params(ListQuery<ImportSort, ImportQuery>),
    responses((status = 200, description = "A page of imports", body = Page<ImportView>)),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[get("/imports")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    list: ListQuery<ImportSort, ImportQuery>,
) -> ApiResult<Json<Page<ImportView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let rows = rapport_db::imports::list(db.conn().await?, ws, &page).await?;
    Ok(Json(page.answer(rows, |r: ImportRow| r.view())))
}
