use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::imports::{ImportRow, ImportSort};
use rapport_domain::api::{ImportView, Page};
use rapport_domain::imports::ImportRecord;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {}

impl Filters for ImportQuery {}

/// The workspace's imports, newest first (kept 30 days): those of the kinds
/// of record the caller may write.
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
    // Only the imports of the kinds of record the caller may write.
    let kinds: Vec<ImportRecord> = ImportRecord::ALL
        .into_iter()
        .filter(|k| caller.allows(k.permission()))
        .collect();
    let rows = rapport_db::imports::list(db.conn().await?, ws, &kinds, &page).await?;
    Ok(Json(page.answer(rows, |r: ImportRow| r.view())))
}
