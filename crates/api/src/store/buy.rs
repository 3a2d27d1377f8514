use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Caller, Ctx, Db, Idempotent, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::store::NewOrder;
use rapport_db::Conn;
use rapport_domain::api::{OrderView, PlaceOrder};
use rapport_domain::problem::{Code, FieldCode};
use rapport_domain::Permission;
use uuid::Uuid;

/// Whom a purchase is for: those who run the store name the person; a
/// student buys for themself.
async fn buyer(conn: &mut Conn, caller: &Caller, asked: Option<Uuid>) -> Result<Uuid, ApiError> {
    let ws = caller.workspace_id();
    if caller.allows(Permission::StoreManage) {
        return asked.ok_or_else(|| {
            ApiError::validation("person_id", FieldCode::Required, "name whom it is for")
        });
    }
    let user = caller.user_id().unwrap_or_default();
    let own = rapport_db::scheduling::linked_people(conn, ws, user).await?;
    match asked {
        Some(p) if own.contains(&p) => Ok(p),
        Some(_) => Err(ApiError::Forbidden("a student buys for themself".into())),
        None => own.first().copied().ok_or_else(|| {
            ApiError::validation(
                "person_id",
                FieldCode::Unknown,
                "no person is linked to you in this workspace",
            )
        }),
    }
}

/// `quantity` of item `item_id` of `ws` bought for `person`: under the
/// item's lock, its stock and the person's medals taken, the order placed,
/// each audited and announced, in the caller's transaction.
pub async fn place(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    item_id: Uuid,
    person: Uuid,
    quantity: i32,
) -> Result<super::Order, ApiError> {
    let item = rapport_db::store::lock_item(conn, ws, item_id)
        .await?
        .found()?;
    if !item.active || item.stock < quantity {
        return Err(ApiError::conflict(
            Code::OutOfStock,
            format!(
                "{} left of this item",
                if item.active { item.stock } else { 0 }
            ),
        ));
    }
    let after = rapport_db::store::move_stock(conn, ws, item.id, -quantity).await?;
    let row = rapport_db::store::insert_order(
        conn,
        &NewOrder {
            workspace_id: ws,
            id: Uuid::now_v7(),
            item_id: item.id,
            person_id: person,
            quantity,
            price_gold: item.price_gold,
            price_silver: item.price_silver,
            price_bronze: item.price_bronze,
            placed_by: ctx.actor_id,
        },
    )
    .await?;
    let reason = format!("{quantity} × {}", item.name);
    let mut subject = None;
    for (currency, n) in item.price().parts() {
        let entry = crate::ledger::post(
            conn,
            ctx,
            ws,
            crate::ledger::Posting {
                person_id: person,
                amount_minor: -(n as i64) * quantity as i64,
                currency,
                reason: &reason,
                cause: Some((super::ORDER.into(), row.id.to_string())),
                corrects: None,
            },
        )
        .await?;
        subject = entry.subject;
    }
    ctx.changed(conn, ws, "updated", &item, &after).await?;
    let order = super::Order {
        row,
        item_name: item.name.clone(),
        subject,
    };
    ctx.created(conn, ws, &order).await?;
    Ok(order)
}

/// Buy an item with medals: the item's stock and the buyer's medals are
/// taken in one transaction, under the item's lock. Not enough stock (or
/// not for sale): 409 `out_of_stock`; not enough medals: 409
/// `insufficient`; nothing is taken either way. Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "store",
    request_body = PlaceOrder,
    responses(
        (status = 201, description = "The order, placed", body = OrderView),
        (status = 409, description = "Out of stock, or not enough medals", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["store:buy"]), ("api_key" = ["store:buy"]))
)]
#[post("/store/orders")]
pub async fn buy(
    mut db: Db,
    caller: Authz<perm::StoreBuy>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<PlaceOrder>,
) -> ApiResult<Reply<OrderView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let person = buyer(conn, &caller, body.person_id).await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let order = place(conn, &ctx, ws, body.item_id, person, body.quantity).await?;
            let reply = Reply::created(&order.row.view(order.item_name.clone()))
                .etag(order.row.version)
                .location(format!("/api/v1/store/orders/{}", order.row.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
