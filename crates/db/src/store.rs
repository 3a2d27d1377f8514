//! The reward store's items and orders.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{store_item_images, store_items, store_orders};
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{OrderStatus, OrderView, Price, StoreItemView};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = store_items)]
#[diesel(treat_none_as_default_value = false)]
pub struct ItemRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub price_gold: i32,
    pub price_silver: i32,
    pub price_bronze: i32,
    pub stock: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The uploaded picture's SHA-256, when it has one.
    pub image_sha256: Option<String>,
}

impl ItemRow {
    /// Where its picture is: the uploaded one's address, versioned by its
    /// hash, or the link it was given.
    pub fn image(&self) -> Option<String> {
        match &self.image_sha256 {
            Some(hash) => Some(format!(
                "/api/v1/store/items/{}/image?v={}",
                self.id,
                &hash[..16.min(hash.len())]
            )),
            None => self.image_url.clone(),
        }
    }

    pub fn price(&self) -> Price {
        Price {
            gold: self.price_gold,
            silver: self.price_silver,
            bronze: self.price_bronze,
        }
    }

    pub fn view(&self) -> StoreItemView {
        StoreItemView {
            id: self.id,
            name: self.name.clone(),
            description: self.description.clone(),
            image_url: self.image(),
            price: self.price(),
            stock: self.stock,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// What changes of an item (`None`: unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = store_items)]
pub struct ItemChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub image_url: Option<Option<String>>,
    pub price_gold: Option<i32>,
    pub price_silver: Option<i32>,
    pub price_bronze: Option<i32>,
    pub stock: Option<i32>,
    pub active: Option<bool>,
    pub image_sha256: Option<Option<String>>,
}

/// An item's uploaded picture.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = store_item_images)]
pub struct ImageRow {
    pub workspace_id: Uuid,
    pub item_id: Uuid,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// An order as it is placed (`placed`, at its version 1).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = store_orders)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewOrder {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub item_id: Uuid,
    pub person_id: Uuid,
    pub quantity: i32,
    pub price_gold: i32,
    pub price_silver: i32,
    pub price_bronze: i32,
    pub placed_by: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = store_orders)]
pub struct OrderRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub item_id: Uuid,
    pub person_id: Uuid,
    pub quantity: i32,
    pub price_gold: i32,
    pub price_silver: i32,
    pub price_bronze: i32,
    #[diesel(deserialize_as = crate::closed::OrderStatusText)]
    pub status: OrderStatus,
    pub cancel_reason: Option<String>,
    pub placed_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl OrderRow {
    pub fn price(&self) -> Price {
        Price {
            gold: self.price_gold,
            silver: self.price_silver,
            bronze: self.price_bronze,
        }
    }

    pub fn view(&self, item_name: String) -> OrderView {
        OrderView {
            id: self.id,
            item_id: self.item_id,
            item_name,
            person_id: self.person_id,
            quantity: self.quantity,
            price: self.price(),
            status: self.status,
            cancel_reason: self.cancel_reason.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// Items by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSort {
    Name,
}

impl Sorts for ItemSort {
    const LIST: &'static str = "store_items";
    const FIELDS: &'static [(&'static str, Self)] = &[("name", Self::Name)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = ItemRow;
    fn key(self, i: &ItemRow) -> Key {
        match self {
            Self::Name => Key::of(i.name.clone(), i.id),
        }
    }
}

/// Orders, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    CreatedAt,
}

impl Sorts for OrderSort {
    const LIST: &'static str = "store_orders";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = OrderRow;
    fn key(self, o: &OrderRow) -> Key {
        match self {
            Self::CreatedAt => Key::of(o.created_at, o.id),
        }
    }
}

/// A page of the items of `ws`; the active ones only unless `all`.
pub async fn items(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    all: bool,
    page: &PageRequest<ItemSort>,
) -> ListResult<Vec<ItemRow>> {
    let mut q = store_items::table
        .filter(store_items::workspace_id.eq(ws))
        .select(ItemRow::as_select())
        .into_boxed();
    if !all {
        q = q.filter(store_items::active.eq(true));
    }
    let q = match page.sort.field {
        ItemSort::Name => page.seek(q, store_items::name, store_items::id)?,
    };
    Ok(q.load(conn).await?)
}

pub async fn insert_item(conn: &mut AsyncPgConnection, i: &ItemRow) -> QueryResult<ItemRow> {
    diesel::insert_into(store_items::table)
        .values(i)
        .returning(ItemRow::as_returning())
        .get_result(conn)
        .await
}

/// Item `id` of `ws`, locked until the transaction ends: purchases of one
/// item are counted one at a time.
pub async fn lock_item(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<ItemRow>> {
    store_items::table
        .find((ws, id))
        .select(ItemRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

/// `changes` made to item `id` of `ws` at `version` (`None` when it moved
/// on).
pub async fn update_item(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &ItemChanges,
) -> QueryResult<Option<ItemRow>> {
    diesel::update(
        store_items::table
            .filter(store_items::workspace_id.eq(ws))
            .filter(store_items::id.eq(id))
            .filter(store_items::version.eq(version)),
    )
    .set((
        changes,
        store_items::version.eq(store_items::version + 1),
        store_items::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ItemRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// The stock of item `id` of `ws` moved by `by` (the table keeps it at
/// zero or more).
pub async fn move_stock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    by: i32,
) -> QueryResult<ItemRow> {
    diesel::update(
        store_items::table
            .filter(store_items::workspace_id.eq(ws))
            .filter(store_items::id.eq(id)),
    )
    .set((
        store_items::stock.eq(store_items::stock + by),
        store_items::version.eq(store_items::version + 1),
        store_items::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ItemRow::as_returning())
    .get_result(conn)
    .await
}

pub async fn insert_order(conn: &mut AsyncPgConnection, o: &NewOrder) -> QueryResult<OrderRow> {
    diesel::insert_into(store_orders::table)
        .values(o)
        .returning(OrderRow::as_returning())
        .get_result(conn)
        .await
}

type BoxedOrders<'a> =
    store_orders::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<OrderRow, Pg>>>;

/// The orders `scope` may see: a member, those of the people linked to
/// them.
fn visible<'a>(scope: &Scope) -> BoxedOrders<'a> {
    let q = store_orders::table
        .select(OrderRow::as_select())
        .into_boxed();
    match scope {
        Scope::Workspace(ws) => q.filter(store_orders::workspace_id.eq(*ws)),
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(store_orders::workspace_id.eq(*workspace_id))
            .filter(
                store_orders::person_id
                    .eq_any(crate::scope::linked_people(*workspace_id, *user_id)),
            ),
        Scope::Branches { workspace_id, ids } => q
            .filter(store_orders::workspace_id.eq(*workspace_id))
            .filter(
                store_orders::person_id.eq_any(crate::scope::branch_people(*workspace_id, ids)),
            ),
        Scope::Organization { .. } | Scope::Nothing => {
            q.filter(store_orders::id.ne(store_orders::id))
        }
    }
}

/// A page of the orders `scope` may see, of one status when asked.
pub async fn orders(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    status: Option<OrderStatus>,
    person: Option<Uuid>,
    page: &PageRequest<OrderSort>,
) -> ListResult<Vec<OrderRow>> {
    let mut q = visible(scope);
    if let Some(s) = status {
        q = q.filter(store_orders::status.eq(s.as_str()));
    }
    if let Some(p) = person {
        q = q.filter(store_orders::person_id.eq(p));
    }
    let q = match page.sort.field {
        OrderSort::CreatedAt => page.seek(q, store_orders::created_at, store_orders::id)?,
    };
    Ok(q.load(conn).await?)
}

/// Order `id` of `ws`, locked until the transaction ends, when `scope`
/// may see it.
pub async fn lock_order(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<OrderRow>> {
    let locked: Option<Uuid> = store_orders::table
        .filter(store_orders::workspace_id.eq(ws))
        .filter(store_orders::id.eq(id))
        .select(store_orders::id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(_) => visible(scope)
            .filter(store_orders::id.eq(id))
            .first(conn)
            .await
            .optional(),
        None => Ok(None),
    }
}

/// Order `id` of `ws` set to `status` (with a reason when cancelled).
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    status: OrderStatus,
    reason: Option<&str>,
) -> QueryResult<OrderRow> {
    diesel::update(
        store_orders::table
            .filter(store_orders::workspace_id.eq(ws))
            .filter(store_orders::id.eq(id)),
    )
    .set((
        store_orders::status.eq(status.as_str()),
        store_orders::cancel_reason.eq(reason),
        store_orders::version.eq(store_orders::version + 1),
        store_orders::updated_at.eq(diesel::dsl::now),
    ))
    .returning(OrderRow::as_returning())
    .get_result(conn)
    .await
}

/// The names of the items `ids` of `ws`.
pub async fn item_names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> = store_items::table
        .filter(store_items::workspace_id.eq(ws))
        .filter(store_items::id.eq_any(ids))
        .select((store_items::id, store_items::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Every order of `person` of `ws`, oldest first.
pub async fn orders_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<OrderRow>> {
    store_orders::table
        .filter(store_orders::workspace_id.eq(ws))
        .filter(store_orders::person_id.eq(person))
        .order((store_orders::created_at, store_orders::id))
        .select(OrderRow::as_select())
        .load(conn)
        .await
}

/// Sets item `i.item_id`'s picture to `i`, in place of any before it.
pub async fn put_image(conn: &mut AsyncPgConnection, i: &ImageRow) -> QueryResult<()> {
    diesel::insert_into(store_item_images::table)
        .values(i)
        .on_conflict((store_item_images::workspace_id, store_item_images::item_id))
        .do_update()
        .set((
            store_item_images::content_type.eq(&i.content_type),
            store_item_images::bytes.eq(&i.bytes),
            store_item_images::sha256.eq(&i.sha256),
            store_item_images::created_at.eq(i.created_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes item `item`'s uploaded picture, if it has one.
pub async fn delete_image(conn: &mut AsyncPgConnection, ws: Uuid, item: Uuid) -> QueryResult<()> {
    diesel::delete(
        store_item_images::table
            .filter(store_item_images::workspace_id.eq(ws))
            .filter(store_item_images::item_id.eq(item)),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Item `item`'s uploaded picture; with `for_sale_only`, only while the
/// item is for sale.
pub async fn image(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    item: Uuid,
    for_sale_only: bool,
) -> QueryResult<Option<ImageRow>> {
    let mut q = store_item_images::table
        .inner_join(
            store_items::table.on(store_items::workspace_id
                .eq(store_item_images::workspace_id)
                .and(store_items::id.eq(store_item_images::item_id))),
        )
        .filter(store_item_images::workspace_id.eq(ws))
        .filter(store_item_images::item_id.eq(item))
        .select(ImageRow::as_select())
        .into_boxed();
    if for_sale_only {
        q = q.filter(store_items::active.eq(true));
    }
    q.first(conn).await.optional()
}
