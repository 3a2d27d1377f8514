use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{memberships, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::MemberView;
use rapport_domain::Role;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    #[diesel(deserialize_as = crate::closed::RoleText)]
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub version: i32,
    pub branch_ids: Vec<Uuid>,
}

impl MemberRow {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn view(&self) -> MemberView {
        MemberView {
            user_id: self.user_id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role(),
            joined_at: self.joined_at,
            version: self.version,
            branch_ids: self.branch_ids.clone(),
        }
    }
}

type BranchIds =
    crate::branches::member_branch_ids<memberships::workspace_id, memberships::user_id>;
type MemberColumns = (
    memberships::user_id,
    users::name,
    users::email,
    memberships::role,
    memberships::created_at,
    memberships::version,
    BranchIds,
);

/// A member's columns, with their branches read in the same query.
fn member_columns() -> MemberColumns {
    (
        memberships::user_id,
        users::name,
        users::email,
        memberships::role,
        memberships::created_at,
        memberships::version,
        crate::branches::of_membership(),
    )
}

pub async fn add(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::workspace_id.eq(workspace_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role.as_str()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::workspace_id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .select(member_columns())
        .first(conn)
        .await
        .optional()
}

pub struct MemberFilter<'a> {
    pub q: Option<&'a str>,
    pub role: Option<Role>,
}

/// How the members list sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberSort {
    JoinedAt,
    Name,
    Email,
}

impl Sorts for MemberSort {
    const LIST: &'static str = "members";
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("joined_at", Self::JoinedAt),
        ("name", Self::Name),
        ("email", Self::Email),
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::JoinedAt,
        dir: Dir::Asc,
    };
    type Row = MemberRow;
    fn key(self, m: &MemberRow) -> Key {
        match self {
            Self::JoinedAt => Key::of(m.joined_at, m.user_id),
            Self::Name => Key::of(&m.name, m.user_id),
            Self::Email => Key::of(&m.email, m.user_id),
        }
    }
}

/// A page of the workspace's members.
pub async fn list(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    f: &MemberFilter<'_>,
    page: &PageRequest<MemberSort>,
) -> ListResult<Vec<MemberRow>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::workspace_id.eq(workspace_id))
        .select(member_columns())
        .into_boxed();
    if let Some(q) = f.q {
        let pattern = format!("%{}%", escape_like(q));
        query = query.filter(
            users::name
                .ilike(pattern.clone())
                .or(users::email.ilike(pattern)),
        );
    }
    if let Some(role) = f.role {
        query = query.filter(memberships::role.eq(role.as_str()));
    }
    let id = memberships::user_id;
    let query = match page.sort.field {
        MemberSort::JoinedAt => page.seek(query, memberships::created_at, id)?,
        MemberSort::Name => page.seek(query, users::name, id)?,
        MemberSort::Email => page.seek(query, users::email, id)?,
    };
    Ok(query.load(conn).await?)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Changes a member's role when `expected_version` (if given) still matches.
/// `Ok(None)` means the version did not match.
pub async fn set_role(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
    expected_version: Option<i32>,
) -> QueryResult<Option<i32>> {
    let target = memberships::table
        .filter(memberships::workspace_id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .filter(crate::version_matches(
            memberships::version,
            expected_version,
        ));
    diesel::update(target)
        .set((
            memberships::role.eq(role.as_str()),
            memberships::updated_at.eq(diesel::dsl::now),
            memberships::version.eq(memberships::version + 1),
        ))
        .returning(memberships::version)
        .get_result(conn)
        .await
        .optional()
}

pub async fn remove(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    expected_version: Option<i32>,
) -> QueryResult<bool> {
    let target = memberships::table
        .filter(memberships::workspace_id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .filter(crate::version_matches(
            memberships::version,
            expected_version,
        ));
    Ok(diesel::delete(target).execute(conn).await? == 1)
}

/// Whether `user_id` is a member of `workspace_id`, their membership locked
/// until the transaction ends (changes to one member follow one another).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    memberships::table
        .filter(memberships::workspace_id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::user_id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

/// The users of `ws` who hold one of `roles`.
pub async fn with_roles(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    roles: &[Role],
) -> QueryResult<Vec<Uuid>> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    memberships::table
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::role.eq_any(names))
        .order(memberships::user_id)
        .select(memberships::user_id)
        .load(conn)
        .await
}
