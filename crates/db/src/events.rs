//! The event outbox: written in the transaction of each change, read by the
//! dispatcher (WebSocket), by `/events` and later by webhooks.

use crate::schema::{event_heads, events};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{Actor, ActorKind, EventView};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub workspace_id: Uuid,
    #[diesel(select_expression = events::seq.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<events::seq>)]
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

/// The `permission` of an event for its subject user alone: no role or key
/// holds it.
pub const SUBJECT_ONLY: &str = "subject";

pub struct NewEvent<'a> {
    pub workspace_id: Uuid,
    pub kind: &'a str,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub permission: &'a str,
    pub subject_user_id: Option<Uuid>,
}

/// Writes an event, unnumbered; [`number`] gives it its place in the
/// workspace's order. No NOTIFY: PostgreSQL serialises the commits of
/// every transaction that notifies, so dispatchers look for new events
/// several times a second instead.
pub async fn emit(conn: &AsyncPgConnection, e: NewEvent<'_>) -> QueryResult<()> {
    let mut conn = conn;
    diesel::insert_into(events::table)
        .values((
            events::workspace_id.eq(e.workspace_id),
            events::kind.eq(e.kind),
            events::actor_kind.eq(e.actor_kind.as_str()),
            events::actor_id.eq(e.actor_id),
            events::data.eq(&e.data),
            events::permission.eq(e.permission),
            events::subject_user_id.eq(e.subject_user_id),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Writes one event for each of `users`, each heard by that user alone
/// (`e.permission` and `e.subject_user_id` are not read).
pub async fn emit_to(conn: &AsyncPgConnection, e: NewEvent<'_>, users: &[Uuid]) -> QueryResult<()> {
    let mut conn = conn;
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            (
                events::workspace_id.eq(e.workspace_id),
                events::kind.eq(e.kind),
                events::actor_kind.eq(e.actor_kind.as_str()),
                events::actor_id.eq(e.actor_id),
                events::data.eq(&e.data),
                events::permission.eq(SUBJECT_ONLY),
                events::subject_user_id.eq(Some(*u)),
            )
        })
        .collect();
    for chunk in rows.chunks(2000) {
        diesel::insert_into(events::table)
            .values(chunk)
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

/// Numbers the committed events of workspace `ws` that have no number yet,
/// in the order of their ids among those it finds, under the head's lock:
/// a reader that has seen number n never later finds an event numbered
/// below it. Returns how many it numbered; cheap when there are none.
pub async fn number(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<usize> {
    number_with(conn, ws, false).await
}

async fn number_with(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    skip_locked: bool,
) -> QueryResult<usize> {
    use diesel::dsl::exists;
    use diesel_async::AsyncConnection;
    let any: bool = diesel::select(exists(
        events::table
            .filter(events::workspace_id.eq(ws))
            .filter(events::seq.is_null()),
    ))
    .get_result(conn)
    .await?;
    if !any {
        return Ok(0);
    }
    conn.transaction(async |conn| {
        let head = event_heads::table
            .find(ws)
            .select(event_heads::seq)
            .for_update();
        let head: Option<i64> = if skip_locked {
            head.skip_locked().first(conn).await.optional()?
        } else {
            head.first(conn).await.optional()?
        };
        let Some(last) = head else {
            return Ok(0);
        };
        // Read after the lock: what an earlier numbering numbered is seen.
        #[derive(QueryableByName)]
        struct Numbered {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            top: i64,
        }
        let done: Numbered = crate::sql_query(
            "WITH u AS (UPDATE events e SET seq = $2 + p.n \
                          FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM events \
                                 WHERE workspace_id = $1 AND seq IS NULL) p \
                         WHERE e.workspace_id = $1 AND e.id = p.id RETURNING e.seq) \
             SELECT count(*) AS n, coalesce(max(seq), $2) AS top FROM u",
        )
        .bind::<diesel::sql_types::Uuid, _>(ws)
        .bind::<diesel::sql_types::BigInt, _>(last)
        .get_result(conn)
        .await?;
        // The highest number given, even if a row between vanished meanwhile.
        diesel::update(event_heads::table.find(ws))
            .set(event_heads::seq.eq(done.top))
            .execute(conn)
            .await?;
        Ok(done.n as usize)
    })
    .await
}

/// Numbers every workspace's pending events (the background task's round):
/// a workspace whose head is busy or whose numbering fails is left for the
/// next round, and the others go on.
pub async fn number_all(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let workspaces: Vec<Uuid> = events::table
        .filter(events::seq.is_null())
        .select(events::workspace_id)
        .distinct()
        .load(conn)
        .await?;
    let mut numbered = 0;
    for ws in workspaces {
        match number_with(conn, ws, true).await {
            Ok(n) => numbered += n,
            Err(e) => tracing::warn!(workspace = %ws, error = %e, "numbering the events failed"),
        }
    }
    Ok(numbered)
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
    number(conn, workspace_id).await?;
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
    // Number what is pending in these workspaces; one that is busy or
    // failing waits for the next round and holds no other up.
    let listed: Vec<Uuid> = cursors.iter().map(|(ws, _)| *ws).collect();
    let pending: Vec<Uuid> = events::table
        .filter(events::seq.is_null())
        .filter(events::workspace_id.eq_any(&listed))
        .select(events::workspace_id)
        .distinct()
        .load(conn)
        .await?;
    for ws in pending {
        if let Err(e) = number_with(conn, ws, true).await {
            tracing::warn!(workspace = %ws, error = %e, "numbering the events failed");
        }
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
    number(conn, workspace_id).await?;
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
