//! The reward store: items priced in medals, and the orders students place
//! with their balances.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ITEM_NAME_MAX: usize = 200;
pub const ITEM_DESCRIPTION_MAX: usize = 2000;
pub const PRICE_MAX: i32 = 1000;
pub const STOCK_MAX: i32 = 100_000;
pub const QUANTITY_MAX: i32 = 100;

/// A price in medals: any of the three, at least one of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Price {
    #[serde(default)]
    pub gold: i32,
    #[serde(default)]
    pub silver: i32,
    #[serde(default)]
    pub bronze: i32,
}

impl Price {
    /// Each medal's currency with its amount, the ones not asked for left
    /// out.
    pub fn parts(self) -> Vec<(&'static str, i32)> {
        [
            ("MEDAL_GOLD", self.gold),
            ("MEDAL_SILVER", self.silver),
            ("MEDAL_BRONZE", self.bronze),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    fn check(&self, e: &mut Vec<FieldError>) {
        for (field, v) in [
            ("price.gold", self.gold),
            ("price.silver", self.silver),
            ("price.bronze", self.bronze),
        ] {
            if !(0..=PRICE_MAX).contains(&v) {
                e.push(
                    FieldError::new(field, FieldCode::Range, format!("from 0 to {PRICE_MAX}"))
                        .with("min", 0)
                        .with("max", PRICE_MAX),
                );
            }
        }
        if self.gold + self.silver + self.bronze <= 0 {
            e.push(FieldError::new(
                "price",
                FieldCode::Required,
                "an item costs at least one medal",
            ));
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreItemView {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// Where its picture is: an uploaded one's address in this API
    /// (`/api/v1/store/items/{id}/image?v=…`, read with the caller's
    /// credentials), or the `https://` link it was given.
    pub image_url: Option<String>,
    pub price: Price,
    /// How many are left.
    pub stock: i32,
    /// Whether students may buy it now.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "name": "Robot sticker pack", "description": "Six stickers", "price": {"bronze": 5},
    "stock": 40
})))]
#[serde(deny_unknown_fields)]
pub struct NewStoreItem {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    pub price: Price,
    pub stock: i32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn check_stock(e: &mut Vec<FieldError>, stock: i32) {
    if !(0..=STOCK_MAX).contains(&stock) {
        e.push(
            FieldError::new("stock", FieldCode::Range, format!("from 0 to {STOCK_MAX}"))
                .with("min", 0)
                .with("max", STOCK_MAX),
        );
    }
}

fn check_image(e: &mut Vec<FieldError>, url: &str) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        e.push(FieldError::new(
            "image_url",
            FieldCode::Format,
            "a web address starting https://",
        ));
    }
}

impl Validate for NewStoreItem {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, ITEM_NAME_MAX);
        if let Some(d) = &self.description {
            if d.chars().count() > ITEM_DESCRIPTION_MAX {
                e.push(
                    FieldError::new("description", FieldCode::TooLong, "too long")
                        .with("max", ITEM_DESCRIPTION_MAX),
                );
            }
        }
        if let Some(u) = &self.image_url {
            check_image(e, u);
        }
        self.price.check(e);
        check_stock(e, self.stock);
    }
}

/// A change to an item: only the fields sent change; `null` clears the
/// description or the image.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"stock": 12, "active": true})))]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    /// A link to its picture (`https://`); a link, or `null`, takes the
    /// place of an uploaded picture.
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl Validate for UpdateStoreItem {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.name {
            validate::text(e, "name", n, ITEM_NAME_MAX);
        }
        if let Some(Some(d)) = &self.description {
            if d.chars().count() > ITEM_DESCRIPTION_MAX {
                e.push(
                    FieldError::new("description", FieldCode::TooLong, "too long")
                        .with("max", ITEM_DESCRIPTION_MAX),
                );
            }
        }
        if let Some(Some(u)) = &self.image_url {
            check_image(e, u);
        }
        if let Some(p) = &self.price {
            p.check(e);
        }
        if let Some(s) = self.stock {
            check_stock(e, s);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Bought: the medals and the stock are taken; waiting to be handed over.
    Placed,
    /// Handed over.
    Fulfilled,
    /// Called off: the medals were refunded and the stock put back.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 3] = [Self::Placed, Self::Fulfilled, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Fulfilled => "fulfilled",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: Uuid,
    pub item_id: Uuid,
    pub item_name: String,
    pub person_id: Uuid,
    pub quantity: i32,
    /// What one cost when bought.
    pub price: Price,
    pub status: OrderStatus,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A purchase: a student buys for themself; staff name the person.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "item_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "quantity": 1
})))]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    pub item_id: Uuid,
    #[serde(default = "one")]
    pub quantity: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
}

fn one() -> i32 {
    1
}

impl Validate for PlaceOrder {
    fn check(&self, e: &mut Vec<FieldError>) {
        if !(1..=QUANTITY_MAX).contains(&self.quantity) {
            e.push(
                FieldError::new(
                    "quantity",
                    FieldCode::Range,
                    format!("from 1 to {QUANTITY_MAX}"),
                )
                .with("min", 1)
                .with("max", QUANTITY_MAX),
            );
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Out of stock at the supplier"})))]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    pub reason: String,
}

impl Validate for CancelOrder {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, 500);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_costs_something_and_keeps_to_its_ranges() {
        let item = |price: Price, stock: i32, image: Option<&str>| NewStoreItem {
            name: "Stickers".into(),
            description: None,
            image_url: image.map(Into::into),
            price,
            stock,
            active: true,
        };
        let bronze = Price {
            bronze: 5,
            ..Default::default()
        };
        assert!(item(bronze, 3, Some("https://example.com/a.png"))
            .validate()
            .is_ok());
        let fields = |i: NewStoreItem| -> Vec<String> {
            i.validate()
                .expect_err("refused")
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(item(Price::default(), 3, None)), ["price"]);
        assert_eq!(fields(item(bronze, -1, None)), ["stock"]);
        assert_eq!(
            fields(item(bronze, 3, Some("javascript:alert(1)"))),
            ["image_url"]
        );
        assert_eq!(bronze.parts(), [("MEDAL_BRONZE", 5)]);
    }
}
