use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::invitations;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{InvitationStatus, InvitationView};
use rapport_domain::Role;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: String,
    #[diesel(deserialize_as = crate::closed::RoleText)]
    pub role: Role,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub person_id: Option<Uuid>,
}

impl Invitation {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn status(&self) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.expires_at <= Utc::now() {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }

    pub fn view(&self) -> InvitationView {
        InvitationView {
            id: self.id,
            email: self.email.clone(),
            role: self.role(),
            person_id: self.person_id,
            status: self.status(),
            invited_by: self.invited_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            version: self.version,
        }
    }
}

pub struct NewInvitation<'a> {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a [u8],
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub person_id: Option<Uuid>,
}

pub async fn insert(conn: &mut AsyncPgConnection, n: NewInvitation<'_>) -> QueryResult<Invitation> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(n.id),
            invitations::workspace_id.eq(n.workspace_id),
            invitations::email.eq(n.email),
            invitations::role.eq(n.role.as_str()),
            invitations::token_hash.eq(n.token_hash),
            invitations::invited_by.eq(n.invited_by),
            invitations::expires_at.eq(n.expires_at),
            invitations::person_id.eq(n.person_id),
        ))
        .returning(Invitation::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<Invitation>> {
    invitations::table
        .filter(invitations::workspace_id.eq(workspace_id))
        .filter(invitations::id.eq(id))
        .select(Invitation::as_select())
        .first(conn)
        .await
        .optional()
}

/// Neither accepted nor revoked; it may have expired (a resend renews it).
#[diesel::dsl::auto_type]
pub fn open() -> _ {
    invitations::accepted_at
        .is_null()
        .and(invitations::revoked_at.is_null())
}

/// Open and not expired: the invitation can be accepted.
#[diesel::dsl::auto_type]
pub fn pending() -> _ {
    invitations::accepted_at
        .is_null()
        .and(invitations::revoked_at.is_null())
        .and(invitations::expires_at.gt(diesel::dsl::now))
}

/// Newest first, a page at a time; `pending_only` hides accepted, revoked and expired ones.
/// How the invitations list sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationSort {
    CreatedAt,
    Email,
    ExpiresAt,
}

impl Sorts for InvitationSort {
    const LIST: &'static str = "invitations";
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("created_at", Self::CreatedAt),
        ("email", Self::Email),
        ("expires_at", Self::ExpiresAt),
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = Invitation;
    fn key(self, i: &Invitation) -> Key {
        match self {
            Self::CreatedAt => Key::of(i.created_at, i.id),
            Self::Email => Key::of(&i.email, i.id),
            Self::ExpiresAt => Key::of(i.expires_at, i.id),
        }
    }
}

/// A page of the workspace's invitations.
pub async fn list(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    pending_only: bool,
    page: &PageRequest<InvitationSort>,
) -> ListResult<Vec<Invitation>> {
    let mut q = invitations::table
        .filter(invitations::workspace_id.eq(workspace_id))
        .select(Invitation::as_select())
        .into_boxed();
    if pending_only {
        q = q.filter(pending());
    }
    let id = invitations::id;
    let q = match page.sort.field {
        InvitationSort::CreatedAt => page.seek(q, invitations::created_at, id)?,
        InvitationSort::Email => page.seek(q, invitations::email, id)?,
        InvitationSort::ExpiresAt => page.seek(q, invitations::expires_at, id)?,
    };
    Ok(q.load(conn).await?)
}

/// Takes a pending invitation for acceptance, once: concurrent accepts of one token get one winner.
pub async fn accept(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<Invitation>> {
    diesel::update(
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .filter(pending()),
    )
    .set((
        invitations::accepted_at.eq(diesel::dsl::now),
        invitations::version.eq(invitations::version + 1),
    ))
    .returning(Invitation::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Revokes a pending invitation; `None` when it is not pending or the version is stale.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
) -> QueryResult<Option<Invitation>> {
    diesel::update(
        invitations::table
            .filter(invitations::workspace_id.eq(workspace_id))
            .filter(invitations::id.eq(id))
            .filter(open())
            .filter(crate::version_matches(
                invitations::version,
                expected_version,
            )),
    )
    .set((
        invitations::revoked_at.eq(diesel::dsl::now),
        invitations::version.eq(invitations::version + 1),
    ))
    .returning(Invitation::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Gives a pending invitation a new token and a new 7-day term (resend).
pub async fn renew(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<Option<Invitation>> {
    diesel::update(
        invitations::table
            .filter(invitations::workspace_id.eq(workspace_id))
            .filter(invitations::id.eq(id))
            .filter(open()),
    )
    .set((
        invitations::token_hash.eq(token_hash),
        invitations::expires_at.eq(expires_at),
        invitations::version.eq(invitations::version + 1),
    ))
    .returning(Invitation::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Serialises changes to the invitations of one address in one workspace,
/// until the end of the transaction.
pub async fn lock_address(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    email: &str,
) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))")
        .bind::<diesel::sql_types::Text, _>(workspace_id.to_string())
        .bind::<diesel::sql_types::Text, _>(email)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The pending invitation that names person `person_id` of `workspace_id`, if any.
pub async fn pending_for_person(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    person_id: Uuid,
) -> QueryResult<Option<Invitation>> {
    invitations::table
        .filter(invitations::workspace_id.eq(workspace_id))
        .filter(invitations::person_id.eq(person_id))
        .filter(pending())
        .select(Invitation::as_select())
        .first(conn)
        .await
        .optional()
}

/// The pending (not accepted, revoked or expired) invitation of an address.
pub async fn pending_for(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    email: &str,
) -> QueryResult<Option<Invitation>> {
    invitations::table
        .filter(invitations::workspace_id.eq(workspace_id))
        .filter(invitations::email.eq(email))
        .filter(pending())
        .select(Invitation::as_select())
        .first(conn)
        .await
        .optional()
}
