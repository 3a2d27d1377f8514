//! Refresh tokens, password-reset tokens and WebSocket tickets: opaque
//! secrets handed out once and stored only as SHA-256 digests.

use crate::schema::{password_resets, refresh_tokens, ws_tickets};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<Uuid>,
}

/// Stores a new refresh token; returns its id.
pub async fn insert_refresh(
    conn: &mut AsyncPgConnection,
    family_id: Uuid,
    user_id: Uuid,
    workspace_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::workspace_id.eq(workspace_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Records which token replaced `id` when it was used.
pub async fn set_replaced_by(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    successor: Uuid,
) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::replaced_by.eq(successor))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum Redeemed {
    /// Valid and now used: the caller issues the next token of the family.
    Fresh(RefreshToken),
    /// Already used or revoked: the whole family has been revoked.
    Reused,
    /// Unknown or expired.
    Invalid,
}

/// Marks a refresh token used in one statement, so that of two concurrent
/// redemptions only one succeeds; a second use revokes the family.
///
/// One exception, for a client that lost the answer of its rotation (a page
/// reloaded mid-request): within `grace_secs` of the first use, while the
/// successor has never been used, the successor is revoked instead and the
/// token may be redeemed once more. Any other reuse revokes the family.
pub async fn redeem_refresh(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    grace_secs: i64,
) -> QueryResult<Redeemed> {
    let fresh: Option<RefreshToken> = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(diesel::dsl::now)),
    )
    .set(refresh_tokens::used_at.eq(diesel::dsl::now))
    .returning(RefreshToken::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    if let Some(t) = fresh {
        return Ok(Redeemed::Fresh(t));
    }
    let known: Option<RefreshToken> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(t) = known else {
        return Ok(Redeemed::Invalid);
    };
    if t.used_at.is_none() && t.revoked_at.is_none() {
        return Ok(Redeemed::Invalid); // expired
    }
    let within_grace = t.revoked_at.is_none()
        && t.expires_at > Utc::now()
        && t.used_at
            .is_some_and(|u| u > Utc::now() - chrono::Duration::seconds(grace_secs));
    if let (true, Some(successor)) = (within_grace, t.replaced_by) {
        // Once only: the first UPDATE spends the token's one grace, the second
        // requires that its successor was never used. Both or neither.
        let spent = diesel::update(
            refresh_tokens::table
                .find(t.id)
                .filter(refresh_tokens::regraced_at.is_null()),
        )
        .set(refresh_tokens::regraced_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        let replaced = if spent == 1 {
            diesel::update(
                refresh_tokens::table
                    .find(successor)
                    .filter(refresh_tokens::used_at.is_null())
                    .filter(refresh_tokens::revoked_at.is_null()),
            )
            .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?
        } else {
            0
        };
        if replaced == 1 {
            return Ok(Redeemed::Fresh(t));
        }
    }
    revoke_family(conn, t.family_id).await?;
    Ok(Redeemed::Reused)
}

/// Serialises every change to one person's sessions (a new token in a
/// family, a revocation) for the rest of the transaction, so that a rotation
/// running while the person signs out everywhere cannot add a token the
/// revocation misses. Call it first in the transaction.
pub async fn lock_sessions(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))")
        .bind::<diesel::sql_types::Uuid, _>(user_id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn revoke_family(conn: &mut AsyncPgConnection, family_id: Uuid) -> QueryResult<usize> {
    let user: Option<Uuid> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .select(refresh_tokens::user_id)
        .first(conn)
        .await
        .optional()?;
    if let Some(user) = user {
        lock_sessions(conn, user).await?;
    }
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// The family a token belongs to, whatever its state: (family, user, workspace).
pub async fn family_of(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<(Uuid, Uuid, Uuid)>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::user_id,
            refresh_tokens::workspace_id,
        ))
        .first(conn)
        .await
        .optional()
}

/// Revokes every refresh family of a user, but `keep` (the caller's own).
pub async fn revoke_user_families(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> QueryResult<usize> {
    lock_sessions(conn, user_id).await?;
    let keep = keep.unwrap_or(Uuid::nil());
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::family_id.ne(keep))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Revokes a user's sessions in one workspace (when the membership ends).
pub async fn revoke_user_in_workspace(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    workspace_id: Uuid,
) -> QueryResult<usize> {
    lock_sessions(conn, user_id).await?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::workspace_id.eq(workspace_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Stores a new reset token; any older one of the user stops working.
pub async fn insert_reset(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    // Two reset requests at once: the second waits, then voids the first.
    lock_sessions(conn, user_id).await?;
    void_resets(conn, user_id).await?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(Uuid::now_v7()),
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Voids every pending reset token of a user (a new reset, a new password).
pub async fn void_resets(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// The live tokens of a refresh family.
type LiveFamily = diesel::dsl::Filter<
    diesel::dsl::Filter<refresh_tokens::table, diesel::dsl::Eq<refresh_tokens::family_id, Uuid>>,
    diesel::dsl::IsNull<refresh_tokens::revoked_at>,
>;

/// Whether a refresh family still has a token that is not revoked.
pub fn family_alive(family_id: Uuid) -> diesel::dsl::exists<LiveFamily> {
    diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
}

/// Uses a reset token once; returns its user when it was valid.
pub async fn redeem_reset(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<Uuid>> {
    diesel::update(
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(diesel::dsl::now)),
    )
    .set(password_resets::used_at.eq(diesel::dsl::now))
    .returning(password_resets::user_id)
    .get_result(conn)
    .await
    .optional()
}

/// Who a WebSocket ticket was issued to.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ws_tickets)]
pub struct WsTicket {
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub workspace_id: Uuid,
    /// The refresh family of the session the ticket was asked with.
    pub family_id: Option<Uuid>,
}

pub async fn insert_ticket(
    conn: &mut AsyncPgConnection,
    ticket_hash: &[u8],
    t: &WsTicket,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(ws_tickets::table)
        .values((
            ws_tickets::ticket_hash.eq(ticket_hash),
            ws_tickets::user_id.eq(t.user_id),
            ws_tickets::api_key_id.eq(t.api_key_id),
            ws_tickets::workspace_id.eq(t.workspace_id),
            ws_tickets::family_id.eq(t.family_id),
            ws_tickets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Takes a ticket: it is deleted as it is read, so it works once.
pub async fn take_ticket(
    conn: &mut AsyncPgConnection,
    ticket_hash: &[u8],
) -> QueryResult<Option<WsTicket>> {
    diesel::delete(
        ws_tickets::table
            .filter(ws_tickets::ticket_hash.eq(ticket_hash))
            .filter(ws_tickets::expires_at.gt(diesel::dsl::now)),
    )
    .returning(WsTicket::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Drops what has expired: refresh tokens a day past their end, used resets, old tickets.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let a = diesel::delete(
        refresh_tokens::table
            .filter(refresh_tokens::expires_at.lt(chrono::Utc::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
    .await?;
    let b = diesel::delete(
        password_resets::table
            .filter(password_resets::expires_at.lt(chrono::Utc::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
    .await?;
    let c = diesel::delete(ws_tickets::table.filter(ws_tickets::expires_at.lt(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(a + b + c)
}
