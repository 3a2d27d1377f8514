use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::store::{OrderRow, OrderSort};
use rapport_domain::api::{OrderStatus, OrderView, Page};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    #[param(inline)]
    pub status: Option<OrderStatus>,
    /// The orders of this person.
    pub person_id: Option<Uuid>,
}

impl Filters for OrderQuery {}

/// Orders, newest first: a student's own, everyone's for staff.
#[utoipa::path(
    tag = "store",
    params(ListQuery<OrderSort, OrderQuery>),
    responses((status = 200, description = "A page of orders", body = Page<OrderView>)),
    security(("bearer" = ["store:read"]), ("api_key" = ["store:read"]))
)]
#[get("/store/orders")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::StoreRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<OrderSort, OrderQuery>,
) -> ApiResult<Json<Page<OrderView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::store::orders(
        conn,
        &scope,
        list.filter.status,
        list.filter.person_id,
        &page,
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|o| o.item_id).collect();
    let names = rapport_db::store::item_names(conn, ws, &ids).await?;
    Ok(Json(page.answer(rows, |o: OrderRow| {
        let name = names.get(&o.item_id).cloned().unwrap_or_default();
        o.view(name)
    })))
}
