//! The reward store: items priced in medals; students buy with their
//! balances. A purchase locks the item, takes its stock and the medals in
//! one transaction (neither ever below zero: fifty purchases of the last
//! one give exactly one order); an admin fulfils an order, or cancels it,
//! which refunds the medals by compensating entries and puts the stock
//! back.

pub mod buy;
pub mod cancel;
pub mod create_item;
pub mod fulfil;
pub mod image;
pub mod list_items;
pub mod list_orders;
pub mod update_item;

use rapport_db::store::{ItemRow, OrderRow};
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_items::list)
        .service(create_item::create)
        .service(update_item::update)
        .service(image::upload)
        .service(image::remove)
        .service(image::show)
        .service(list_orders::list)
        .service(buy::buy)
        .service(fulfil::fulfil)
        .service(cancel::cancel);
}

/// A member sees their own orders; every other role and key the
/// workspace's.
pub type Policy = crate::people::Policy;

/// What an order's entries on the ledger are caused by.
pub const ORDER: &str = "order";

impl crate::record::Audited for ItemRow {
    const KIND: &'static str = "store_item";
    // Everyone who shops hears of stock and prices moving.
    const HEARD_BY: Permission = Permission::StoreRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

/// An order as audited and announced: the buyer's own user hears of it.
pub struct Order {
    pub row: OrderRow,
    pub item_name: String,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for Order {
    const KIND: &'static str = "store_order";
    const HEARD_BY: Permission = Permission::StoreManage;
    fn record_id(&self) -> String {
        self.row.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.row.view(self.item_name.clone())).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// What the store holds of a person: their orders. They name an item and a
/// quantity only, and stay (the medals they cost are on the ledger).
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "store",
        tables: &["store_orders"],
        export: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let orders = rapport_db::store::orders_of(conn, ws, s.person.id).await?;
                let ids: Vec<Uuid> = orders.iter().map(|o| o.item_id).collect();
                let names = rapport_db::store::item_names(conn, ws, &ids).await?;
                Ok(serde_json::json!(orders
                    .iter()
                    .map(|o| o.view(names.get(&o.item_id).cloned().unwrap_or_default()))
                    .collect::<Vec<_>>()))
            })
        },
        erase: |_, _| Box::pin(async { Ok(0) }),
    });
}
