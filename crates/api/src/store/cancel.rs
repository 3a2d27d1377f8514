use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Scope, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::Conn;
use rapport_domain::api::{CancelOrder, OrderStatus, OrderView};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Order `id` of `ws`, locked, when it is still placed (404 when `scope`
/// does not see it, 409 `order_closed` when fulfilled or cancelled).
pub(crate) async fn open_order(
    conn: &mut Conn,
    ws: Uuid,
    scope: &Scope,
    id: Uuid,
) -> Result<super::Order, ApiError> {
    let row = rapport_db::store::lock_order(conn, ws, scope, id)
        .await?
        .found()?;
    if row.status != OrderStatus::Placed {
        return Err(ApiError::conflict(
            Code::OrderClosed,
            format!("this order was {} already", row.status.as_str()),
        ));
    }
    let names = rapport_db::store::item_names(conn, ws, &[row.item_id]).await?;
    let person = rapport_db::people::find(conn, &Scope::Workspace(ws), row.person_id).await?;
    Ok(super::Order {
        item_name: names.get(&row.item_id).cloned().unwrap_or_default(),
        subject: person.and_then(|p| p.user_id),
        row,
    })
}

/// Cancel a placed order, with why: its medals are refunded by entries
/// that compensate the purchase's, and its stock is put back, in one
/// transaction.
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body = CancelOrder,
    responses(
        (status = 200, description = "The order, cancelled", body = OrderView),
        (status = 409, description = "Fulfilled or cancelled already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[post("/store/orders/{id}/cancel")]
pub async fn cancel(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<CancelOrder>,
) -> ApiResult<Reply<OrderView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let reason = body.reason.trim().to_string();
    let conn = db.conn().await?;
    let order = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = open_order(conn, ws, &scope, id).await?;
            // The item first, as a purchase locks it: one order of locks.
            let item = rapport_db::store::lock_item(conn, ws, before.row.item_id)
                .await?
                .found()?;
            let paid =
                rapport_db::ledger::by_cause(conn, ws, super::ORDER, &id.to_string()).await?;
            for entry in paid.iter().filter(|e| e.corrects.is_none()) {
                crate::ledger::post(
                    conn,
                    &ctx,
                    ws,
                    crate::ledger::Posting {
                        person_id: entry.person_id,
                        amount_minor: -entry.amount_minor,
                        currency: &entry.currency,
                        reason: &format!("Refund: {reason}"),
                        cause: Some((super::ORDER.into(), id.to_string())),
                        corrects: Some(entry.id),
                    },
                )
                .await?;
            }
            let after_item =
                rapport_db::store::move_stock(conn, ws, item.id, before.row.quantity).await?;
            ctx.changed(conn, ws, "updated", &item, &after_item).await?;
            let row =
                rapport_db::store::set_status(conn, ws, id, OrderStatus::Cancelled, Some(&reason))
                    .await?;
            let after = super::Order {
                row,
                item_name: before.item_name.clone(),
                subject: before.subject,
            };
            ctx.changed(conn, ws, "cancelled", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&order.row.view(order.item_name.clone())).etag(order.row.version))
}
