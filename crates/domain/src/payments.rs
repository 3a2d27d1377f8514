//! Tuition: fee plans, the monthly charges they make, the payments that
//! settle them with their receipts, and what each student owes and since
//! when. Charges and payments are entries on the ledger; money is in minor
//! units, never a float.

use crate::problem::{FieldCode, FieldError};
use crate::scheduling::Money;
use crate::validate::{self, Validate, NAME_MAX};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most guardians a student has.
pub const GUARDIANS_MAX: usize = 4;
pub const RELATION_MAX: usize = 100;
pub const PAYMENT_NOTE_MAX: usize = 500;
pub const DISCOUNT_REASON_MAX: usize = 200;
pub const VOID_REASON_MAX: usize = 500;

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Transfer,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [Self::Cash, Self::Card, Self::Transfer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Transfer => "transfer",
        }
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

impl From<PaymentMethod> for String {
    fn from(m: PaymentMethod) -> String {
        m.as_str().to_string()
    }
}

/// The first day of the month `d` falls in.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `amount` with `percent` off, rounded half up to the minor unit.
pub fn discounted(amount_minor: i64, percent: i32) -> i64 {
    let keep = i128::from(100 - percent.clamp(0, 100));
    ((i128::from(amount_minor) * keep + 50) / 100) as i64
}

/// A money amount sent in: more than zero, at most the ledger's largest
/// entry, in a three-letter currency (not a medal).
pub(crate) fn money(e: &mut Vec<FieldError>, field: &str, m: &Money) {
    let max = crate::ledger::AMOUNT_MAX;
    if !(1..=max).contains(&m.amount_minor) {
        e.push(
            FieldError::new(
                format!("{field}.amount_minor"),
                FieldCode::Range,
                format!("from 1 to {max}"),
            )
            .with("min", 1)
            .with("max", max),
        );
    }
    if !(m.currency.len() == 3 && m.currency.bytes().all(|b| b.is_ascii_uppercase())) {
        e.push(FieldError::new(
            format!("{field}.currency"),
            FieldCode::Format,
            "three capital letters, such as EUR",
        ));
    }
}

pub(crate) fn first_day(e: &mut Vec<FieldError>, field: &str, d: Option<NaiveDate>) {
    if let Some(d) = d {
        if d.day() != 1 || !(2000..=2100).contains(&d.year()) {
            e.push(FieldError::new(
                field,
                FieldCode::Format,
                "the first day of a month, from 2000 to 2100",
            ));
        }
    }
}

/// Someone who answers for a student: receives the receipts and the
/// monthly statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardianView {
    pub id: Uuid,
    pub name: String,
    /// Mother, father, aunt ...
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Whether receipts and statements are e-mailed to them.
    pub receives_mail: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Guardian {
    pub name: String,
    #[serde(default)]
    pub relation: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default = "yes")]
    pub receives_mail: bool,
}

/// A student's guardians, all of them, in order: the list replaces the one
/// kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"guardians": [{"name": "Ana Rivera", "relation": "mother", "email": "ana@example.com", "phone": "+1 555 0100"}]})))]
#[serde(deny_unknown_fields)]
pub struct SetGuardians {
    pub guardians: Vec<Guardian>,
}

impl Validate for SetGuardians {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.guardians.len() > GUARDIANS_MAX {
            e.push(
                FieldError::new(
                    "guardians",
                    FieldCode::TooLong,
                    format!("at most {GUARDIANS_MAX}"),
                )
                .with("max", GUARDIANS_MAX),
            );
        }
        for (i, g) in self.guardians.iter().enumerate() {
            validate::text(e, &format!("guardians[{i}].name"), &g.name, NAME_MAX);
            validate::optional_text(
                e,
                &format!("guardians[{i}].relation"),
                g.relation.as_deref(),
                RELATION_MAX,
            );
            validate::optional_email(e, &format!("guardians[{i}].email"), g.email.as_deref());
            if let Some(p) = g.phone.as_deref() {
                validate::phone(e, &format!("guardians[{i}].phone"), p);
            }
            if g.receives_mail && g.email.as_deref().is_none_or(|m| m.trim().is_empty()) {
                e.push(FieldError::new(
                    format!("guardians[{i}].email"),
                    FieldCode::Required,
                    "mail goes to an address",
                ));
            }
        }
    }
}

/// A monthly fee: for every student of a class, or for one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeePlanView {
    pub id: Uuid,
    pub name: String,
    /// What a month costs, before any student's discount.
    pub amount: Money,
    /// The class whose students it charges.
    pub group_id: Option<Uuid>,
    /// The one student it charges.
    pub person_id: Option<Uuid>,
    /// The first month it charges (its first day).
    pub first_month: NaiveDate,
    /// A plan that is not active charges nothing more.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub type FeePlanPage = crate::list::Page<FeePlanView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Python beginners", "amount": {"amount_minor": 12000, "currency": "USD"}, "group_id": "0193a5f2-7c1e-7b7a-9c1e-1d2e3f4a5b6c"})))]
#[serde(deny_unknown_fields)]
pub struct CreateFeePlan {
    pub name: String,
    pub amount: Money,
    #[serde(default)]
    pub group_id: Option<Uuid>,
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// The first month to charge (its first day); this month when left out.
    #[serde(default)]
    pub first_month: Option<NaiveDate>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for CreateFeePlan {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, NAME_MAX);
        money(e, "amount", &self.amount);
        first_day(e, "first_month", self.first_month);
        if self.group_id.is_some() == self.person_id.is_some() {
            e.push(FieldError::new(
                "group_id",
                FieldCode::Required,
                "a plan is for a class or for one student: name one of group_id and person_id",
            ));
        }
    }
}

/// Only the fields sent change. Whom a plan charges stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"amount": {"amount_minor": 13000, "currency": "USD"}})))]
#[serde(deny_unknown_fields)]
pub struct UpdateFeePlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_month: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl Validate for UpdateFeePlan {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.name {
            validate::text(e, "name", n, NAME_MAX);
        }
        if let Some(m) = &self.amount {
            money(e, "amount", m);
        }
        first_day(e, "first_month", self.first_month);
    }
}

/// A student's discount, taken off every plan that charges them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountView {
    pub person_id: Uuid,
    /// From 1 to 100.
    pub percent: i32,
    /// A sibling discount, a scholarship ...
    pub reason: String,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub type DiscountPage = crate::list::Page<DiscountView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"percent": 10, "reason": "Sibling discount"})))]
#[serde(deny_unknown_fields)]
pub struct SetDiscount {
    pub percent: i32,
    pub reason: String,
}

impl Validate for SetDiscount {
    fn check(&self, e: &mut Vec<FieldError>) {
        if !(1..=100).contains(&self.percent) {
            e.push(
                FieldError::new("percent", FieldCode::Range, "from 1 to 100")
                    .with("min", 1)
                    .with("max", 100),
            );
        }
        validate::text(e, "reason", &self.reason, DISCOUNT_REASON_MAX);
    }
}

/// What a student is charged for a month by a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeView {
    pub id: Uuid,
    pub person_id: Uuid,
    /// The plan that made it (`null` once the plan is deleted).
    pub plan_id: Option<Uuid>,
    /// The month charged (its first day).
    pub month: NaiveDate,
    pub description: String,
    /// What is charged, the discount already taken off.
    pub amount: Money,
    pub discount_percent: i32,
    /// The ledger entry that charged it.
    pub entry_id: Uuid,
    /// When it was waived (its entry compensated).
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

pub type ChargePage = crate::list::Page<ChargeView>;

/// Charge a month now (the monthly run does it on the first of each month).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"month": "2026-12-01"})))]
#[serde(deny_unknown_fields)]
pub struct RunCharges {
    /// The month's first day.
    pub month: NaiveDate,
}

impl Validate for RunCharges {
    fn check(&self, e: &mut Vec<FieldError>) {
        first_day(e, "month", Some(self.month));
    }
}

/// What a run charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeRun {
    pub month: NaiveDate,
    /// Charges made by this run.
    pub charged: i64,
    /// Charges an earlier run had made already.
    pub already: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Away all month, agreed with the family"})))]
#[serde(deny_unknown_fields)]
pub struct VoidCharge {
    pub reason: String,
}

impl Validate for VoidCharge {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, VOID_REASON_MAX);
    }
}

/// What part of a payment went to which charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    /// The tuition charge, or the invoice (finance), it went to.
    pub charge_id: Uuid,
    pub month: NaiveDate,
    pub description: String,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
    /// Gapless per workspace: 1, 2, 3 ...
    pub receipt_number: i64,
    /// The charges it paid, oldest first, when it was recorded.
    pub applied: Vec<Applied>,
    /// What was left over, kept in advance for the next charges.
    pub advance_minor: i64,
    /// The ledger entry that credited it.
    pub entry_id: Uuid,
    pub created_at: DateTime<Utc>,
}

pub type PaymentPage = crate::list::Page<PaymentView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"person_id": "0193a5f2-7c1e-7b7a-9c1e-1d2e3f4a5b6c", "amount": {"amount_minor": 6000, "currency": "USD"}, "method": "cash"})))]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    pub person_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    /// Today when left out.
    #[serde(default)]
    pub paid_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Validate for RecordPayment {
    fn check(&self, e: &mut Vec<FieldError>) {
        money(e, "amount", &self.amount);
        validate::optional_text(e, "note", self.note.as_deref(), PAYMENT_NOTE_MAX);
        if let Some(d) = self.paid_on {
            if !(2000..=2100).contains(&d.year()) {
                e.push(FieldError::new(
                    "paid_on",
                    FieldCode::Range,
                    "a date from 2000 to 2100",
                ));
            }
        }
    }
}

/// How old a debt is: what is owed on charges due 0–30, 31–60, 61–90 and
/// more than 90 days ago (a charge is due on its month's first day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aging {
    pub days_0_30: i64,
    pub days_31_60: i64,
    pub days_61_90: i64,
    pub days_90_plus: i64,
}

impl Aging {
    pub fn add(&mut self, other: &Aging) {
        self.days_0_30 += other.days_0_30;
        self.days_31_60 += other.days_31_60;
        self.days_61_90 += other.days_61_90;
        self.days_90_plus += other.days_90_plus;
    }
}

/// What is owed on which charges: payments settle the oldest charges
/// first, so a debt of `debt` is owed on the newest charges it covers.
/// `charges` are (month, amount) newest first. A debt the charges do not
/// explain (a manual entry) counts as due now. Answers the aging and the
/// oldest month still open.
pub fn aging(
    debt_minor: i64,
    charges: &[(NaiveDate, i64)],
    today: NaiveDate,
) -> (Aging, Option<NaiveDate>) {
    let mut a = Aging::default();
    let mut left = debt_minor.max(0);
    let mut oldest = None;
    for (month, amount) in charges {
        if left <= 0 {
            break;
        }
        let open = left.min(*amount);
        left -= open;
        oldest = Some(*month);
        match (today - *month).num_days() {
            ..=30 => a.days_0_30 += open,
            31..=60 => a.days_31_60 += open,
            61..=90 => a.days_61_90 += open,
            _ => a.days_90_plus += open,
        }
    }
    a.days_0_30 += left;
    (a, oldest)
}

/// What one student owes in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DebtView {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub currency: String,
    /// What they owe: their balance below zero.
    pub debt_minor: i64,
    pub aging: Aging,
    /// The month of the oldest charge still open.
    pub oldest_open_month: Option<NaiveDate>,
}

/// All that is owed in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DebtTotal {
    pub currency: String,
    pub debt_minor: i64,
    pub debtors: i64,
    pub aging: Aging,
}

/// Who owes what, the largest debts first, on a day in the workspace's
/// time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DebtReport {
    pub as_of: NaiveDate,
    pub totals: Vec<DebtTotal>,
    pub data: Vec<DebtView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_discount_rounds_half_up_to_the_minor_unit() {
        assert_eq!(discounted(12000, 10), 10800);
        assert_eq!(discounted(999, 15), 849); // 849.15
        assert_eq!(discounted(5, 50), 3); // 2.5
        assert_eq!(discounted(12000, 100), 0);
        assert_eq!(discounted(100_000_000, 1), 99_000_000);
    }

    #[test]
    fn a_debt_is_owed_on_the_newest_charges_and_aged_by_their_months() {
        let today = d("2026-12-03");
        let charges = [
            (d("2026-12-01"), 10000),
            (d("2026-11-01"), 10000),
            (d("2026-10-01"), 10000),
            (d("2026-08-01"), 10000),
        ];
        // Two and a half months owed: December, November, half of October.
        let (a, oldest) = aging(25000, &charges, today);
        assert_eq!(
            a,
            Aging {
                days_0_30: 10000,
                days_31_60: 10000,
                days_61_90: 5000,
                days_90_plus: 0
            }
        );
        assert_eq!(oldest, Some(d("2026-10-01")));
        // More than the charges explain: the rest is due now.
        let (a, oldest) = aging(45000, &charges, today);
        assert_eq!(a.days_90_plus, 10000);
        assert_eq!(a.days_0_30, 15000);
        assert_eq!(oldest, Some(d("2026-08-01")));
        // Nothing owed, nothing open.
        assert_eq!(aging(0, &charges, today), (Aging::default(), None));
        assert_eq!(aging(-500, &charges, today), (Aging::default(), None));
    }

    #[test]
    fn plans_payments_and_guardians_keep_to_their_ranges() {
        let plan = CreateFeePlan {
            name: "Python".into(),
            amount: Money {
                amount_minor: 0,
                currency: "usd".into(),
            },
            group_id: Some(Uuid::nil()),
            person_id: Some(Uuid::nil()),
            first_month: Some(d("2026-12-02")),
            active: true,
        };
        let fields: Vec<String> = plan
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "amount.amount_minor",
                "amount.currency",
                "first_month",
                "group_id"
            ]
        );
        let g = SetGuardians {
            guardians: vec![Guardian {
                name: "Ana".into(),
                relation: None,
                email: None,
                phone: None,
                receives_mail: true,
            }],
        };
        let fields: Vec<String> = g
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["guardians[0].email"]);
        assert!(SetDiscount {
            percent: 101,
            reason: "x".into()
        }
        .validate()
        .is_err());
        assert_eq!(month_of(d("2026-12-31")), d("2026-12-01"));
    }
}
