//! The event outbox: written in the transaction of each change, read by the
//! dispatcher (WebSocket), by `/events` and later by webhooks.

use crate::schema::{event_heads, events};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{Actor, ActorKind, EventView};
use uuid::Uuid;

/// The channel the dispatcher listens on; the payload is `<workspace id>:<seq>`.
pub const CHANNEL: &str = "rapport_events";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub workspace_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub permission: String,
    pub subject_user_id: Option<Uuid>,
}

impl Event {
    pub fn view(&self) -> EventView {
        EventView {
            id: self.seq,
            kind: self.kind.clone(),
            occurred_at: self.occurred_at,
            actor: Actor {
                kind: crate::audit::actor_kind(&self.actor_kind),
                id: self.actor_id,
            },
            data: self.data.clone(),
        }
    }

    /// Whether a caller holding `permissions` (and being `user_id`) may see it.
    pub fn visible_to(&self, permissions: &[&str], user_id: Option<Uuid>) -> bool {
        permissions.contains(&self.permission.as_str())
            || (user_id.is_some() && self.subject_user_id == user_id)
    }
}

pub struct NewEvent<'a> {
    pub workspace_id: Uuid,
    pub kind: &'a str,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub permission: &'a str,
    pub subject_user_id: Option<Uuid>,
}

/// Writes an event with the workspace's next sequence number and notifies
/// listeners; PostgreSQL delivers the notification only if the transaction commits.
pub async fn emit(conn: &mut AsyncPgConnection, e: NewEvent<'_>) -> QueryResult<i64> {
    let seq: i64 = diesel::update(event_heads::table.find(e.workspace_id))
        .set(event_heads::seq.eq(event_heads::seq + 1))
        .returning(event_heads::seq)
        .get_result(conn)
        .await?;
    diesel::insert_into(events::table)
        .values((
            events::workspace_id.eq(e.workspace_id),
            events::seq.eq(seq),
            events::kind.eq(e.kind),
            events::actor_kind.eq(e.actor_kind.as_str()),
            events::actor_id.eq(e.actor_id),
            events::data.eq(&e.data),
            events::permission.eq(e.permission),
            events::subject_user_id.eq(e.subject_user_id),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .bind::<diesel::sql_types::Text, _>(format!("{}:{}", e.workspace_id, seq))
        .execute(conn)
        .await?;
    Ok(seq)
}

/// Events of a workspace after `after`, oldest first, that the caller may see.
pub async fn after(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    after: i64,
    permissions: &[&str],
    user_id: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let perms: Vec<String> = permissions.iter().map(|s| s.to_string()).collect();
    let mut q = events::table
        .filter(events::workspace_id.eq(workspace_id))
        .filter(events::seq.gt(after))
        .select(Event::as_select())
        .order(events::seq.asc())
        .limit(limit)
        .into_boxed();
    q = match user_id {
        Some(u) => q.filter(
            events::permission
                .eq_any(perms)
                .or(events::subject_user_id.eq(u)),
        ),
        None => q.filter(events::permission.eq_any(perms)),
    };
    q.load(conn).await
}

/// Every event of the given workspaces after the given sequence numbers, for the dispatcher.
pub async fn since_for(
    conn: &mut AsyncPgConnection,
    cursors: &[(Uuid, i64)],
    limit: i64,
) -> QueryResult<Vec<Event>> {
    if cursors.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = events::table.select(Event::as_select()).into_boxed();
    let mut first = true;
    for (ws, seq) in cursors {
        let cond = events::workspace_id.eq(*ws).and(events::seq.gt(*seq));
        q = if first {
            q.filter(cond)
        } else {
            q.or_filter(cond)
        };
        first = false;
    }
    q.order((events::workspace_id, events::seq))
        .limit(limit)
        .load(conn)
        .await
}

/// The newest sequence number of a workspace (0 when it has none).
pub async fn head(conn: &mut AsyncPgConnection, workspace_id: Uuid) -> QueryResult<i64> {
    event_heads::table
        .find(workspace_id)
        .select(event_heads::seq)
        .first(conn)
        .await
        .optional()
        .map(|s| s.unwrap_or(0))
}

/// Drops events older than `days`.
pub async fn prune(conn: &mut AsyncPgConnection, days: i32) -> QueryResult<usize> {
    diesel::delete(
        events::table.filter(
            events::occurred_at.lt(chrono::Utc::now() - chrono::Duration::days(days as i64)),
        ),
    )
    .execute(conn)
    .await
}
