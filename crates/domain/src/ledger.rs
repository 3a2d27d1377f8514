//! The ledger: money and medals as append-only entries per person, with
//! balances that are their sums. Nothing is changed or deleted: a mistake
//! is corrected by a compensating entry.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest reason of an entry.
pub const ENTRY_REASON_MAX: usize = 500;
/// The largest amount of one entry, in minor units (a million in a
/// currency with cents).
pub const AMOUNT_MAX: i64 = 100_000_000;

/// The medals, as ledger currencies.
pub const MEDALS: [&str; 3] = ["MEDAL_BRONZE", "MEDAL_SILVER", "MEDAL_GOLD"];

/// Whether `currency` is a medal rather than money.
pub fn is_medal(currency: &str) -> bool {
    MEDALS.contains(&currency)
}

/// Whether `currency` is one the ledger keeps: an ISO 4217-style code of
/// three capitals, or a medal.
pub fn is_currency(currency: &str) -> bool {
    is_medal(currency) || (currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Which entries a list shows: money, medals, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    Money,
    Medals,
}

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntryView {
    pub id: Uuid,
    pub person_id: Uuid,
    /// In minor units: 2500 is 25.00 EUR; one medal is 1. Negative takes
    /// away (a charge, a purchase, a correction).
    pub amount_minor: i64,
    /// `EUR`-style codes for money; `MEDAL_BRONZE`, `MEDAL_SILVER` and
    /// `MEDAL_GOLD` for medals.
    pub currency: String,
    pub reason: String,
    /// What caused it (`award`, `purchase`, `payment`, `attendance`, ...)
    /// and its id.
    pub cause_type: Option<String>,
    pub cause_id: Option<String>,
    /// The entry this one compensates.
    pub corrects: Option<Uuid>,
    /// The entry that compensates this one, once corrected.
    pub corrected_by: Option<Uuid>,
    pub actor: crate::events::Actor,
    pub created_at: DateTime<Utc>,
}

/// A person's balance in one currency: the sum of their entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub person_id: Uuid,
    pub currency: String,
    pub balance_minor: i64,
    /// How many entries make it.
    pub entries: i32,
    pub updated_at: DateTime<Utc>,
}

/// A manual entry: an adjustment made by an admin, with its reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "amount_minor": 2500,
    "currency": "EUR", "reason": "Opening balance"
})))]
#[serde(deny_unknown_fields)]
pub struct NewLedgerEntry {
    pub person_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
}

impl Validate for NewLedgerEntry {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.amount_minor == 0 || !(-AMOUNT_MAX..=AMOUNT_MAX).contains(&self.amount_minor) {
            e.push(
                FieldError::new(
                    "amount_minor",
                    FieldCode::Range,
                    "not zero, and at most a hundred million minor units either way",
                )
                .with("min", -AMOUNT_MAX)
                .with("max", AMOUNT_MAX),
            );
        }
        if !is_currency(&self.currency) {
            e.push(FieldError::new(
                "currency",
                FieldCode::Format,
                "three capital letters (EUR), or MEDAL_BRONZE, MEDAL_SILVER or MEDAL_GOLD",
            ));
        }
        validate::text(e, "reason", &self.reason, ENTRY_REASON_MAX);
    }
}

/// A correction: why the entry is reversed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Entered twice"})))]
#[serde(deny_unknown_fields)]
pub struct CorrectLedgerEntry {
    pub reason: String,
}

impl Validate for CorrectLedgerEntry {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, ENTRY_REASON_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_money_codes_or_medals() {
        for ok in ["EUR", "USD", "MEDAL_GOLD", "MEDAL_BRONZE"] {
            assert!(is_currency(ok), "{ok}");
        }
        for bad in ["eur", "EURO", "MEDAL_PLATINUM", "", "E1R"] {
            assert!(!is_currency(bad), "{bad}");
        }
        assert!(is_medal("MEDAL_SILVER") && !is_medal("EUR"));
    }

    #[test]
    fn an_entry_is_not_zero_nor_huge_and_has_a_reason() {
        let entry = |amount_minor, currency: &str, reason: &str| NewLedgerEntry {
            person_id: Uuid::nil(),
            amount_minor,
            currency: currency.into(),
            reason: reason.into(),
        };
        assert!(entry(-250, "EUR", "Refund").validate().is_ok());
        for (bad, field) in [
            (entry(0, "EUR", "x"), "amount_minor"),
            (entry(AMOUNT_MAX + 1, "EUR", "x"), "amount_minor"),
            (entry(i64::MIN, "EUR", "x"), "amount_minor"),
            (entry(5, "euro", "x"), "currency"),
            (entry(5, "EUR", " "), "reason"),
        ] {
            let errors = bad.validate().expect_err("refused");
            assert_eq!(errors[0].field, field);
        }
    }
}
