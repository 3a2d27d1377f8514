use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Visible};
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{OrderStatus, OrderView};
use uuid::Uuid;

/// Mark an order handed over. Only a placed order (409 `order_closed`).
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order, fulfilled", body = OrderView),
        (status = 409, description = "Fulfilled or cancelled already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[post("/store/orders/{id}/fulfil")]
pub async fn fulfil(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<OrderView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let order = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = super::cancel::open_order(conn, ws, &scope, id).await?;
            let row =
                rapport_db::store::set_status(conn, ws, id, OrderStatus::Fulfilled, None).await?;
            let after = super::Order {
                row,
                item_name: before.item_name.clone(),
                subject: before.subject,
            };
            ctx.changed(conn, ws, "fulfilled", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&order.row.view(order.item_name.clone())).etag(order.row.version))
}
