//! Finance: what students pay for their sessions (rates), what tutors earn
//! (pay rates), the invoices built from completed sessions and the credit
//! notes that correct them, and reports of revenue, tutor cost and margin.
//! Money is in minor units with its currency, never a float.

use crate::payments::{first_day, money};
use crate::problem::{FieldCode, FieldError};
use crate::scheduling::Money;
use crate::validate::{self, Validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const RATE_SUBJECT_MAX: usize = 200;
pub const CREDIT_REASON_MAX: usize = 500;
/// The most lines a credit note names.
pub const CREDIT_LINES_MAX: usize = 500;
/// The longest time to pay an invoice, in days.
pub const DUE_DAYS_MAX: i32 = 365;
pub const PACKAGE_NAME_MAX: usize = 200;
/// The most sessions one package holds.
pub const PACKAGE_SESSIONS_MAX: i32 = 1000;

/// What a rate is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    /// The amount per hour, counted by the minute.
    Hour,
    /// The amount per session, however long.
    Session,
}

impl RateUnit {
    pub const ALL: [RateUnit; 2] = [Self::Hour, Self::Session];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Session => "session",
        }
    }

    /// What `minutes` of a session cost at `amount_minor` per unit, rounded
    /// half up to the minor unit.
    pub fn price(self, amount_minor: i64, minutes: i64) -> i64 {
        match self {
            Self::Session => amount_minor,
            Self::Hour => ((i128::from(amount_minor) * i128::from(minutes) + 30) / 60) as i64,
        }
    }
}

impl std::str::FromStr for RateUnit {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

impl From<RateUnit> for String {
    fn from(u: RateUnit) -> String {
        u.as_str().to_string()
    }
}

/// What a student pays: per hour or per session, with one tutor or for one
/// subject (a session's title) when set. The most particular rate that
/// matches a session prices it (tutor and subject, then tutor, then
/// subject, then the student's rate), unless the session has a fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateView {
    pub id: Uuid,
    pub person_id: Uuid,
    /// With this tutor (a session's host) only.
    pub tutor_id: Option<Uuid>,
    /// For sessions of this title only (in any case).
    pub subject: Option<String>,
    pub unit: RateUnit,
    pub amount: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub type RatePage = crate::list::Page<RateView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"person_id": "0193a5f2-7c1e-7b7a-9c1e-1d2e3f4a5b6c", "unit": "hour", "amount": {"amount_minor": 4000, "currency": "EUR"}})))]
#[serde(deny_unknown_fields)]
pub struct NewRate {
    pub person_id: Uuid,
    #[serde(default)]
    pub tutor_id: Option<Uuid>,
    #[serde(default)]
    pub subject: Option<String>,
    pub unit: RateUnit,
    pub amount: Money,
}

impl Validate for NewRate {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::optional_text(e, "subject", self.subject.as_deref(), RATE_SUBJECT_MAX);
        money(e, "amount", &self.amount);
    }
}

/// What a tutor earns: per hour or per session, for one subject when set.
/// A session shared by several students is shared out between their lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayRateView {
    pub id: Uuid,
    pub tutor_id: Uuid,
    pub subject: Option<String>,
    pub unit: RateUnit,
    pub amount: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub type PayRatePage = crate::list::Page<PayRateView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"tutor_id": "0193a5f2-7c1e-7b7a-9c1e-1d2e3f4a5b6c", "unit": "hour", "amount": {"amount_minor": 2500, "currency": "EUR"}})))]
#[serde(deny_unknown_fields)]
pub struct NewPayRate {
    pub tutor_id: Uuid,
    #[serde(default)]
    pub subject: Option<String>,
    pub unit: RateUnit,
    pub amount: Money,
}

impl Validate for NewPayRate {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::optional_text(e, "subject", self.subject.as_deref(), RATE_SUBJECT_MAX);
        money(e, "amount", &self.amount);
    }
}

/// A change to a rate or a pay rate: its unit and amount (who and what it
/// is for stay; make another rate for another).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"amount": {"amount_minor": 4500, "currency": "EUR"}})))]
#[serde(deny_unknown_fields)]
pub struct RatePatch {
    #[serde(default)]
    pub unit: Option<RateUnit>,
    #[serde(default)]
    pub amount: Option<Money>,
}

impl Validate for RatePatch {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(a) = &self.amount {
            money(e, "amount", a);
        }
    }
}

/// One line of an invoice: a session of the student's, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLineView {
    /// 1, 2, 3 ... within the invoice.
    pub line: i32,
    /// The session it bills, or none for a package sold.
    pub session_id: Option<Uuid>,
    /// The package it sells, or none for a session.
    pub package_id: Option<Uuid>,
    pub description: String,
    /// The session's month (its first day), in the workspace's time zone.
    pub month: NaiveDate,
    pub minutes: i32,
    pub tutor_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    /// `hour`, `session`, `fee` (the session's own fee), or `package`.
    pub unit: String,
    /// The rate it was priced at.
    pub unit_minor: i64,
    pub amount_minor: i64,
    /// The tutor's pay for it (this student's share of the session).
    pub cost_minor: i64,
    /// What credit notes gave back of it.
    pub credited_minor: i64,
}

/// An invoice: a student's completed sessions, numbered without gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    pub id: Uuid,
    /// Gapless per workspace: 1, 2, 3 ...
    pub number: i64,
    pub person_id: Uuid,
    pub total: Money,
    /// What credit notes gave back.
    pub credited_minor: i64,
    /// What is still to pay: the student's debt falls on their newest
    /// invoices, payments go to the oldest first.
    pub open_minor: i64,
    /// The month it bills, or none for one made on demand.
    pub month: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// The ledger entry that charged it.
    pub entry_id: Uuid,
    /// Its lines, in a single invoice's answer; empty in a list.
    pub lines: Vec<InvoiceLineView>,
    /// How many lines it has.
    pub line_count: i64,
    /// Its credit notes, in a single invoice's answer; empty in a list.
    pub credit_notes: Vec<CreditNoteView>,
    pub created_at: DateTime<Utc>,
    /// When it was last mailed to the student and their guardians (when
    /// issued, or sent again); `null` when it never was (no address).
    pub sent_at: Option<DateTime<Utc>>,
}

pub type InvoicePage = crate::list::Page<InvoiceView>;

/// Invoice the completed sessions not invoiced yet: of a month (its first
/// day), of one student or all, or with no month all of a student's up to
/// now. One invoice per student and currency. Running it again invoices
/// nothing twice. With `preview`, the invoices are drafted and shown
/// (numbers, lines, totals) but nothing is issued, charged or mailed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"month": "2026-11-01"})))]
#[serde(deny_unknown_fields)]
pub struct RunInvoices {
    #[serde(default)]
    pub month: Option<NaiveDate>,
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// Days to pay (14 when left out).
    #[serde(default)]
    pub due_days: Option<i32>,
    /// Draft only: answer what would be invoiced, and keep nothing.
    #[serde(default)]
    pub preview: bool,
}

impl Validate for RunInvoices {
    fn check(&self, e: &mut Vec<FieldError>) {
        first_day(e, "month", self.month);
        if self.month.is_none() && self.person_id.is_none() {
            e.push(FieldError::new(
                "month",
                FieldCode::Required,
                "a month, or a student to invoice on demand",
            ));
        }
        due_days(e, self.due_days);
    }
}

/// A completed session that could not be invoiced: no fee and no rate
/// matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unpriced {
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
}

/// What a run invoiced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceRun {
    pub month: Option<NaiveDate>,
    /// A draft: nothing was issued (the numbers are those the invoices
    /// would take now).
    #[serde(default)]
    pub preview: bool,
    /// The invoices made, by number.
    pub invoices: Vec<InvoiceView>,
    /// Sessions left out for want of a price: give the student a rate.
    pub unpriced: Vec<Unpriced>,
    /// Sessions drawn from packages (prepaid, so not billed) that the run
    /// settled: their tutors' pay now counts as cost of their months.
    #[serde(default)]
    pub prepaid: i64,
}

/// What a credit note gives back of one line (all that is left of it when
/// the amount is left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditLine {
    pub line: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "The session was cut short", "lines": [{"line": 1, "amount_minor": 1000}]})))]
#[serde(deny_unknown_fields)]
pub struct NewCreditNote {
    pub reason: String,
    pub lines: Vec<CreditLine>,
}

impl Validate for NewCreditNote {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, CREDIT_REASON_MAX);
        if self.lines.is_empty() || self.lines.len() > CREDIT_LINES_MAX {
            e.push(
                FieldError::new(
                    "lines",
                    FieldCode::Range,
                    format!("from 1 to {CREDIT_LINES_MAX} lines"),
                )
                .with("min", 1)
                .with("max", CREDIT_LINES_MAX),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, l) in self.lines.iter().enumerate() {
            if !seen.insert(l.line) {
                e.push(FieldError::new(
                    format!("lines[{i}].line"),
                    FieldCode::OneOf,
                    "each line once",
                ));
            }
            if let Some(a) = l.amount_minor {
                if !(1..=crate::ledger::AMOUNT_MAX).contains(&a) {
                    e.push(
                        FieldError::new(
                            format!("lines[{i}].amount_minor"),
                            FieldCode::Range,
                            "more than zero",
                        )
                        .with("min", 1),
                    );
                }
            }
        }
    }
}

/// A credit note: what was given back of an invoice, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNoteView {
    pub id: Uuid,
    /// Gapless per workspace, apart from the invoices' numbers.
    pub number: i64,
    pub invoice_id: Uuid,
    pub invoice_number: i64,
    pub person_id: Uuid,
    pub amount: Money,
    pub reason: String,
    /// What it gave back of each line.
    pub lines: Vec<CreditLine>,
    pub entry_id: Uuid,
    pub created_at: DateTime<Utc>,
}

pub type CreditNotePage = crate::list::Page<CreditNoteView>;

/// How a report adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportBy {
    Month,
    Student,
    Tutor,
    Branch,
}

/// One row of a report: revenue (invoiced, less what was credited), the
/// tutors' pay and the margin between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The month's first day, or the student's, tutor's or branch's id
    /// (none: no tutor, no branch).
    pub key: Option<String>,
    /// What people call it: a month, a name.
    pub label: String,
    pub currency: String,
    pub revenue_minor: i64,
    pub cost_minor: i64,
    pub margin_minor: i64,
    pub sessions: i64,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinanceReport {
    pub by: ReportBy,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<ReportRow>,
    /// One total per currency.
    pub totals: Vec<ReportRow>,
}

/// What a tutor earned in a month: their completed sessions at their pay
/// rates (before invoicing, at today's rates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutRow {
    pub tutor_id: Uuid,
    pub name: String,
    pub currency: Option<String>,
    pub sessions: i64,
    pub minutes: i64,
    pub pay_minor: i64,
    /// Sessions no pay rate matches.
    pub unpriced: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutReport {
    pub month: NaiveDate,
    pub rows: Vec<PayoutRow>,
}

/// A package of prepaid sessions: sold with its own invoice, then drawn
/// down by the student's completed sessions from the day it was sold (one
/// each, for its subject only when set, up to its last day when set).
/// Drawn sessions are not invoiced again. A credit note on its line with
/// no amount gives back its unused sessions and closes it (all of it,
/// and cancels it, when none was used); one with an amount lowers its
/// price and keeps its sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub subject: Option<String>,
    pub sessions: i32,
    /// Sessions drawn so far.
    pub used: i32,
    /// Sessions left (none once cancelled).
    pub remaining: i32,
    pub price: Money,
    /// Sessions of this day (the day it was sold) on draw on it...
    pub starts_on: NaiveDate,
    /// ... up to this day, when set.
    pub expires_on: Option<NaiveDate>,
    /// Its invoice was credited whole: it draws no more.
    pub cancelled: bool,
    pub invoice_id: Uuid,
    pub invoice_number: i64,
    /// The sessions drawn, oldest first, in a single package's answer;
    /// empty in a list.
    pub uses: Vec<PackageUse>,
    pub created_at: DateTime<Utc>,
}

/// A session drawn from a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageUse {
    pub session_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// An invoice run has counted it (its tutor's pay is in the reports).
    pub settled: bool,
}

pub type PackagePage = crate::list::Page<PackageView>;

/// Sell a student a package: its invoice (one line, the price) is issued
/// at once, numbered, charged on the ledger and mailed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"person_id": "0193a5f2-7c1e-7b7a-9c1e-1d2e3f4a5b6c", "name": "10 sessions of maths", "subject": "Maths", "sessions": 10, "price": {"amount_minor": 40000, "currency": "EUR"}})))]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    pub person_id: Uuid,
    pub name: String,
    /// For sessions of this title only (in any case).
    #[serde(default)]
    pub subject: Option<String>,
    pub sessions: i32,
    pub price: Money,
    /// Sessions of this day on draw on it: the day it is sold when left
    /// out; an earlier day lets sessions held already and not invoiced
    /// yet draw on it.
    #[serde(default)]
    pub starts_on: Option<NaiveDate>,
    /// Sessions after this day do not draw on it.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Days to pay its invoice (14 when left out).
    #[serde(default)]
    pub due_days: Option<i32>,
}

impl Validate for NewPackage {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, PACKAGE_NAME_MAX);
        validate::optional_text(e, "subject", self.subject.as_deref(), RATE_SUBJECT_MAX);
        if !(1..=PACKAGE_SESSIONS_MAX).contains(&self.sessions) {
            e.push(
                FieldError::new(
                    "sessions",
                    FieldCode::Range,
                    format!("from 1 to {PACKAGE_SESSIONS_MAX}"),
                )
                .with("min", 1)
                .with("max", PACKAGE_SESSIONS_MAX),
            );
        }
        money(e, "price", &self.price);
        due_days(e, self.due_days);
        for (field, day) in [
            ("starts_on", self.starts_on),
            ("expires_on", self.expires_on),
        ] {
            if day.is_some_and(|d| !(2000..=2100).contains(&chrono::Datelike::year(&d))) {
                e.push(FieldError::new(
                    field,
                    FieldCode::Range,
                    "a day from 2000 to 2100",
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.starts_on, self.expires_on) {
            if to < from {
                e.push(FieldError::new(
                    "expires_on",
                    FieldCode::Range,
                    "on or after the day it starts",
                ));
            }
        }
    }
}

fn due_days(e: &mut Vec<FieldError>, days: Option<i32>) {
    if let Some(d) = days {
        if !(0..=DUE_DAYS_MAX).contains(&d) {
            e.push(
                FieldError::new(
                    "due_days",
                    FieldCode::Range,
                    format!("from 0 to {DUE_DAYS_MAX}"),
                )
                .with("min", 0)
                .with("max", DUE_DAYS_MAX),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hourly_rate_counts_the_minutes_and_rounds_half_up() {
        assert_eq!(RateUnit::Hour.price(4000, 60), 4000);
        assert_eq!(RateUnit::Hour.price(4000, 45), 3000);
        assert_eq!(RateUnit::Hour.price(1000, 1), 17); // 16.67
        assert_eq!(RateUnit::Hour.price(1, 30), 1); // 0.5 rounds up
        assert_eq!(RateUnit::Session.price(5000, 90), 5000);
        assert_eq!(
            RateUnit::Hour.price(100_000_000_000, 1440),
            2_400_000_000_000
        );
    }

    #[test]
    fn a_run_needs_a_month_or_a_student() {
        let run = RunInvoices {
            month: None,
            person_id: None,
            due_days: None,
            preview: false,
        };
        assert!(run.validate().is_err());
        let run = RunInvoices {
            month: NaiveDate::from_ymd_opt(2026, 11, 2),
            person_id: None,
            due_days: Some(400),
            preview: true,
        };
        let e = run.validate().unwrap_err();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn a_credit_note_names_each_line_once() {
        let note = NewCreditNote {
            reason: "Short".into(),
            lines: vec![
                CreditLine {
                    line: 1,
                    amount_minor: None,
                },
                CreditLine {
                    line: 1,
                    amount_minor: Some(0),
                },
            ],
        };
        assert_eq!(note.validate().unwrap_err().len(), 2);
    }

    #[test]
    fn a_package_holds_one_to_a_thousand_sessions_at_a_price() {
        let mut p = NewPackage {
            person_id: Uuid::nil(),
            name: "Ten of maths".into(),
            subject: None,
            sessions: 10,
            price: Money {
                amount_minor: 40000,
                currency: "EUR".into(),
            },
            starts_on: None,
            expires_on: None,
            due_days: None,
        };
        assert!(p.validate().is_ok());
        p.sessions = 0;
        p.name = " ".into();
        p.price.amount_minor = 0;
        p.due_days = Some(-1);
        p.starts_on = NaiveDate::from_ymd_opt(2026, 3, 2);
        p.expires_on = NaiveDate::from_ymd_opt(2026, 3, 1);
        let fields: Vec<String> = p
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "sessions",
                "price.amount_minor",
                "due_days",
                "expires_on"
            ]
        );
    }
}
