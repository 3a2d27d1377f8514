//! Finance: rates and pay rates, invoices and their lines, credit notes,
//! their gapless numbers, what is billable, and the monthly figures the
//! reports read.

pub mod packages;

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{credit_notes, finance_numbers, invoice_lines, invoices, pay_rates, rates};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{
    CreditLine, CreditNoteView, InvoiceLineView, InvoiceView, Money, PayRateView, RateUnit,
    RateView,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rates)]
#[diesel(treat_none_as_default_value = false)]
pub struct RateRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub tutor_id: Option<Uuid>,
    pub subject: Option<String>,
    #[diesel(deserialize_as = crate::closed::RateUnitText)]
    #[diesel(serialize_as = String)]
    pub unit: RateUnit,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl RateRow {
    pub fn view(&self) -> RateView {
        RateView {
            id: self.id,
            person_id: self.person_id,
            tutor_id: self.tutor_id,
            subject: self.subject.clone(),
            unit: self.unit,
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pay_rates)]
#[diesel(treat_none_as_default_value = false)]
pub struct PayRateRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub tutor_id: Uuid,
    pub subject: Option<String>,
    #[diesel(deserialize_as = crate::closed::RateUnitText)]
    #[diesel(serialize_as = String)]
    pub unit: RateUnit,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl PayRateRow {
    pub fn view(&self) -> PayRateView {
        PayRateView {
            id: self.id,
            tutor_id: self.tutor_id,
            subject: self.subject.clone(),
            unit: self.unit,
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// A change of a rate's unit and amount (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct RateChanges {
    pub unit: Option<RateUnit>,
    pub amount: Option<(i64, String)>,
}

/// Rates and pay rates, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSort {
    CreatedAt,
}

impl Sorts for RateSort {
    const LIST: &'static str = "rates";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = RateRow;
    fn key(self, r: &RateRow) -> Key {
        Key::of(r.created_at, r.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayRateSort {
    CreatedAt,
}

impl Sorts for PayRateSort {
    const LIST: &'static str = "pay_rates";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = PayRateRow;
    fn key(self, r: &PayRateRow) -> Key {
        Key::of(r.created_at, r.id)
    }
}

/// The rates of `ws`, of one student when `person` is given.
pub async fn rates(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Option<Uuid>,
    page: &PageRequest<RateSort>,
) -> ListResult<Vec<RateRow>> {
    let mut q = rates::table
        .filter(rates::workspace_id.eq(ws))
        .select(RateRow::as_select())
        .into_boxed();
    if let Some(p) = person {
        q = q.filter(rates::person_id.eq(p));
    }
    let q = page.seek(q, rates::created_at, rates::id)?;
    Ok(q.load(conn).await?)
}

pub async fn find_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<RateRow>> {
    rates::table
        .find((ws, id))
        .select(RateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_rate(conn: &mut AsyncPgConnection, r: &RateRow) -> QueryResult<RateRow> {
    diesel::insert_into(rates::table)
        .values(r.clone())
        .returning(RateRow::as_returning())
        .get_result(conn)
        .await
}

/// `changes` made to rate `id` of `ws` at `version` (`None` when it moved on).
pub async fn update_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    before: &RateRow,
    changes: &RateChanges,
) -> QueryResult<Option<RateRow>> {
    let unit = changes.unit.unwrap_or(before.unit);
    let (amount, currency) = changes
        .amount
        .clone()
        .unwrap_or((before.amount_minor, before.currency.clone()));
    diesel::update(
        rates::table
            .filter(rates::workspace_id.eq(ws))
            .filter(rates::id.eq(id))
            .filter(rates::version.eq(version)),
    )
    .set((
        rates::unit.eq(unit.as_str()),
        rates::amount_minor.eq(amount),
        rates::currency.eq(currency),
        rates::version.eq(rates::version + 1),
        rates::updated_at.eq(diesel::dsl::now),
    ))
    .returning(RateRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Deletes rate `id` of `ws` at `version` (`None` when it moved on).
pub async fn delete_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
) -> QueryResult<Option<RateRow>> {
    diesel::delete(
        rates::table
            .filter(rates::workspace_id.eq(ws))
            .filter(rates::id.eq(id))
            .filter(rates::version.eq(version)),
    )
    .returning(RateRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// The pay rates of `ws`, of one tutor when `tutor` is given.
pub async fn pay_rates(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    tutor: Option<Uuid>,
    page: &PageRequest<PayRateSort>,
) -> ListResult<Vec<PayRateRow>> {
    let mut q = pay_rates::table
        .filter(pay_rates::workspace_id.eq(ws))
        .select(PayRateRow::as_select())
        .into_boxed();
    if let Some(t) = tutor {
        q = q.filter(pay_rates::tutor_id.eq(t));
    }
    let q = page.seek(q, pay_rates::created_at, pay_rates::id)?;
    Ok(q.load(conn).await?)
}

pub async fn find_pay_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<PayRateRow>> {
    pay_rates::table
        .find((ws, id))
        .select(PayRateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_pay_rate(
    conn: &mut AsyncPgConnection,
    r: &PayRateRow,
) -> QueryResult<PayRateRow> {
    diesel::insert_into(pay_rates::table)
        .values(r.clone())
        .returning(PayRateRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_pay_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    before: &PayRateRow,
    changes: &RateChanges,
) -> QueryResult<Option<PayRateRow>> {
    let unit = changes.unit.unwrap_or(before.unit);
    let (amount, currency) = changes
        .amount
        .clone()
        .unwrap_or((before.amount_minor, before.currency.clone()));
    diesel::update(
        pay_rates::table
            .filter(pay_rates::workspace_id.eq(ws))
            .filter(pay_rates::id.eq(id))
            .filter(pay_rates::version.eq(version)),
    )
    .set((
        pay_rates::unit.eq(unit.as_str()),
        pay_rates::amount_minor.eq(amount),
        pay_rates::currency.eq(currency),
        pay_rates::version.eq(pay_rates::version + 1),
        pay_rates::updated_at.eq(diesel::dsl::now),
    ))
    .returning(PayRateRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn delete_pay_rate(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
) -> QueryResult<Option<PayRateRow>> {
    diesel::delete(
        pay_rates::table
            .filter(pay_rates::workspace_id.eq(ws))
            .filter(pay_rates::id.eq(id))
            .filter(pay_rates::version.eq(version)),
    )
    .returning(PayRateRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// The next number of `kind` (`invoice`, `credit_note`) of `ws`, taken in
/// the caller's transaction: one that rolls back gives it back, so the
/// numbers have no gaps.
pub async fn next_number(conn: &mut AsyncPgConnection, ws: Uuid, kind: &str) -> QueryResult<i64> {
    diesel::insert_into(finance_numbers::table)
        .values((
            finance_numbers::workspace_id.eq(ws),
            finance_numbers::kind.eq(kind),
            finance_numbers::last.eq(1i64),
        ))
        .on_conflict((finance_numbers::workspace_id, finance_numbers::kind))
        .do_update()
        .set(finance_numbers::last.eq(finance_numbers::last + 1))
        .returning(finance_numbers::last)
        .get_result(conn)
        .await
}

/// Holds the invoicing of `ws` until the transaction ends: runs and credit
/// notes go one at a time.
pub async fn hold(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))")
        .bind::<sql_types::Text, _>(format!("invoicing:{ws}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A student's completed session not yet invoiced, with its price and
/// its tutor's pay.
#[derive(Debug, Clone, QueryableByName)]
pub struct Billable {
    #[diesel(sql_type = sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = sql_types::Int4)]
    pub minutes: i32,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub host_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub branch_id: Option<Uuid>,
    /// `fee`, `hour` or `session`; none when nothing prices it.
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub unit: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int8>)]
    pub unit_minor: Option<i64>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub currency: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub pay_unit: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int8>)]
    pub pay_minor: Option<i64>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub pay_currency: Option<String>,
    /// How many students of the session count (came, or were not marked).
    #[diesel(sql_type = sql_types::Int8)]
    pub sharing: i64,
    /// How many of those come before this student (by id).
    #[diesel(sql_type = sql_types::Int8)]
    pub before: i64,
    /// The package it was drawn from (prepaid: settled, not billed), and
    /// that package's currency.
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub package_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub package_currency: Option<String>,
}

/// Locks the completed sessions a run of `ws` may invoice (of the month
/// starting `month` in the workspace's zone, or up to now; of `person` when
/// given) until the transaction ends, before `billable` reads them: a
/// change to one, or to its attendance, made meanwhile is then seen by
/// `billable`'s own, later snapshot, and one made after waits for the
/// invoice and finds it frozen.
pub async fn lock_billable(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    month: Option<NaiveDate>,
    person: Option<Uuid>,
) -> QueryResult<()> {
    // Left unprepared: its conditions that hold when a value is absent
    // (`$n IS NULL OR ..`) need a plan made for the values given; a generic
    // plan kept on the connection reads what they would have left out.
    diesel::sql_query(
        "SELECT s.id FROM sessions s
         JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.workspace_id = $1 AND s.status = 'completed'
           AND ($2::date IS NULL OR s.starts_at >= ($2::date::timestamp AT TIME ZONE w.time_zone))
           AND s.starts_at < CASE WHEN $2::date IS NULL THEN now()
                                  ELSE (($2::date + interval '1 month')::timestamp AT TIME ZONE w.time_zone) END
           AND ($3::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM session_participants sp
                   WHERE sp.workspace_id = s.workspace_id AND sp.session_id = s.id AND sp.person_id = $3))
         FOR NO KEY UPDATE OF s",
    )
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(month)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A participant of a session counts (is billed, shares its tutor's pay)
/// unless marked absent or excused.
const COUNTS: &str = "(a.status IS NULL OR a.status IN ('present', 'late'))";

/// The completed sessions of `ws` not invoiced yet, per student: of the
/// month starting `month` in the workspace's zone, or with none every one
/// up to now; of `person` only when given. Students not deleted; by
/// student, then time. Locked first by `lock_billable`.
pub async fn billable(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    month: Option<NaiveDate>,
    person: Option<Uuid>,
) -> QueryResult<Vec<Billable>> {
    // Left unprepared: its conditions that hold when a value is absent
    // (`$n IS NULL OR ..`) need a plan made for the values given; a generic
    // plan kept on the connection reads what they would have left out.
    diesel::sql_query(format!(
        "SELECT s.id AS session_id, sp.person_id, s.title, s.starts_at,
                date_trunc('month', s.starts_at AT TIME ZONE w.time_zone)::date AS month,
                (s.starts_at AT TIME ZONE w.time_zone)::date AS day,
                greatest(1, (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int) AS minutes,
                s.host_id, pe.branch_id,
                CASE WHEN s.fee_minor IS NOT NULL THEN 'fee' ELSE r.unit END AS unit,
                coalesce(s.fee_minor, r.amount_minor) AS unit_minor,
                CASE WHEN s.fee_minor IS NOT NULL THEN s.fee_currency ELSE r.currency END AS currency,
                pr.unit AS pay_unit, pr.amount_minor AS pay_minor, pr.currency AS pay_currency,
                (SELECT count(*) FROM session_participants sp2
                 LEFT JOIN attendance a ON a.workspace_id = sp2.workspace_id
                     AND a.session_id = sp2.session_id AND a.person_id = sp2.person_id
                 WHERE sp2.workspace_id = s.workspace_id AND sp2.session_id = s.id AND {COUNTS}) AS sharing,
                (SELECT count(*) FROM session_participants sp2
                 LEFT JOIN attendance a ON a.workspace_id = sp2.workspace_id
                     AND a.session_id = sp2.session_id AND a.person_id = sp2.person_id
                 WHERE sp2.workspace_id = s.workspace_id AND sp2.session_id = s.id
                   AND sp2.person_id < sp.person_id AND {COUNTS}) AS before,
                u.package_id, pk.currency AS package_currency
         FROM sessions s
         JOIN workspaces w ON w.id = s.workspace_id
         JOIN session_participants sp ON sp.workspace_id = s.workspace_id AND sp.session_id = s.id
         JOIN people pe ON pe.workspace_id = sp.workspace_id AND pe.id = sp.person_id
             AND pe.deleted_at IS NULL
         LEFT JOIN attendance a ON a.workspace_id = sp.workspace_id
             AND a.session_id = sp.session_id AND a.person_id = sp.person_id
         LEFT JOIN package_uses u ON u.workspace_id = sp.workspace_id
             AND u.session_id = sp.session_id AND u.person_id = sp.person_id
         LEFT JOIN packages pk ON pk.workspace_id = u.workspace_id AND pk.id = u.package_id
         LEFT JOIN LATERAL (
             SELECT r.unit, r.amount_minor, r.currency FROM rates r
             WHERE r.workspace_id = s.workspace_id AND r.person_id = sp.person_id
               AND (r.tutor_id IS NULL OR r.tutor_id = s.host_id)
               AND (r.subject IS NULL OR lower(r.subject) = lower(s.title))
             ORDER BY (r.tutor_id IS NOT NULL) DESC, (r.subject IS NOT NULL) DESC
             LIMIT 1
         ) r ON true
         LEFT JOIN LATERAL (
             SELECT p.unit, p.amount_minor, p.currency FROM pay_rates p
             WHERE p.workspace_id = s.workspace_id AND p.tutor_id = s.host_id
               AND (p.subject IS NULL OR lower(p.subject) = lower(s.title))
             ORDER BY (p.subject IS NOT NULL) DESC
             LIMIT 1
         ) pr ON true
         WHERE s.workspace_id = $1 AND s.status = 'completed' AND {COUNTS}
           AND ($2::date IS NULL OR s.starts_at >= ($2::date::timestamp AT TIME ZONE w.time_zone))
           AND s.starts_at < CASE WHEN $2::date IS NULL THEN now()
                                  ELSE (($2::date + interval '1 month')::timestamp AT TIME ZONE w.time_zone) END
           AND ($3::uuid IS NULL OR sp.person_id = $3)
           AND (u.settled IS NULL OR NOT u.settled)
           AND NOT EXISTS (SELECT 1 FROM invoice_lines l
                           WHERE l.workspace_id = s.workspace_id AND l.session_id = s.id
                             AND l.person_id = sp.person_id AND NOT l.released)
         ORDER BY sp.person_id, s.starts_at, s.id"
    ))
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(month)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .load(conn)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
#[diesel(treat_none_as_default_value = false)]
pub struct InvoiceRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub number: i64,
    pub person_id: Uuid,
    pub currency: String,
    pub total_minor: i64,
    pub credited_minor: i64,
    pub month: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub entry_id: Uuid,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// When it was last mailed.
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoice_lines)]
#[diesel(treat_none_as_default_value = false)]
pub struct LineRow {
    pub workspace_id: Uuid,
    pub invoice_id: Uuid,
    pub line: i32,
    pub person_id: Uuid,
    pub session_id: Option<Uuid>,
    pub description: String,
    pub month: NaiveDate,
    pub minutes: i32,
    pub tutor_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub unit: String,
    pub unit_minor: i64,
    pub amount_minor: i64,
    pub cost_minor: i64,
    pub credited_minor: i64,
    pub released: bool,
    pub package_id: Option<Uuid>,
}

impl LineRow {
    pub fn view(&self) -> InvoiceLineView {
        InvoiceLineView {
            line: self.line,
            session_id: self.session_id,
            package_id: self.package_id,
            description: self.description.clone(),
            month: self.month,
            minutes: self.minutes,
            tutor_id: self.tutor_id,
            branch_id: self.branch_id,
            unit: self.unit.clone(),
            unit_minor: self.unit_minor,
            amount_minor: self.amount_minor,
            cost_minor: self.cost_minor,
            credited_minor: self.credited_minor,
        }
    }
}

impl InvoiceRow {
    /// The invoice, with what is still open of it, its lines (in a single
    /// invoice's answer) and how many it has.
    pub fn view(&self, open_minor: i64, lines: &[LineRow], line_count: i64) -> InvoiceView {
        InvoiceView {
            id: self.id,
            number: self.number,
            person_id: self.person_id,
            total: Money {
                amount_minor: self.total_minor,
                currency: self.currency.clone(),
            },
            credited_minor: self.credited_minor,
            open_minor,
            month: self.month,
            issued_on: self.issued_on,
            due_on: self.due_on,
            entry_id: self.entry_id,
            lines: lines.iter().map(LineRow::view).collect(),
            line_count,
            credit_notes: Vec::new(),
            created_at: self.created_at,
            sent_at: self.sent_at,
        }
    }
}

pub async fn insert_invoice(
    conn: &mut AsyncPgConnection,
    i: &InvoiceRow,
) -> QueryResult<InvoiceRow> {
    diesel::insert_into(invoices::table)
        .values(i)
        .returning(InvoiceRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn insert_lines(conn: &mut AsyncPgConnection, lines: &[LineRow]) -> QueryResult<()> {
    for chunk in lines.chunks(1000) {
        diesel::insert_into(invoice_lines::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Invoices by number, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceSort {
    Number,
}

impl Sorts for InvoiceSort {
    const LIST: &'static str = "invoices";
    const FIELDS: &'static [(&'static str, Self)] = &[("number", Self::Number)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Number,
        dir: Dir::Desc,
    };
    type Row = InvoiceRow;
    fn key(self, r: &InvoiceRow) -> Key {
        Key::of(r.number, r.id)
    }
}

/// The invoices of `ws`: of one student, of one month when given.
pub async fn invoices(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Option<Uuid>,
    month: Option<NaiveDate>,
    page: &PageRequest<InvoiceSort>,
) -> ListResult<Vec<InvoiceRow>> {
    let mut q = invoices::table
        .filter(invoices::workspace_id.eq(ws))
        .select(InvoiceRow::as_select())
        .into_boxed();
    if let Some(p) = person {
        q = q.filter(invoices::person_id.eq(p));
    }
    if let Some(m) = month {
        q = q.filter(invoices::month.eq(m));
    }
    let q = page.seek(q, invoices::number, invoices::id)?;
    Ok(q.load(conn).await?)
}

pub async fn find_invoice(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<InvoiceRow>> {
    invoices::table
        .find((ws, id))
        .select(InvoiceRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Invoice `id` of `ws`, locked until the transaction ends.
pub async fn lock_invoice(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<InvoiceRow>> {
    invoices::table
        .find((ws, id))
        .select(InvoiceRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn lines_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    invoice: Uuid,
) -> QueryResult<Vec<LineRow>> {
    invoice_lines::table
        .filter(invoice_lines::workspace_id.eq(ws))
        .filter(invoice_lines::invoice_id.eq(invoice))
        .order(invoice_lines::line)
        .select(LineRow::as_select())
        .load(conn)
        .await
}

/// How many lines each of `ids` has.
pub async fn line_counts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = invoice_lines::table
        .filter(invoice_lines::workspace_id.eq(ws))
        .filter(invoice_lines::invoice_id.eq_any(ids))
        .group_by(invoice_lines::invoice_id)
        .select((invoice_lines::invoice_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Line `line` of invoice `invoice` given back `credited` in all.
pub async fn credit_line(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    invoice: Uuid,
    line: i32,
    credited: i64,
    released: bool,
) -> QueryResult<()> {
    diesel::update(invoice_lines::table.find((ws, invoice, line)))
        .set((
            invoice_lines::credited_minor.eq(credited),
            invoice_lines::released.eq(released),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn credit_invoice(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    invoice: Uuid,
    credited: i64,
) -> QueryResult<InvoiceRow> {
    diesel::update(invoices::table.find((ws, invoice)))
        .set(invoices::credited_minor.eq(credited))
        .returning(InvoiceRow::as_returning())
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = credit_notes)]
#[diesel(treat_none_as_default_value = false)]
pub struct CreditNoteRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub number: i64,
    pub invoice_id: Uuid,
    pub person_id: Uuid,
    pub currency: String,
    pub amount_minor: i64,
    pub reason: String,
    pub lines: serde_json::Value,
    pub entry_id: Uuid,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl CreditNoteRow {
    pub fn view(&self, invoice_number: i64) -> CreditNoteView {
        CreditNoteView {
            id: self.id,
            number: self.number,
            invoice_id: self.invoice_id,
            invoice_number,
            person_id: self.person_id,
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            reason: self.reason.clone(),
            lines: serde_json::from_value::<Vec<CreditLine>>(self.lines.clone())
                .unwrap_or_default(),
            entry_id: self.entry_id,
            created_at: self.created_at,
        }
    }
}

pub async fn insert_credit_note(
    conn: &mut AsyncPgConnection,
    c: &CreditNoteRow,
) -> QueryResult<CreditNoteRow> {
    diesel::insert_into(credit_notes::table)
        .values(c)
        .returning(CreditNoteRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn credit_notes_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    invoice: Uuid,
) -> QueryResult<Vec<CreditNoteRow>> {
    credit_notes::table
        .filter(credit_notes::workspace_id.eq(ws))
        .filter(credit_notes::invoice_id.eq(invoice))
        .order(credit_notes::number)
        .select(CreditNoteRow::as_select())
        .load(conn)
        .await
}

pub async fn find_credit_note(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<CreditNoteRow>> {
    credit_notes::table
        .find((ws, id))
        .select(CreditNoteRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One row of a report, before its label.
#[derive(Debug, Clone, QueryableByName)]
pub struct Figures {
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = sql_types::Text)]
    pub currency: String,
    #[diesel(sql_type = sql_types::Int8)]
    pub revenue_minor: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub cost_minor: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub sessions: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub minutes: i64,
}

/// What a report adds up by: a column of `finance_months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Month,
    Person,
    Tutor,
    Branch,
}

/// Revenue, cost, sessions and minutes of `ws` from month `from` to month
/// `to` (first days, both in), added up `by`, of `branch` only when given.
/// By month, tutor or branch it reads the figures without students; by
/// student, the years the range covers whole and the months at its ends.
pub async fn report(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    by: By,
    from: NaiveDate,
    to: NaiveDate,
    branch: Option<Uuid>,
) -> QueryResult<Vec<Figures>> {
    let (key, source) = match by {
        By::Month => ("month", TOTALS),
        By::Tutor => ("tutor_id", TOTALS),
        By::Branch => ("branch_id", TOTALS),
        By::Person => ("person_id", BY_PERSON),
    };
    let (years_from, years_to) = match whole_years(from, to) {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    // Grouped on the column itself; only the few sums are turned to text.
    // Left unprepared: its conditions that hold when a value is absent
    // (`$4 IS NULL OR ..`, the whole years) need a plan made for the values
    // given; a generic plan kept on the connection made the report by
    // student four times slower.
    diesel::sql_query(format!(
        "SELECT key::text AS key, currency, revenue_minor, cost_minor, sessions, minutes FROM (
             SELECT {key} AS key, currency,
                    sum(revenue_minor)::int8 AS revenue_minor, sum(cost_minor)::int8 AS cost_minor,
                    sum(sessions)::int8 AS sessions, sum(minutes)::int8 AS minutes
             FROM ({source}) x
             GROUP BY {key}, currency
         ) f
         ORDER BY f.key, currency"
    ))
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Date, _>(from)
    .bind::<sql_types::Date, _>(to)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(branch)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(years_from)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(years_to)
    .load(conn)
    .await
}

/// The months' figures without students ($5 and $6 unused).
const TOTALS: &str =
    "SELECT month, tutor_id, branch_id, currency, revenue_minor, cost_minor, sessions, minutes
     FROM finance_totals
     WHERE workspace_id = $1 AND month BETWEEN $2 AND $3 AND ($4::uuid IS NULL OR branch_id = $4)";

/// Per student: the whole years from $5 to $6 (first days), and the months
/// of the range outside them.
const BY_PERSON: &str = "SELECT person_id, currency, revenue_minor, cost_minor, sessions, minutes
     FROM finance_years
     WHERE workspace_id = $1 AND $5::date IS NOT NULL AND year BETWEEN $5 AND $6
       AND ($4::uuid IS NULL OR branch_id = $4)
     UNION ALL
     SELECT person_id, currency, revenue_minor, cost_minor, sessions, minutes
     FROM finance_months
     WHERE workspace_id = $1 AND month BETWEEN $2 AND $3 AND ($4::uuid IS NULL OR branch_id = $4)
       AND ($5::date IS NULL OR month < $5 OR month >= ($6::date + interval '1 year'))";

/// The first days of the first and last calendar years that months `from`
/// to `to` (first days, both in) cover whole, if any.
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let first = if from.month() == 1 {
        from.year()
    } else {
        from.year() + 1
    };
    let last = if to.month() == 12 {
        to.year()
    } else {
        to.year() - 1
    };
    (first <= last).then(|| {
        (
            NaiveDate::from_ymd_opt(first, 1, 1).unwrap_or(from),
            NaiveDate::from_ymd_opt(last, 1, 1).unwrap_or(to),
        )
    })
}

/// What each tutor of `ws` earned in a month: one row per tutor and pay
/// currency.
#[derive(Debug, Clone, QueryableByName)]
pub struct Payout {
    #[diesel(sql_type = sql_types::Uuid)]
    pub tutor_id: Uuid,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub currency: Option<String>,
    #[diesel(sql_type = sql_types::Int8)]
    pub sessions: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub minutes: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub pay_minor: i64,
    #[diesel(sql_type = sql_types::Int8)]
    pub unpriced: i64,
}

/// The completed sessions of the month starting `month` (in the
/// workspace's zone) per host, at their pay rates now.
pub async fn payouts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    month: NaiveDate,
) -> QueryResult<Vec<Payout>> {
    crate::sql_query(
        "SELECT x.host_id AS tutor_id, x.currency, count(*)::int8 AS sessions,
                sum(x.minutes)::int8 AS minutes,
                coalesce(sum(CASE WHEN x.unit = 'session' THEN x.amount
                                  ELSE (x.amount * x.minutes + 30) / 60 END), 0)::int8 AS pay_minor,
                count(*) FILTER (WHERE x.amount IS NULL)::int8 AS unpriced
         FROM (
             SELECT s.host_id,
                    greatest(1, (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int)::int8 AS minutes,
                    pr.unit, pr.amount_minor AS amount, pr.currency
             FROM sessions s
             JOIN workspaces w ON w.id = s.workspace_id
             LEFT JOIN LATERAL (
                 SELECT p.unit, p.amount_minor, p.currency FROM pay_rates p
                 WHERE p.workspace_id = s.workspace_id AND p.tutor_id = s.host_id
                   AND (p.subject IS NULL OR lower(p.subject) = lower(s.title))
                 ORDER BY (p.subject IS NOT NULL) DESC
                 LIMIT 1
             ) pr ON true
             WHERE s.workspace_id = $1 AND s.status = 'completed' AND s.host_id IS NOT NULL
               AND s.starts_at >= ($2::timestamp AT TIME ZONE w.time_zone)
               AND s.starts_at < (($2 + interval '1 month')::timestamp AT TIME ZONE w.time_zone)
         ) x
         GROUP BY x.host_id, x.currency
         ORDER BY x.host_id, x.currency",
    )
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Date, _>(month)
    .load(conn)
    .await
}

/// The invoices and credit notes of `person`, for their personal data.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<(Vec<InvoiceRow>, Vec<CreditNoteRow>, Vec<RateRow>)> {
    let inv = invoices::table
        .filter(invoices::workspace_id.eq(ws))
        .filter(invoices::person_id.eq(person))
        .order(invoices::number)
        .select(InvoiceRow::as_select())
        .load(conn)
        .await?;
    let notes = credit_notes::table
        .filter(credit_notes::workspace_id.eq(ws))
        .filter(credit_notes::person_id.eq(person))
        .order(credit_notes::number)
        .select(CreditNoteRow::as_select())
        .load(conn)
        .await?;
    let r = rates::table
        .filter(rates::workspace_id.eq(ws))
        .filter(rates::person_id.eq(person))
        .select(RateRow::as_select())
        .load(conn)
        .await?;
    Ok((inv, notes, r))
}

/// Reasons of `person`'s credit notes, erased: they may name them.
pub async fn erase_reasons(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<()> {
    diesel::update(
        credit_notes::table
            .filter(credit_notes::workspace_id.eq(ws))
            .filter(credit_notes::person_id.eq(person)),
    )
    .set(credit_notes::reason.eq("(erased)"))
    .execute(conn)
    .await
    .map(|_| ())
}

/// The names of members `ids` of `ws`.
pub async fn member_names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    use crate::schema::{memberships, users};
    let rows: Vec<(Uuid, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::user_id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The names of branches `ids` of `ws`.
pub async fn branch_names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    use crate::schema::branches;
    let rows: Vec<(Uuid, String)> = branches::table
        .filter(branches::workspace_id.eq(ws))
        .filter(branches::id.eq_any(ids))
        .select((branches::id, branches::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The rates of `people`, oldest first.
pub async fn rates_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    people: &[Uuid],
) -> QueryResult<Vec<RateRow>> {
    rates::table
        .filter(rates::workspace_id.eq(ws))
        .filter(rates::person_id.eq_any(people))
        .order((rates::created_at, rates::id))
        .select(RateRow::as_select())
        .load(conn)
        .await
}

/// Notes that invoice `id` was mailed at `at`.
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<InvoiceRow> {
    diesel::update(invoices::table.find((ws, id)))
        .set(invoices::sent_at.eq(Some(at)))
        .returning(InvoiceRow::as_returning())
        .get_result(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::whole_years;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    #[test]
    fn a_range_of_months_covers_the_years_it_holds_whole() {
        assert_eq!(
            whole_years(d(2021, 12), d(2026, 12)),
            Some((d(2022, 1), d(2026, 1)))
        );
        assert_eq!(
            whole_years(d(2021, 12), d(2026, 11)),
            Some((d(2022, 1), d(2025, 1)))
        );
        assert_eq!(
            whole_years(d(2026, 1), d(2026, 12)),
            Some((d(2026, 1), d(2026, 1)))
        );
        assert_eq!(whole_years(d(2026, 1), d(2026, 11)), None);
        assert_eq!(whole_years(d(2026, 3), d(2026, 3)), None);
        assert_eq!(whole_years(d(2025, 2), d(2026, 11)), None);
    }
}
