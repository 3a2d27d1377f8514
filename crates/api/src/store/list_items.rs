use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::store::{ItemRow, ItemSort};
use rapport_domain::api::{Page, StoreItemView};
use rapport_domain::Permission;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Those not for sale too (for those who run the store).
    pub include_inactive: Option<bool>,
}

impl Filters for ItemQuery {}

/// The store's items by name: those for sale, and for those who run the
/// store the others too (`include_inactive`).
#[utoipa::path(
    tag = "store",
    params(ListQuery<ItemSort, ItemQuery>),
    responses((status = 200, description = "A page of items", body = Page<StoreItemView>)),
    security(("bearer" = ["store:read"]), ("api_key" = ["store:read"]))
)]
#[get("/store/items")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::StoreRead>,
    list: ListQuery<ItemSort, ItemQuery>,
) -> ApiResult<Json<Page<StoreItemView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let all = list.filter.include_inactive == Some(true) && caller.allows(Permission::StoreManage);
    let conn = db.conn().await?;
    let rows = rapport_db::store::items(conn, ws, all, &page).await?;
    Ok(Json(page.answer(rows, |i: ItemRow| i.view())))
}
