//! The ledger's entries and balances. Entries are only ever inserted (the
//! table refuses the rest); each insert moves its person's balance in the
//! same transaction (a trigger), so that balances are read, not summed.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{ledger_balances, ledger_entries};
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{Balance, LedgerEntryView, LedgerKind};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_entries)]
#[diesel(treat_none_as_default_value = false)]
pub struct EntryRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub cause_type: Option<String>,
    pub cause_id: Option<String>,
    pub corrects: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl EntryRow {
    /// The entry as the API shows it; `corrected_by`, the entry that
    /// compensates it.
    pub fn view(&self, corrected_by: Option<Uuid>) -> LedgerEntryView {
        LedgerEntryView {
            id: self.id,
            person_id: self.person_id,
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
            reason: self.reason.clone(),
            cause_type: self.cause_type.clone(),
            cause_id: self.cause_id.clone(),
            corrects: self.corrects,
            corrected_by,
            actor: rapport_domain::events::Actor {
                kind: crate::audit::actor_kind(&self.actor_kind),
                id: self.actor_id,
            },
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ledger_balances)]
pub struct BalanceRow {
    pub workspace_id: Uuid,
    pub person_id: Uuid,
    pub currency: String,
    pub balance_minor: i64,
    pub entries: i32,
    pub updated_at: DateTime<Utc>,
}

impl BalanceRow {
    pub fn view(&self) -> Balance {
        Balance {
            person_id: self.person_id,
            currency: self.currency.clone(),
            balance_minor: self.balance_minor,
            entries: self.entries,
            updated_at: self.updated_at,
        }
    }
}

/// How the ledger sorts: by time, newest first unless `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySort {
    CreatedAt,
}

impl Sorts for EntrySort {
    const LIST: &'static str = "ledger";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = EntryRow;
    fn key(self, e: &EntryRow) -> Key {
        match self {
            Self::CreatedAt => Key::of(e.created_at, e.id),
        }
    }
}

/// What of the ledger a caller sees: the entries of `scope`, and money or
/// only medals.
#[derive(Debug, Clone)]
pub struct View {
    pub scope: Scope,
    /// Medals only: a caller who sees no money (a teacher).
    pub medals_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub person_id: Option<Uuid>,
    pub currency: Option<String>,
    pub kind: Option<LedgerKind>,
    pub cause_type: Option<String>,
    pub cause_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

type BoxedEntries<'a> =
    ledger_entries::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<EntryRow, Pg>>>;

/// The entries `view` may see.
fn visible<'a>(view: &View) -> BoxedEntries<'a> {
    let q = ledger_entries::table
        .select(EntryRow::as_select())
        .into_boxed();
    let q = match &view.scope {
        Scope::Workspace(ws) => q.filter(ledger_entries::workspace_id.eq(*ws)),
        // A member sees the entries of the people linked to them.
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(ledger_entries::workspace_id.eq(*workspace_id))
            .filter(
                ledger_entries::person_id
                    .eq_any(crate::scope::linked_people(*workspace_id, *user_id)),
            ),
        Scope::Branches { workspace_id, ids } => q
            .filter(ledger_entries::workspace_id.eq(*workspace_id))
            .filter(
                ledger_entries::person_id.eq_any(crate::scope::branch_people(*workspace_id, ids)),
            ),
        Scope::Organization { .. } | Scope::Nothing => {
            q.filter(ledger_entries::id.ne(ledger_entries::id))
        }
    };
    if view.medals_only {
        q.filter(ledger_entries::currency.like("MEDAL\\_%"))
    } else {
        q
    }
}

/// A page of the entries `view` may see that `f` keeps.
pub async fn list(
    conn: &mut AsyncPgConnection,
    view: &View,
    f: &EntryFilter,
    page: &PageRequest<EntrySort>,
) -> ListResult<Vec<EntryRow>> {
    let mut q = visible(view);
    if let Some(p) = f.person_id {
        q = q.filter(ledger_entries::person_id.eq(p));
    }
    if let Some(c) = &f.currency {
        q = q.filter(ledger_entries::currency.eq(c.clone()));
    }
    match f.kind {
        Some(LedgerKind::Medals) => q = q.filter(ledger_entries::currency.like("MEDAL\\_%")),
        Some(LedgerKind::Money) => q = q.filter(ledger_entries::currency.not_like("MEDAL\\_%")),
        None => {}
    }
    if let Some(t) = &f.cause_type {
        q = q.filter(ledger_entries::cause_type.eq(t.clone()));
    }
    if let Some(id) = &f.cause_id {
        q = q.filter(ledger_entries::cause_id.eq(id.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(ledger_entries::created_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(ledger_entries::created_at.lt(to));
    }
    let q = match page.sort.field {
        EntrySort::CreatedAt => page.seek(q, ledger_entries::created_at, ledger_entries::id)?,
    };
    Ok(q.load(conn).await?)
}

/// Entry `id`, when `view` may see it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    view: &View,
    id: Uuid,
) -> QueryResult<Option<EntryRow>> {
    visible(view)
        .filter(ledger_entries::id.eq(id))
        .first(conn)
        .await
        .optional()
}

/// Entry `id` of `ws`, locked until the transaction ends (one correction
/// at a time).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<EntryRow>> {
    ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::id.eq(id))
        .select(EntryRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

/// The entries of `ws` that compensate any of `ids`: corrected → correction.
pub async fn corrections_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Uuid>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<Uuid>, Uuid)> = ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::corrects.eq_any(ids))
        .select((ledger_entries::corrects, ledger_entries::id))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, id)| c.map(|c| (c, id)))
        .collect())
}

/// Writes an entry; its person's balance follows in the same transaction.
/// A medal balance that would go below zero is refused by the database
/// (`ledger_medals_not_negative`).
pub async fn insert(conn: &mut AsyncPgConnection, e: &EntryRow) -> QueryResult<EntryRow> {
    diesel::insert_into(ledger_entries::table)
        .values(e)
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

/// The balances of `person` of `ws` (medals only when `medals_only`), by
/// currency.
pub async fn balances(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    medals_only: bool,
) -> QueryResult<Vec<BalanceRow>> {
    let mut q = ledger_balances::table
        .filter(ledger_balances::workspace_id.eq(ws))
        .filter(ledger_balances::person_id.eq(person))
        .select(BalanceRow::as_select())
        .order(ledger_balances::currency)
        .into_boxed();
    if medals_only {
        q = q.filter(ledger_balances::currency.like("MEDAL\\_%"));
    }
    q.load(conn).await
}

/// The balance of `person` of `ws` in `currency`, locked until the
/// transaction ends (a purchase checks and spends under it); 0 when they
/// have none yet.
pub async fn lock_balance(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    currency: &str,
) -> QueryResult<i64> {
    ledger_balances::table
        .filter(ledger_balances::workspace_id.eq(ws))
        .filter(ledger_balances::person_id.eq(person))
        .filter(ledger_balances::currency.eq(currency))
        .select(ledger_balances::balance_minor)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
        .map(|b| b.unwrap_or(0))
}

/// Every balance of `ws` whose stored sum differs from the sum of its
/// entries (none, ever: what the tests check).
pub async fn drifted(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = crate::sql_query(
        "SELECT count(*) AS n FROM (
             SELECT person_id, currency, sum(amount_minor) AS s, count(*) AS c
             FROM ledger_entries WHERE workspace_id = $1 GROUP BY person_id, currency
         ) e FULL JOIN (
             SELECT person_id, currency, balance_minor, entries FROM ledger_balances WHERE workspace_id = $1
         ) b USING (person_id, currency)
         WHERE e.s IS DISTINCT FROM b.balance_minor OR e.c IS DISTINCT FROM b.entries",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .get_result(conn)
    .await?;
    Ok(n.n)
}

/// Every entry of `person` of `ws`, oldest first.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<EntryRow>> {
    ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::person_id.eq(person))
        .order((ledger_entries::created_at, ledger_entries::id))
        .select(EntryRow::as_select())
        .load(conn)
        .await
}

/// What an erased person's entries said of them: their reasons become
/// "(erased)" (the one change the table allows); amounts, currencies and
/// times stay, so that the sums do.
pub async fn erase_reasons(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        ledger_entries::table
            .filter(ledger_entries::workspace_id.eq(ws))
            .filter(ledger_entries::person_id.eq(person))
            .filter(ledger_entries::reason.ne(ERASED)),
    )
    .set(ledger_entries::reason.eq(ERASED))
    .execute(conn)
    .await
}

/// What an erased entry's reason reads.
pub const ERASED: &str = "(erased)";

/// The entries of `ws` caused by record `cause_id` of kind `cause_type`,
/// oldest first.
pub async fn by_cause(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    cause_type: &str,
    cause_id: &str,
) -> QueryResult<Vec<EntryRow>> {
    ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::cause_type.eq(cause_type))
        .filter(ledger_entries::cause_id.eq(cause_id))
        .order((ledger_entries::created_at, ledger_entries::id))
        .select(EntryRow::as_select())
        .load(conn)
        .await
}
