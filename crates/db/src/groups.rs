//! Groups and who belongs to them when: rows, lists, changes, soft deletion.
//! [`visible`] is the one place that says which groups a caller may see, and
//! [`members`] which of a group's members.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::prefix::starts_with;
use crate::schema::{group_members, groups, people, workspaces};
use crate::scope::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::groups::{GroupKind, GroupMemberView, GroupView};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct GroupRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    #[diesel(deserialize_as = crate::closed::GroupKindText)]
    pub kind: GroupKind,
    pub description: Option<String>,
    pub leader_id: Option<Uuid>,
    pub course: Option<String>,
    pub tags: Vec<String>,
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl GroupRow {
    /// The group as the API shows it, with how many belong to it today.
    pub fn view(&self, member_count: i64) -> GroupView {
        GroupView {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            description: self.description.clone(),
            leader_id: self.leader_id,
            course: self.course.clone(),
            tags: self.tags.clone(),
            member_count,
            custom_fields: self.custom_fields.as_object().cloned().unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            version: self.version,
        }
    }
}

/// How the list of groups sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSort {
    Name,
    CreatedAt,
    UpdatedAt,
}

impl Sorts for GroupSort {
    const LIST: &'static str = "groups";
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("created_at", Self::CreatedAt),
        ("updated_at", Self::UpdatedAt),
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = GroupRow;
    fn key(self, g: &GroupRow) -> Key {
        match self {
            Self::Name => Key::of(&g.name, g.id),
            Self::CreatedAt => Key::of(g.created_at, g.id),
            Self::UpdatedAt => Key::of(g.updated_at, g.id),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// The start of the name.
    pub q: Option<String>,
    pub kind: Option<GroupKind>,
    pub leader_id: Option<Uuid>,
    pub tag: Option<String>,
    /// Groups this person belongs to today.
    pub person_id: Option<Uuid>,
    /// The deleted ones (the trash) instead of the others.
    pub deleted: bool,
}

type BoxedGroups<'a> =
    groups::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<GroupRow, Pg>>>;

diesel::define_sql_function!(#[sql_name = "lower"] fn lower_text(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The workspace's date today, in its time zone.
pub async fn today(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<NaiveDate> {
    crate::Prepared(
        workspaces::table
            .filter(workspaces::id.eq(ws))
            .select(diesel::dsl::sql::<diesel::sql_types::Date>(
                "(now() AT TIME ZONE time_zone)::date",
            ))
            .limit(1),
    )
    .get_result(conn)
    .await
}

/// Groups of `scope`, deleted or not.
fn visible<'a>(scope: &Scope) -> BoxedGroups<'a> {
    let q = groups::table.select(GroupRow::as_select()).into_boxed();
    match scope {
        // A moderator limited to branches sees every group (its members
        // are listed as far as they see them).
        Scope::Workspace(ws)
        | Scope::Branches {
            workspace_id: ws, ..
        } => q.filter(groups::workspace_id.eq(*ws)),
        // A member sees the groups they lead and the ones they belong to
        // (or belonged to).
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => {
            let theirs = group_members::table
                .inner_join(
                    people::table.on(people::workspace_id
                        .eq(group_members::workspace_id)
                        .and(people::id.eq(group_members::person_id))),
                )
                .filter(group_members::workspace_id.eq(*workspace_id))
                .filter(people::user_id.eq(*user_id))
                .select(group_members::group_id);
            q.filter(groups::workspace_id.eq(*workspace_id))
                .filter(groups::leader_id.eq(*user_id).or(groups::id.eq_any(theirs)))
        }
        // A customer sees the groups their organisation's people are in.
        Scope::Organization { workspace_id, id } => {
            let theirs = group_members::table
                .inner_join(
                    people::table.on(people::workspace_id
                        .eq(group_members::workspace_id)
                        .and(people::id.eq(group_members::person_id))),
                )
                .filter(group_members::workspace_id.eq(*workspace_id))
                .filter(people::organization_id.eq(*id))
                .select(group_members::group_id);
            q.filter(groups::workspace_id.eq(*workspace_id))
                .filter(groups::id.eq_any(theirs))
        }
        Scope::Nothing => q.filter(groups::id.ne(groups::id)),
    }
}

/// The ids of the live groups `scope` sees.
pub async fn ids_of(conn: &mut AsyncPgConnection, scope: &Scope) -> QueryResult<Vec<Uuid>> {
    let rows: Vec<GroupRow> = visible(scope)
        .filter(groups::deleted_at.is_null())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|g| g.id).collect())
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    f: &GroupFilter,
    page: &PageRequest<GroupSort>,
) -> ListResult<Vec<GroupRow>> {
    // Kept prepared: a filtered page's order is an SQL text
    // (`PageRequest::masked`).
    Ok(crate::Prepared(list_query(scope, f, page)?)
        .load(conn)
        .await?)
}

/// The query of [`list`], for its plan.
pub fn list_query<'a>(
    scope: &Scope,
    f: &GroupFilter,
    page: &PageRequest<GroupSort>,
) -> ListResult<BoxedGroups<'a>> {
    let mut q = visible(scope);
    q = if f.deleted {
        q.filter(groups::deleted_at.is_not_null())
    } else {
        q.filter(groups::deleted_at.is_null())
    };
    if let Some(text) = &f.q {
        q = q.filter(starts_with(crate::rapport_fold(groups::name), text));
    }
    if let Some(k) = f.kind {
        q = q.filter(groups::kind.eq(k.as_str()));
    }
    if let Some(l) = f.leader_id {
        q = q.filter(groups::leader_id.eq(l));
    }
    if let Some(t) = &f.tag {
        q = q.filter(groups::tags.contains(vec![t.clone()]));
    }
    if let Some(p) = f.person_id {
        let ws = scope.workspace();
        let today = diesel::dsl::sql::<diesel::sql_types::Date>(
            "(SELECT (now() AT TIME ZONE w.time_zone)::date FROM workspaces w WHERE w.id = group_members.workspace_id)",
        );
        let current = group_members::table
            .filter(group_members::workspace_id.eq(ws))
            .filter(group_members::person_id.eq(p))
            .filter(group_members::joined_on.le(today.clone()))
            .filter(
                group_members::left_on
                    .is_null()
                    .or(group_members::left_on.gt(today.nullable())),
            )
            .select(group_members::group_id);
        q = q.filter(groups::id.eq_any(current));
    }
    let q = match page.sort.field {
        GroupSort::Name => page.seek(q, groups::name, groups::id)?,
        GroupSort::CreatedAt => page.seek(q, groups::created_at, groups::id)?,
        GroupSort::UpdatedAt => page.seek(q, groups::updated_at, groups::id)?,
    };
    // A text finds its few rows through the ranges of its indexes.
    if f.q.is_none() {
        return Ok(q);
    }
    let masked = match page.sort.field {
        GroupSort::Name => "(groups.name || '')",
        GroupSort::CreatedAt => "(groups.created_at + interval '0 s')",
        GroupSort::UpdatedAt => "(groups.updated_at + interval '0 s')",
    };
    Ok(page.masked(q, masked, groups::id))
}

/// A group `scope` may see, deleted or not.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<GroupRow>> {
    visible(scope)
        .filter(groups::id.eq(id))
        .first(conn)
        .await
        .optional()
}

/// How many live people belong to each of the groups `ids` of `ws` on `day`.
pub async fn member_counts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
    day: NaiveDate,
) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = group_members::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(group_members::workspace_id)
                .and(people::id.eq(group_members::person_id))),
        )
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::group_id.eq_any(ids))
        .filter(group_members::joined_on.le(day))
        .filter(
            group_members::left_on
                .is_null()
                .or(group_members::left_on.gt(day)),
        )
        .filter(people::deleted_at.is_null())
        .group_by(group_members::group_id)
        .select((group_members::group_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = groups)]
pub struct NewGroup {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub leader_id: Option<Uuid>,
    pub course: Option<String>,
    pub tags: Vec<String>,
    /// `None`: none yet (the column's default, `{}`).
    pub custom_fields: Option<serde_json::Value>,
}

pub async fn insert(conn: &mut AsyncPgConnection, g: &NewGroup) -> QueryResult<GroupRow> {
    diesel::insert_into(groups::table)
        .values(g)
        .returning(GroupRow::as_returning())
        .get_result(conn)
        .await
}

/// The fields a change sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = groups)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub description: Option<Option<String>>,
    pub leader_id: Option<Option<Uuid>>,
    pub course: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<serde_json::Value>,
}

impl GroupChanges {
    /// Whether applying these changes to `g` would change anything.
    pub fn changes_anything(&self, g: &GroupRow) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        differs(&self.name, &g.name)
            || self.kind.as_deref().is_some_and(|k| k != g.kind.as_str())
            || differs(&self.description, &g.description)
            || differs(&self.leader_id, &g.leader_id)
            || differs(&self.course, &g.course)
            || differs(&self.tags, &g.tags)
            || differs(&self.custom_fields, &g.custom_fields)
    }
}

crate::soft_deleted!(groups, GroupRow, GroupChanges);

/// One stay of a person in a group, with the person's name.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = group_members)]
pub struct GroupMemberRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub group_id: Uuid,
    pub person_id: Uuid,
    #[diesel(select_expression = people::first_name)]
    #[diesel(select_expression_type = people::first_name)]
    pub first_name: String,
    #[diesel(select_expression = people::last_name)]
    #[diesel(select_expression_type = people::last_name)]
    pub last_name: String,
    #[diesel(select_expression = people::sort_name)]
    #[diesel(select_expression_type = people::sort_name)]
    pub sort_name: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub version: i32,
}

impl GroupMemberRow {
    pub fn view(&self) -> GroupMemberView {
        GroupMemberView {
            id: self.id,
            group_id: self.group_id,
            person_id: self.person_id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            joined_on: self.joined_on,
            left_on: self.left_on,
            version: self.version,
        }
    }

    /// Whether they belong to the group on `day`.
    pub fn member_on(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|l| day < l)
    }
}

/// How a group's members sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupMemberSort {
    /// Family name, then given name.
    Name,
    JoinedOn,
}

impl Sorts for GroupMemberSort {
    const LIST: &'static str = "group_members";
    const FIELDS: &'static [(&'static str, Self)] =
        &[("name", Self::Name), ("joined_on", Self::JoinedOn)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = GroupMemberRow;
    fn key(self, m: &GroupMemberRow) -> Key {
        match self {
            Self::Name => Key::of(&m.sort_name, m.id),
            Self::JoinedOn => Key::of(m.joined_on, m.id),
        }
    }
}

/// Which stays of a group a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stays {
    /// The people who belong to it on this day.
    On(NaiveDate),
    /// Every stay, past, present and to come.
    All,
}

/// The stays of group `group_id` of `ws` whose person `scope` may see
/// (a member sees their own; the group's leader, all), of people not
/// deleted.
pub async fn members(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    scope: &Scope,
    group_id: Uuid,
    stays: Stays,
    page: &PageRequest<GroupMemberSort>,
) -> ListResult<Vec<GroupMemberRow>> {
    let mut q = group_members::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(group_members::workspace_id)
                .and(people::id.eq(group_members::person_id))),
        )
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::group_id.eq(group_id))
        .filter(people::deleted_at.is_null())
        .select(GroupMemberRow::as_select())
        .into_boxed();
    match scope {
        Scope::Workspace(_) => {}
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q = q.filter(people::id.eq_any(crate::scope::linked_people(*workspace_id, *user_id))),
        Scope::Organization { id, .. } => q = q.filter(people::organization_id.eq(*id)),
        Scope::Branches { workspace_id, ids } => {
            q = q.filter(people::id.eq_any(crate::scope::branch_people(*workspace_id, ids)))
        }
        Scope::Nothing => q = q.filter(people::id.ne(people::id)),
    }
    if let Stays::On(day) = stays {
        q = q.filter(group_members::joined_on.le(day)).filter(
            group_members::left_on
                .is_null()
                .or(group_members::left_on.gt(day)),
        );
    }
    let q = match page.sort.field {
        GroupMemberSort::Name => page.seek(q, people::sort_name, group_members::id)?,
        GroupMemberSort::JoinedOn => page.seek(q, group_members::joined_on, group_members::id)?,
    };
    Ok(q.load(conn).await?)
}

/// One stay of group `group_id` of `ws`, locked until the transaction ends.
pub async fn lock_member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    group_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<GroupMemberRow>> {
    let locked: Option<Uuid> = group_members::table
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::group_id.eq(group_id))
        .filter(group_members::id.eq(id))
        .select(group_members::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(id) => member(conn, ws, id).await,
        None => Ok(None),
    }
}

/// One stay with its person's name.
async fn member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<GroupMemberRow>> {
    group_members::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(group_members::workspace_id)
                .and(people::id.eq(group_members::person_id))),
        )
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::id.eq(id))
        .select(GroupMemberRow::as_select())
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Insertable)]
#[diesel(table_name = group_members)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewGroupMember {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub group_id: Uuid,
    pub person_id: Uuid,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// Adds a stay; a stay of the same person in the same group over any of the
/// same days breaks `group_members_no_overlap`.
pub async fn insert_member(
    conn: &mut AsyncPgConnection,
    m: &NewGroupMember,
) -> QueryResult<GroupMemberRow> {
    diesel::insert_into(group_members::table)
        .values(m)
        .execute(conn)
        .await?;
    member(conn, m.workspace_id, m.id)
        .await?
        .ok_or(diesel::result::Error::NotFound)
}

/// New dates for a stay; `None` leaves one as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = group_members)]
pub struct GroupMemberChanges {
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<Option<NaiveDate>>,
}

impl GroupMemberChanges {
    pub fn changes_anything(&self, m: &GroupMemberRow) -> bool {
        self.joined_on.is_some_and(|j| j != m.joined_on)
            || self.left_on.is_some_and(|l| l != m.left_on)
    }
}

/// Changes a stay's dates at `version`; `None` when the version moved on.
pub async fn update_member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &GroupMemberChanges,
) -> QueryResult<Option<GroupMemberRow>> {
    let n = diesel::update(group_members::table)
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::id.eq(id))
        .filter(group_members::version.eq(version))
        .set((
            changes,
            group_members::version.eq(group_members::version + 1),
            group_members::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    member(conn, ws, id).await
}

/// Removes a stay entered by mistake (someone who leaves gets `left_on`).
pub async fn delete_member(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
) -> QueryResult<bool> {
    let n = diesel::delete(group_members::table)
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::id.eq(id))
        .filter(group_members::version.eq(version))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// The live groups of `scope` that search `s` finds, best first, with their scores.
pub async fn search(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    s: &crate::search::Search,
) -> QueryResult<Vec<(GroupRow, f64)>> {
    // The same texts as the indexes `groups_search` and `_trigram`.
    let name = || lower_text(groups::name);
    visible(scope)
        .filter(groups::deleted_at.is_null())
        .filter(crate::found!(groups::name, name(), s))
        .select((
            GroupRow::as_select(),
            crate::score!(groups::name, name(), s),
        ))
        .order_by(crate::score!(groups::name, name(), s).desc())
        .then_order_by(groups::id)
        .limit(s.limit)
        .load(conn)
        .await
}

/// Every stay of person `person_id` of `ws` in a group (left, deleted
/// groups too), with the group's name, in the order they began.
pub async fn stays_of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person_id: Uuid,
) -> QueryResult<Vec<(GroupMemberRow, String)>> {
    group_members::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(group_members::workspace_id)
                .and(people::id.eq(group_members::person_id))),
        )
        .inner_join(
            groups::table.on(groups::workspace_id
                .eq(group_members::workspace_id)
                .and(groups::id.eq(group_members::group_id))),
        )
        .filter(group_members::workspace_id.eq(ws))
        .filter(group_members::person_id.eq(person_id))
        .order((group_members::joined_on.asc(), group_members::id.asc()))
        .select((GroupMemberRow::as_select(), groups::name))
        .load(conn)
        .await
}
