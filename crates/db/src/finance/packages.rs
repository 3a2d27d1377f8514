//! Packages of prepaid sessions and the sessions drawn from them. The
//! drawing is the database's (migration `packages`): completing a session
//! draws, and giving it back returns; here are the rows, the list and the
//! settling an invoice run does.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{invoice_lines, invoices, package_uses, packages, sessions};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{Money, PackageUse, PackageView};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = packages)]
#[diesel(treat_none_as_default_value = false)]
pub struct PackageRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub subject: Option<String>,
    pub sessions: i32,
    pub used: i32,
    pub price_minor: i64,
    pub currency: String,
    pub starts_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub invoice_id: Uuid,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// What a package's view needs besides its row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub invoice_number: i64,
    pub cancelled: bool,
}

impl PackageRow {
    pub fn view(&self, standing: Standing, uses: Vec<PackageUse>) -> PackageView {
        PackageView {
            id: self.id,
            person_id: self.person_id,
            name: self.name.clone(),
            subject: self.subject.clone(),
            sessions: self.sessions,
            used: self.used,
            remaining: if standing.cancelled {
                0
            } else {
                self.sessions - self.used
            },
            price: Money {
                amount_minor: self.price_minor,
                currency: self.currency.clone(),
            },
            starts_on: self.starts_on,
            expires_on: self.expires_on,
            cancelled: standing.cancelled,
            invoice_id: self.invoice_id,
            invoice_number: standing.invoice_number,
            uses,
            created_at: self.created_at,
        }
    }
}

/// Packages, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageSort {
    CreatedAt,
}

impl Sorts for PackageSort {
    const LIST: &'static str = "packages";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = PackageRow;
    fn key(self, r: &PackageRow) -> Key {
        Key::of(r.created_at, r.id)
    }
}

/// The packages of `ws`, of one student when `person` is given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Option<Uuid>,
    page: &PageRequest<PackageSort>,
) -> ListResult<Vec<PackageRow>> {
    let mut q = packages::table
        .filter(packages::workspace_id.eq(ws))
        .select(PackageRow::as_select())
        .into_boxed();
    if let Some(p) = person {
        q = q.filter(packages::person_id.eq(p));
    }
    let q = page.seek(q, packages::created_at, packages::id)?;
    Ok(q.load(conn).await?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<PackageRow>> {
    packages::table
        .find((ws, id))
        .select(PackageRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Package `id` of `ws`, locked until the transaction ends (draws wait).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<PackageRow>> {
    packages::table
        .find((ws, id))
        .select(PackageRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Package `id` closed at the sessions it has used: it draws no more.
pub async fn close(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<()> {
    diesel::update(packages::table.find((ws, id)))
        .set(packages::sessions.eq(packages::used))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert(conn: &mut AsyncPgConnection, p: &PackageRow) -> QueryResult<PackageRow> {
    diesel::insert_into(packages::table)
        .values(p)
        .returning(PackageRow::as_returning())
        .get_result(conn)
        .await
}

/// The packages of `person`, oldest first, for their personal data.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<PackageRow>> {
    packages::table
        .filter(packages::workspace_id.eq(ws))
        .filter(packages::person_id.eq(person))
        .order((packages::created_at, packages::id))
        .select(PackageRow::as_select())
        .load(conn)
        .await
}

/// The invoice number of each of `rows`, and whether its line was
/// credited whole (the package is cancelled).
pub async fn standings(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    rows: &[PackageRow],
) -> QueryResult<HashMap<Uuid, Standing>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let found: Vec<(Option<Uuid>, i64, bool)> = invoice_lines::table
        .inner_join(
            invoices::table.on(invoices::workspace_id
                .eq(invoice_lines::workspace_id)
                .and(invoices::id.eq(invoice_lines::invoice_id))),
        )
        .filter(invoice_lines::workspace_id.eq(ws))
        .filter(invoice_lines::package_id.eq_any(&ids))
        .select((
            invoice_lines::package_id,
            invoices::number,
            invoice_lines::released,
        ))
        .load(conn)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(p, invoice_number, cancelled)| {
            Some((
                p?,
                Standing {
                    invoice_number,
                    cancelled,
                },
            ))
        })
        .collect())
}

/// The sessions drawn from package `id`, oldest first.
pub async fn uses_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<PackageUse>> {
    let rows: Vec<(Uuid, String, DateTime<Utc>, bool)> = package_uses::table
        .inner_join(
            sessions::table.on(sessions::workspace_id
                .eq(package_uses::workspace_id)
                .and(sessions::id.eq(package_uses::session_id))),
        )
        .filter(package_uses::workspace_id.eq(ws))
        .filter(package_uses::package_id.eq(id))
        .order((sessions::starts_at, sessions::id))
        .select((
            package_uses::session_id,
            sessions::title,
            sessions::starts_at,
            package_uses::settled,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(session_id, title, starts_at, settled)| PackageUse {
            session_id,
            title,
            starts_at,
            settled,
        })
        .collect())
}

/// A drawn session as an invoice run settles it.
#[derive(Debug, Clone)]
pub struct Settled {
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub month: NaiveDate,
    pub minutes: i32,
    pub tutor_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub cost_minor: i64,
}

/// Marks drawn sessions settled with their month, length, tutor, branch
/// and tutor's pay, in one statement; the database adds them to the
/// monthly figures.
pub async fn settle(conn: &mut AsyncPgConnection, ws: Uuid, all: &[Settled]) -> QueryResult<()> {
    for chunk in all.chunks(5000) {
        let col = |f: fn(&Settled) -> Uuid| chunk.iter().map(f).collect::<Vec<_>>();
        crate::sql_query(
            "UPDATE package_uses u SET settled = true, month = v.month, minutes = v.minutes,
                    tutor_id = v.tutor_id, branch_id = v.branch_id, cost_minor = v.cost_minor
             FROM unnest($2::uuid[], $3::uuid[], $4::date[], $5::int4[], $6::uuid[], $7::uuid[], $8::int8[])
                  AS v(session_id, person_id, month, minutes, tutor_id, branch_id, cost_minor)
             WHERE u.workspace_id = $1 AND u.session_id = v.session_id
               AND u.person_id = v.person_id AND NOT u.settled",
        )
        .bind::<sql_types::Uuid, _>(ws)
        .bind::<sql_types::Array<sql_types::Uuid>, _>(col(|s| s.session_id))
        .bind::<sql_types::Array<sql_types::Uuid>, _>(col(|s| s.person_id))
        .bind::<sql_types::Array<sql_types::Date>, _>(
            chunk.iter().map(|s| s.month).collect::<Vec<_>>(),
        )
        .bind::<sql_types::Array<sql_types::Int4>, _>(
            chunk.iter().map(|s| s.minutes).collect::<Vec<_>>(),
        )
        .bind::<sql_types::Array<sql_types::Nullable<sql_types::Uuid>>, _>(
            chunk.iter().map(|s| s.tutor_id).collect::<Vec<_>>(),
        )
        .bind::<sql_types::Array<sql_types::Nullable<sql_types::Uuid>>, _>(
            chunk.iter().map(|s| s.branch_id).collect::<Vec<_>>(),
        )
        .bind::<sql_types::Array<sql_types::Int8>, _>(
            chunk.iter().map(|s| s.cost_minor).collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// The packages of `people` still in use on `today`: sessions left, not
/// expired, and not cancelled (their line credited whole); oldest first.
pub async fn in_use(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    people: &[Uuid],
    today: NaiveDate,
) -> QueryResult<Vec<PackageRow>> {
    let cancelled = invoice_lines::table
        .filter(invoice_lines::workspace_id.eq(packages::workspace_id))
        .filter(invoice_lines::package_id.eq(packages::id.nullable()))
        .filter(invoice_lines::released.eq(true));
    packages::table
        .filter(packages::workspace_id.eq(ws))
        .filter(packages::person_id.eq_any(people))
        .filter(packages::used.lt(packages::sessions))
        .filter(
            packages::expires_on
                .is_null()
                .or(packages::expires_on.ge(today)),
        )
        .filter(diesel::dsl::not(diesel::dsl::exists(cancelled)))
        .order((packages::created_at, packages::id))
        .select(PackageRow::as_select())
        .load(conn)
        .await
}
