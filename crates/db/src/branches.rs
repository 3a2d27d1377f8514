//! Branches, and the branches of each member.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{branches, member_branches, memberships, people};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::BranchView;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = branches)]
#[diesel(treat_none_as_default_value = false)]
pub struct BranchRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl BranchRow {
    /// The branch, with the count of its people.
    pub fn view(&self, people: Option<i64>) -> BranchView {
        BranchView {
            id: self.id,
            name: self.name.clone(),
            address: self.address.clone(),
            archived_at: self.archived_at,
            people,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// What changes of a branch (`None`: unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = branches)]
pub struct BranchChanges {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
}

/// Branches by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchSort {
    Name,
    CreatedAt,
}

impl Sorts for BranchSort {
    const LIST: &'static str = "branches";
    const FIELDS: &'static [(&'static str, Self)] =
        &[("name", Self::Name), ("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = BranchRow;
    fn key(self, b: &BranchRow) -> Key {
        match self {
            Self::Name => Key::of(b.name.clone(), b.id),
            Self::CreatedAt => Key::of(b.created_at, b.id),
        }
    }
}

/// The branches of `ws`: the archived ones too when `archived`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    archived: bool,
    page: &PageRequest<BranchSort>,
) -> ListResult<Vec<BranchRow>> {
    let mut q = branches::table
        .filter(branches::workspace_id.eq(ws))
        .select(BranchRow::as_select())
        .into_boxed();
    if !archived {
        q = q.filter(branches::archived_at.is_null());
    }
    let q = match page.sort.field {
        BranchSort::Name => page.seek(q, branches::name, branches::id)?,
        BranchSort::CreatedAt => page.seek(q, branches::created_at, branches::id)?,
    };
    Ok(q.load(conn).await?)
}

/// How many people (not deleted) each of `ids` has.
pub async fn people_counts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Option<Uuid>, i64)> = people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::branch_id.eq_any(ids))
        .filter(people::deleted_at.is_null())
        .group_by(people::branch_id)
        .select((people::branch_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(b, n)| b.map(|b| (b, n)))
        .collect())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<BranchRow>> {
    branches::table
        .find((ws, id))
        .select(BranchRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Branch `id` of `ws`, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<BranchRow>> {
    branches::table
        .find((ws, id))
        .select(BranchRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, b: &BranchRow) -> QueryResult<BranchRow> {
    diesel::insert_into(branches::table)
        .values(b)
        .returning(BranchRow::as_returning())
        .get_result(conn)
        .await
}

/// `changes` made to branch `id` of `ws` at `version` (`None` when it
/// moved on).
pub async fn update(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &BranchChanges,
) -> QueryResult<Option<BranchRow>> {
    diesel::update(
        branches::table
            .filter(branches::workspace_id.eq(ws))
            .filter(branches::id.eq(id))
            .filter(branches::version.eq(version)),
    )
    .set((
        changes,
        branches::version.eq(branches::version + 1),
        branches::updated_at.eq(diesel::dsl::now),
    ))
    .returning(BranchRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Those of `ids` that are branches of `ws` not archived, held (`FOR
/// SHARE`) until the transaction ends so that none is archived meanwhile.
pub async fn held_open(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    branches::table
        .filter(branches::workspace_id.eq(ws))
        .filter(branches::id.eq_any(ids))
        .filter(branches::archived_at.is_null())
        .select(branches::id)
        .for_share()
        .load(conn)
        .await
}

diesel::define_sql_function! {
    /// The branches of member `member` of `ws`, by id (migration 000052).
    fn member_branch_ids(
        ws: diesel::sql_types::Uuid,
        member: diesel::sql_types::Uuid,
    ) -> diesel::sql_types::Array<diesel::sql_types::Uuid>;
}

/// The branches of the member of the row of `memberships` a query reads,
/// by id: a column read in that query (the session's, the members list's),
/// which keeps it one that is prepared once per connection.
pub fn of_membership() -> member_branch_ids<memberships::workspace_id, memberships::user_id> {
    member_branch_ids(memberships::workspace_id, memberships::user_id)
}

/// The branches of member `user_id` of `ws`, by id.
pub async fn of_member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    member_branches::table
        .filter(member_branches::workspace_id.eq(ws))
        .filter(member_branches::user_id.eq(user_id))
        .select(member_branches::branch_id)
        .order(member_branches::branch_id)
        .load(conn)
        .await
}

/// Member `user_id` of `ws` belongs to `ids` and to no other branch.
pub async fn set_member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        member_branches::table
            .filter(member_branches::workspace_id.eq(ws))
            .filter(member_branches::user_id.eq(user_id))
            .filter(member_branches::branch_id.ne_all(ids)),
    )
    .execute(conn)
    .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .map(|b| {
            (
                member_branches::workspace_id.eq(ws),
                member_branches::user_id.eq(user_id),
                member_branches::branch_id.eq(*b),
            )
        })
        .collect();
    diesel::insert_into(member_branches::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}
