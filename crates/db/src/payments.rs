//! Tuition: fee plans, discounts, monthly charges, payments and their
//! receipt numbers, and what is owed.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{
    fee_discounts, fee_plans, ledger_balances, payments, people, receipt_numbers, tuition_charges,
};
use crate::scope::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{
    Applied, ChargeView, DiscountView, FeePlanView, Money, PaymentMethod, PaymentView,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fee_plans)]
#[diesel(treat_none_as_default_value = false)]
pub struct PlanRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub group_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub first_month: NaiveDate,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl PlanRow {
    pub fn view(&self) -> FeePlanView {
        FeePlanView {
            id: self.id,
            name: self.name.clone(),
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            group_id: self.group_id,
            person_id: self.person_id,
            first_month: self.first_month,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// What changes of a plan (`None`: unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = fee_plans)]
pub struct PlanChanges {
    pub name: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub first_month: Option<NaiveDate>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSort {
    Name,
    CreatedAt,
}

impl Sorts for PlanSort {
    const LIST: &'static str = "fee_plans";
    const FIELDS: &'static [(&'static str, Self)] =
        &[("name", Self::Name), ("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = PlanRow;
    fn key(self, p: &PlanRow) -> Key {
        match self {
            Self::Name => Key::of(p.name.clone(), p.id),
            Self::CreatedAt => Key::of(p.created_at, p.id),
        }
    }
}

/// A page of the plans of `ws`, of one class or student when asked.
pub async fn plans(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    group: Option<Uuid>,
    person: Option<Uuid>,
    page: &PageRequest<PlanSort>,
) -> ListResult<Vec<PlanRow>> {
    let mut q = fee_plans::table
        .filter(fee_plans::workspace_id.eq(ws))
        .select(PlanRow::as_select())
        .into_boxed();
    if let Some(g) = group {
        q = q.filter(fee_plans::group_id.eq(g));
    }
    if let Some(p) = person {
        q = q.filter(fee_plans::person_id.eq(p));
    }
    let q = match page.sort.field {
        PlanSort::Name => page.seek(q, fee_plans::name, fee_plans::id)?,
        PlanSort::CreatedAt => page.seek(q, fee_plans::created_at, fee_plans::id)?,
    };
    Ok(q.load(conn).await?)
}

pub async fn find_plan(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<PlanRow>> {
    fee_plans::table
        .find((ws, id))
        .select(PlanRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_plan(conn: &mut AsyncPgConnection, row: &PlanRow) -> QueryResult<PlanRow> {
    diesel::insert_into(fee_plans::table)
        .values(row)
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// Plan `id` changed when it is still at `version`; `None` otherwise.
pub async fn update_plan(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &PlanChanges,
) -> QueryResult<Option<PlanRow>> {
    diesel::update(
        fee_plans::table
            .find((ws, id))
            .filter(fee_plans::version.eq(version)),
    )
    .set((
        changes,
        fee_plans::updated_at.eq(diesel::dsl::now),
        fee_plans::version.eq(fee_plans::version + 1),
    ))
    .returning(PlanRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Deletes plan `id` when it is still at `version` (its charges stay,
/// no longer naming it).
pub async fn delete_plan(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
) -> QueryResult<bool> {
    diesel::delete(
        fee_plans::table
            .find((ws, id))
            .filter(fee_plans::version.eq(version)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fee_discounts)]
pub struct DiscountRow {
    pub workspace_id: Uuid,
    pub person_id: Uuid,
    pub percent: i32,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl DiscountRow {
    pub fn view(&self) -> DiscountView {
        DiscountView {
            person_id: self.person_id,
            percent: self.percent,
            reason: self.reason.clone(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountSort {
    UpdatedAt,
}

impl Sorts for DiscountSort {
    const LIST: &'static str = "fee_discounts";
    const FIELDS: &'static [(&'static str, Self)] = &[("updated_at", Self::UpdatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::UpdatedAt,
        dir: Dir::Desc,
    };
    type Row = DiscountRow;
    fn key(self, d: &DiscountRow) -> Key {
        match self {
            Self::UpdatedAt => Key::of(d.updated_at, d.person_id),
        }
    }
}

pub async fn discounts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    page: &PageRequest<DiscountSort>,
) -> ListResult<Vec<DiscountRow>> {
    let q = fee_discounts::table
        .filter(fee_discounts::workspace_id.eq(ws))
        .select(DiscountRow::as_select())
        .into_boxed();
    let q = match page.sort.field {
        DiscountSort::UpdatedAt => {
            page.seek(q, fee_discounts::updated_at, fee_discounts::person_id)?
        }
    };
    Ok(q.load(conn).await?)
}

/// The discount of `person`, locked until the transaction ends.
pub async fn lock_discount(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Option<DiscountRow>> {
    fee_discounts::table
        .find((ws, person))
        .select(DiscountRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Sets the discount of `person`: a new one at version 1, or the one kept
/// moved to its next version.
pub async fn put_discount(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    percent: i32,
    reason: &str,
) -> QueryResult<DiscountRow> {
    diesel::insert_into(fee_discounts::table)
        .values((
            fee_discounts::workspace_id.eq(ws),
            fee_discounts::person_id.eq(person),
            fee_discounts::percent.eq(percent),
            fee_discounts::reason.eq(reason),
        ))
        .on_conflict((fee_discounts::workspace_id, fee_discounts::person_id))
        .do_update()
        .set((
            fee_discounts::percent.eq(percent),
            fee_discounts::reason.eq(reason),
            fee_discounts::updated_at.eq(diesel::dsl::now),
            fee_discounts::version.eq(fee_discounts::version + 1),
        ))
        .returning(DiscountRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_discount(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<()> {
    diesel::delete(fee_discounts::table.find((ws, person)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn discount_of(conn: &mut AsyncPgConnection, ws: Uuid, person: Uuid) -> QueryResult<i32> {
    Ok(fee_discounts::table
        .find((ws, person))
        .select(fee_discounts::percent)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(0))
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tuition_charges)]
#[diesel(treat_none_as_default_value = false)]
pub struct ChargeRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub month: NaiveDate,
    pub description: String,
    pub amount_minor: i64,
    pub currency: String,
    pub discount_percent: i32,
    pub entry_id: Uuid,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl ChargeRow {
    pub fn view(&self) -> ChargeView {
        ChargeView {
            id: self.id,
            person_id: self.person_id,
            plan_id: self.plan_id,
            month: self.month,
            description: self.description.clone(),
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            discount_percent: self.discount_percent,
            entry_id: self.entry_id,
            voided_at: self.voided_at,
            void_reason: self.void_reason.clone(),
            created_at: self.created_at,
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeSort {
    CreatedAt,
}

impl Sorts for ChargeSort {
    const LIST: &'static str = "tuition_charges";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = ChargeRow;
    fn key(self, c: &ChargeRow) -> Key {
        match self {
            Self::CreatedAt => Key::of(c.created_at, c.id),
        }
    }
}

type BoxedCharges<'a> = tuition_charges::BoxedQuery<
    'a,
    Pg,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<ChargeRow, Pg>>,
>;

fn visible_charges<'a>(scope: &Scope) -> BoxedCharges<'a> {
    let q = tuition_charges::table
        .select(ChargeRow::as_select())
        .into_boxed();
    match scope {
        Scope::Workspace(ws) => q.filter(tuition_charges::workspace_id.eq(*ws)),
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(tuition_charges::workspace_id.eq(*workspace_id))
            .filter(
                tuition_charges::person_id
                    .eq_any(crate::scope::own_people(*workspace_id, *user_id)),
            ),
        Scope::Branches { workspace_id, ids } => q
            .filter(tuition_charges::workspace_id.eq(*workspace_id))
            .filter(
                tuition_charges::person_id.eq_any(crate::scope::branch_people(*workspace_id, ids)),
            ),
        Scope::Organization { .. } | Scope::Nothing => {
            q.filter(tuition_charges::id.ne(tuition_charges::id))
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ChargeFilter {
    pub person_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub month: Option<NaiveDate>,
}

pub async fn charges(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    f: &ChargeFilter,
    page: &PageRequest<ChargeSort>,
) -> ListResult<Vec<ChargeRow>> {
    let mut q = visible_charges(scope);
    if let Some(p) = f.person_id {
        q = q.filter(tuition_charges::person_id.eq(p));
    }
    if let Some(p) = f.plan_id {
        q = q.filter(tuition_charges::plan_id.eq(p));
    }
    if let Some(m) = f.month {
        q = q.filter(tuition_charges::month.eq(m));
    }
    let q = match page.sort.field {
        ChargeSort::CreatedAt => page.seek(q, tuition_charges::created_at, tuition_charges::id)?,
    };
    Ok(q.load(conn).await?)
}

/// Charge `id`, locked until the transaction ends.
pub async fn lock_charge(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<ChargeRow>> {
    tuition_charges::table
        .find((ws, id))
        .select(ChargeRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_charge(
    conn: &mut AsyncPgConnection,
    row: &ChargeRow,
) -> QueryResult<ChargeRow> {
    diesel::insert_into(tuition_charges::table)
        .values(row)
        .returning(ChargeRow::as_returning())
        .get_result(conn)
        .await
}

/// Marks charge `id` waived for `reason`.
pub async fn void_charge(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    reason: &str,
) -> QueryResult<ChargeRow> {
    diesel::update(tuition_charges::table.find((ws, id)))
        .set((
            tuition_charges::voided_at.eq(diesel::dsl::now),
            tuition_charges::void_reason.eq(reason),
            tuition_charges::updated_at.eq(diesel::dsl::now),
            tuition_charges::version.eq(tuition_charges::version + 1),
        ))
        .returning(ChargeRow::as_returning())
        .get_result(conn)
        .await
}

/// Whether plan `plan` charged `person` for `month` already.
pub async fn charged(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    plan: Uuid,
    person: Uuid,
    month: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        tuition_charges::table
            .filter(tuition_charges::workspace_id.eq(ws))
            .filter(tuition_charges::plan_id.eq(plan))
            .filter(tuition_charges::person_id.eq(person))
            .filter(tuition_charges::month.eq(month)),
    ))
    .get_result(conn)
    .await
}

/// What a person is charged and has not had back: a tuition charge not
/// waived, or an invoice less its credit notes.
#[derive(Debug, Clone, QueryableByName)]
pub struct Standing {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub currency: String,
    #[diesel(sql_type = sql_types::Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = sql_types::Text)]
    pub description: String,
    #[diesel(sql_type = sql_types::Int8)]
    pub amount_minor: i64,
}

/// The charges and invoices of `persons` that count, newest first per
/// person and currency: a person's debt is owed on the newest of them, and
/// a payment goes to the oldest of those first.
pub async fn standing(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    persons: &[Uuid],
) -> QueryResult<Vec<Standing>> {
    crate::sql_query(
        "SELECT id, person_id, currency, month, description, amount_minor FROM (
             SELECT c.id, c.person_id, c.currency, c.month, c.description, c.amount_minor,
                    c.created_at
             FROM tuition_charges c
             WHERE c.workspace_id = $1 AND c.person_id = ANY($2) AND c.voided_at IS NULL
             UNION ALL
             SELECT i.id, i.person_id, i.currency, date_trunc('month', i.issued_on)::date,
                    'Invoice No. ' || i.number, i.total_minor - i.credited_minor, i.created_at
             FROM invoices i
             WHERE i.workspace_id = $1 AND i.person_id = ANY($2) AND i.total_minor > i.credited_minor
         ) x
         ORDER BY person_id, currency, month DESC, created_at DESC, id DESC",
    )
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(persons)
    .load(conn)
    .await
}

/// The balances of `persons` in each currency.
pub async fn balances_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    persons: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, i64)>> {
    ledger_balances::table
        .filter(ledger_balances::workspace_id.eq(ws))
        .filter(ledger_balances::person_id.eq_any(persons))
        .select((
            ledger_balances::person_id,
            ledger_balances::currency,
            ledger_balances::balance_minor,
        ))
        .load(conn)
        .await
}

/// What plan and person a month's run charges, and whether it has.
#[derive(Debug, Clone, QueryableByName)]
pub struct Due {
    #[diesel(sql_type = sql_types::Uuid)]
    pub plan_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Bool)]
    pub charged: bool,
}

/// Who the active plans of `ws` charge for `month`: a class's plan its
/// students enrolled on at least one day of the month, a student's plan
/// the student; plans from their first month, people not deleted.
pub async fn due(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    month: NaiveDate,
) -> QueryResult<Vec<Due>> {
    crate::sql_query(
        "SELECT p.id AS plan_id, m.person_id,
                EXISTS (SELECT 1 FROM tuition_charges c
                        WHERE c.workspace_id = p.workspace_id AND c.plan_id = p.id
                          AND c.person_id = m.person_id AND c.month = $2) AS charged
         FROM fee_plans p
         CROSS JOIN LATERAL (
             SELECT DISTINCT gm.person_id
             FROM group_members gm
             JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id
                 AND g.deleted_at IS NULL
             WHERE gm.workspace_id = p.workspace_id AND gm.group_id = p.group_id
               AND gm.joined_on < ($2 + interval '1 month')::date
               AND (gm.left_on IS NULL OR gm.left_on > $2)
             UNION
             SELECT p.person_id WHERE p.person_id IS NOT NULL
         ) m
         JOIN people pe ON pe.workspace_id = p.workspace_id AND pe.id = m.person_id
             AND pe.deleted_at IS NULL
         WHERE p.workspace_id = $1 AND p.active AND p.first_month <= $2
         ORDER BY m.person_id, p.id",
    )
    .bind::<sql_types::Uuid, _>(ws)
    .bind::<sql_types::Date, _>(month)
    .load(conn)
    .await
}

/// The workspaces with payments switched on and an active plan, and their
/// time zones.
pub async fn charging_workspaces(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(Uuid, String)>> {
    use crate::schema::workspaces;
    workspaces::table
        .filter(workspaces::modules.contains(vec!["payments".to_string()]))
        .filter(diesel::dsl::exists(
            fee_plans::table
                .filter(fee_plans::workspace_id.eq(workspaces::id))
                .filter(fee_plans::active.eq(true)),
        ))
        .select((workspaces::id, workspaces::time_zone))
        .load(conn)
        .await
}

/// Holds the money of `person` of `ws` until the transaction ends:
/// charges and payments are applied one at a time.
pub async fn hold(conn: &mut AsyncPgConnection, ws: Uuid, person: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
        .bind::<sql_types::Text, _>(format!("payments:{ws}:{person}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The balance of `person` in `currency`: what they have in advance, or
/// below zero what they owe.
pub async fn balance(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    currency: &str,
) -> QueryResult<i64> {
    Ok(ledger_balances::table
        .find((ws, person, currency))
        .select(ledger_balances::balance_minor)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(0))
}

/// The next receipt number of `ws`, taken in the caller's transaction: a
/// payment that rolls back gives it back, so the numbers have no gaps.
pub async fn next_receipt_number(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<i64> {
    diesel::insert_into(receipt_numbers::table)
        .values((
            receipt_numbers::workspace_id.eq(ws),
            receipt_numbers::last.eq(1i64),
        ))
        .on_conflict(receipt_numbers::workspace_id)
        .do_update()
        .set(receipt_numbers::last.eq(receipt_numbers::last + 1))
        .returning(receipt_numbers::last)
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = payments)]
#[diesel(treat_none_as_default_value = false)]
pub struct PaymentRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    #[diesel(deserialize_as = crate::closed::PaymentMethodText)]
    #[diesel(serialize_as = String)]
    pub method: PaymentMethod,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
    pub receipt_number: i64,
    pub applied: serde_json::Value,
    pub entry_id: Uuid,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl PaymentRow {
    pub fn applied(&self) -> Vec<Applied> {
        serde_json::from_value(self.applied.clone()).unwrap_or_default()
    }

    pub fn view(&self) -> PaymentView {
        let applied = self.applied();
        let advance = self.amount_minor - applied.iter().map(|a| a.amount_minor).sum::<i64>();
        PaymentView {
            id: self.id,
            person_id: self.person_id,
            amount: Money {
                amount_minor: self.amount_minor,
                currency: self.currency.clone(),
            },
            method: self.method,
            paid_on: self.paid_on,
            note: self.note.clone(),
            receipt_number: self.receipt_number,
            applied,
            advance_minor: advance,
            entry_id: self.entry_id,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSort {
    CreatedAt,
}

impl Sorts for PaymentSort {
    const LIST: &'static str = "payments";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = PaymentRow;
    fn key(self, p: &PaymentRow) -> Key {
        match self {
            Self::CreatedAt => Key::of(p.created_at, p.id),
        }
    }
}

type BoxedPayments<'a> =
    payments::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<PaymentRow, Pg>>>;

fn visible_payments<'a>(scope: &Scope) -> BoxedPayments<'a> {
    let q = payments::table.select(PaymentRow::as_select()).into_boxed();
    match scope {
        Scope::Workspace(ws) => q.filter(payments::workspace_id.eq(*ws)),
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(payments::workspace_id.eq(*workspace_id))
            .filter(payments::person_id.eq_any(crate::scope::own_people(*workspace_id, *user_id))),
        Scope::Branches { workspace_id, ids } => q
            .filter(payments::workspace_id.eq(*workspace_id))
            .filter(payments::person_id.eq_any(crate::scope::branch_people(*workspace_id, ids))),
        Scope::Organization { .. } | Scope::Nothing => q.filter(payments::id.ne(payments::id)),
    }
}

pub async fn payments(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    person: Option<Uuid>,
    page: &PageRequest<PaymentSort>,
) -> ListResult<Vec<PaymentRow>> {
    let mut q = visible_payments(scope);
    if let Some(p) = person {
        q = q.filter(payments::person_id.eq(p));
    }
    let q = match page.sort.field {
        PaymentSort::CreatedAt => page.seek(q, payments::created_at, payments::id)?,
    };
    Ok(q.load(conn).await?)
}

pub async fn find_payment(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<PaymentRow>> {
    visible_payments(scope)
        .filter(payments::id.eq(id))
        .first(conn)
        .await
        .optional()
}

pub async fn insert_payment(
    conn: &mut AsyncPgConnection,
    row: &PaymentRow,
) -> QueryResult<PaymentRow> {
    diesel::insert_into(payments::table)
        .values(row.clone())
        .returning(PaymentRow::as_returning())
        .get_result(conn)
        .await
}

/// One debtor: a person whose money balance is below zero.
#[derive(Debug, Clone, Queryable)]
pub struct DebtorRow {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub currency: String,
    pub balance_minor: i64,
}

/// Those of `scope` who owe money, the largest debts first, at most
/// `limit`; in one currency, or one person, when asked.
pub async fn debtors(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    currency: Option<&str>,
    person: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<DebtorRow>> {
    let mut q = ledger_balances::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(ledger_balances::workspace_id)
                .and(people::id.eq(ledger_balances::person_id))),
        )
        .filter(ledger_balances::balance_minor.lt(0))
        .filter(ledger_balances::currency.not_like("MEDAL\\_%"))
        .select((
            ledger_balances::person_id,
            people::first_name,
            people::last_name,
            ledger_balances::currency,
            ledger_balances::balance_minor,
        ))
        .into_boxed();
    q = match scope {
        Scope::Workspace(ws) => q.filter(ledger_balances::workspace_id.eq(*ws)),
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(ledger_balances::workspace_id.eq(*workspace_id))
            .filter(people::user_id.eq(*user_id)),
        Scope::Branches { workspace_id, ids } => q
            .filter(ledger_balances::workspace_id.eq(*workspace_id))
            .filter(people::branch_id.eq_any(ids.clone())),
        Scope::Organization { .. } | Scope::Nothing => {
            q.filter(ledger_balances::person_id.ne(ledger_balances::person_id))
        }
    };
    if let Some(c) = currency {
        q = q.filter(ledger_balances::currency.eq(c.to_string()));
    }
    if let Some(p) = person {
        q = q.filter(ledger_balances::person_id.eq(p));
    }
    q.order((
        ledger_balances::balance_minor.asc(),
        ledger_balances::person_id.asc(),
    ))
    .limit(limit)
    .load(conn)
    .await
}

/// The standing charges of `persons` in their currencies, newest first
/// per person: (person, currency, month, amount).
pub async fn charges_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    persons: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, NaiveDate, i64)>> {
    tuition_charges::table
        .filter(tuition_charges::workspace_id.eq(ws))
        .filter(tuition_charges::person_id.eq_any(persons))
        .filter(tuition_charges::voided_at.is_null())
        .order((
            tuition_charges::person_id,
            tuition_charges::month.desc(),
            tuition_charges::created_at.desc(),
            tuition_charges::id.desc(),
        ))
        .select((
            tuition_charges::person_id,
            tuition_charges::currency,
            tuition_charges::month,
            tuition_charges::amount_minor,
        ))
        .load(conn)
        .await
}

/// The charges and payments of `person` of `ws`, oldest first.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<(Vec<ChargeRow>, Vec<PaymentRow>)> {
    let charges = tuition_charges::table
        .filter(tuition_charges::workspace_id.eq(ws))
        .filter(tuition_charges::person_id.eq(person))
        .order((tuition_charges::created_at, tuition_charges::id))
        .select(ChargeRow::as_select())
        .load(conn)
        .await?;
    let payments = payments::table
        .filter(payments::workspace_id.eq(ws))
        .filter(payments::person_id.eq(person))
        .order((payments::created_at, payments::id))
        .select(PaymentRow::as_select())
        .load(conn)
        .await?;
    Ok((charges, payments))
}

/// Erases the notes of the payments of `person` (what identifies; the
/// amounts stay).
pub async fn erase_notes(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        payments::table
            .filter(payments::workspace_id.eq(ws))
            .filter(payments::person_id.eq(person))
            .filter(payments::note.is_not_null()),
    )
    .set(payments::note.eq(None::<String>))
    .execute(conn)
    .await
}
