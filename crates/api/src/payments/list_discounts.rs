use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::payments::{DiscountRow, DiscountSort};
use rapport_domain::api::{DiscountView, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiscountQuery {}

impl Filters for DiscountQuery {}

/// Students' discounts, the latest changed first.
#[utoipa::path(
    tag = "payments",
    params(ListQuery<DiscountSort, DiscountQuery>),
    responses((status = 200, description = "A page of discounts", body = Page<DiscountView>)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[get("/fee-discounts")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    list: ListQuery<DiscountSort, DiscountQuery>,
) -> ApiResult<Json<Page<DiscountView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::payments::discounts(conn, ws, &page).await?;
    Ok(Json(page.answer(rows, |d: DiscountRow| d.view())))
}
