use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::branches::BranchSort;
use rapport_domain::api::{BranchView, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BranchQuery {
    /// The archived branches too.
    #[serde(default)]
    pub archived: bool,
}

impl Filters for BranchQuery {}

/// The workspace's branches by name (the archived ones with `archived`),
/// each with its count of people for those who manage people.
#[utoipa::path(
    tag = "branches",
    params(ListQuery<BranchSort, BranchQuery>),
    responses((status = 200, description = "A page of branches", body = Page<BranchView>)),
    security(("bearer" = ["branches:read"]), ("api_key" = ["branches:read"]))
)]
#[get("/branches")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::BranchesRead>,
    list: ListQuery<BranchSort, BranchQuery>,
) -> ApiResult<Json<Page<BranchView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::branches::list(conn, ws, list.filter.archived, &page).await?;
    let counts = super::counts(conn, &caller, &rows).await?;
    Ok(Json(page.answer(rows, |b| super::view(&b, &counts))))
}
