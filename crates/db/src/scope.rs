//! The records of a kind a caller may see, as the record's policy says (see
//! `rapport_api::extract::policy`). Every query of a record kind with a
//! per-record rule takes a [`Scope`] and turns it into its filter, in one
//! place per kind.

use crate::schema::{group_members, groups, member_branches, people};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every record of this workspace.
    Workspace(Uuid),
    /// Only the records of this workspace linked to this person: their own,
    /// looked after by them, or addressed to them.
    Person {
        workspace_id: Uuid,
        user_id: Uuid,
        email: String,
    },
    /// Only the records of this organisation (a customer's tickets).
    Organization { workspace_id: Uuid, id: Uuid },
    /// Only the records of these branches (a moderator limited to some):
    /// their people, and what is about them.
    Branches { workspace_id: Uuid, ids: Vec<Uuid> },
    /// None at all.
    Nothing,
}

/// The ids of the people of `workspace_id` linked to `user_id`: the person
/// the user is (a student who signs in), the people they look after (whose
/// owner they are), and the students of the groups they lead, now or
/// before. The one place that says it; each kind's filter for
/// [`Scope::Person`] takes it.
pub fn linked_people<'a>(
    workspace_id: Uuid,
    user_id: Uuid,
) -> people::BoxedQuery<'a, Pg, diesel::sql_types::Uuid> {
    let led = groups::table
        .filter(groups::workspace_id.eq(workspace_id))
        .filter(groups::leader_id.eq(user_id))
        .filter(groups::deleted_at.is_null())
        .select(groups::id);
    let taught = group_members::table
        .filter(group_members::workspace_id.eq(workspace_id))
        .filter(group_members::group_id.eq_any(led))
        .select(group_members::person_id);
    people::table
        .filter(people::workspace_id.eq(workspace_id))
        .filter(
            people::user_id
                .eq(user_id)
                .or(people::owner_id.eq(user_id))
                .or(people::id.eq_any(taught)),
        )
        .select(people::id)
        .into_boxed()
}

/// The ids of the people of `workspace_id` who are `user_id` themself (a
/// student who signs in): what is theirs alone, such as their money.
pub fn own_people<'a>(
    workspace_id: Uuid,
    user_id: Uuid,
) -> people::BoxedQuery<'a, Pg, diesel::sql_types::Uuid> {
    people::table
        .filter(people::workspace_id.eq(workspace_id))
        .filter(people::user_id.eq(user_id))
        .select(people::id)
        .into_boxed()
}

/// What `user_id`'s personal scope in `workspace_id` reaches: the ids of
/// the people linked to them, of the groups they see (those they lead or
/// belong to), live ones, and of the people who are they themself.
pub async fn reach(
    conn: &mut diesel_async::AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
) -> QueryResult<(Vec<Uuid>, Vec<Uuid>, Vec<Uuid>)> {
    let people =
        diesel_async::RunQueryDsl::load(linked_people(workspace_id, user_id), conn).await?;
    let own = diesel_async::RunQueryDsl::load(own_people(workspace_id, user_id), conn).await?;
    let scope = Scope::Person {
        workspace_id,
        user_id,
        email: String::new(),
    };
    let groups = crate::groups::ids_of(conn, &scope).await?;
    Ok((people, groups, own))
}

/// The ids of the people of `workspace_id` who belong to one of `ids`: what
/// a moderator limited to those branches sees.
pub fn branch_people<'a>(
    workspace_id: Uuid,
    ids: &[Uuid],
) -> people::BoxedQuery<'a, Pg, diesel::sql_types::Uuid> {
    people::table
        .filter(people::workspace_id.eq(workspace_id))
        .filter(people::branch_id.eq_any(ids.to_vec()))
        .select(people::id)
        .into_boxed()
}

/// The members of `workspace_id` who belong to one of `ids` (its tutors).
pub fn branch_members<'a>(
    workspace_id: Uuid,
    ids: &[Uuid],
) -> member_branches::BoxedQuery<'a, Pg, diesel::sql_types::Uuid> {
    member_branches::table
        .filter(member_branches::workspace_id.eq(workspace_id))
        .filter(member_branches::branch_id.eq_any(ids.to_vec()))
        .select(member_branches::user_id)
        .into_boxed()
}

impl Scope {
    /// The workspace the scope is in (nil for one that sees nothing).
    pub fn workspace(&self) -> Uuid {
        match self {
            Scope::Workspace(ws) => *ws,
            Scope::Person { workspace_id, .. }
            | Scope::Organization { workspace_id, .. }
            | Scope::Branches { workspace_id, .. } => *workspace_id,
            Scope::Nothing => Uuid::nil(),
        }
    }
}
