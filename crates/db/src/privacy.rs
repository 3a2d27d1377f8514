//! What the export and the erasure of a person's data share across modules:
//! the audit entries of their records, and the places every module writes
//! to (events, stored answers). Each module's own tables have their queries
//! in the module.

use crate::audit::{Listed, NewEntry};
use crate::schema::audit_log;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The audit entries of records `ids` of kind `record_type` in `ws`, oldest first.
pub async fn entries(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record_type: &str,
    ids: &[String],
) -> QueryResult<Vec<Listed>> {
    // Sealed entries only: the export seals before its snapshot (a seal in
    // a repeatable-read snapshot could fail on a concurrent one).
    audit_log::table
        .filter(audit_log::workspace_id.eq(ws))
        .filter(crate::audit::is_sealed())
        .filter(audit_log::record_type.eq(record_type))
        .filter(audit_log::record_id.eq_any(ids))
        .order(audit_log::seq.asc())
        .select(Listed::as_select())
        .load(conn)
        .await
}

/// Erases, through the audit chain's one erasure ([`crate::audit::erase`]),
/// every field of the changes of each entry of records `ids` (of kind
/// `record_type`) not erased yet; returns how many entries it erased.
pub async fn erase_entries(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record_type: &str,
    ids: &[String],
    by: &NewEntry<'_>,
) -> QueryResult<u64> {
    crate::audit::seal(conn, ws).await?;
    let found: Vec<(i64, serde_json::Value)> = audit_log::table
        .filter(audit_log::workspace_id.eq(ws))
        .filter(crate::audit::is_sealed())
        .filter(audit_log::record_type.eq(record_type))
        .filter(audit_log::record_id.eq_any(ids))
        .filter(audit_log::redacted.eq(false))
        .order(audit_log::seq.asc())
        .select((audit_log::seq.assume_not_null(), audit_log::changes))
        .load(conn)
        .await?;
    let mut n = 0;
    for (seq, changes) in found {
        let fields: Vec<String> = changes
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        // An entry that changed nothing (an export) holds nothing of them.
        if fields.is_empty() {
            continue;
        }
        if crate::audit::erase(conn, ws, seq, &fields, by.clone()).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Blanks the data of the events of `ws` about record `id` (as their `id`,
/// `person_id` or `record_id`), leaving their kind: the live feed and
/// `/events` no longer tell what they held. Returns how many.
pub async fn scrub_events(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<u64> {
    crate::sql_query(
        "UPDATE events SET data = jsonb_build_object('id', data -> 'id', 'erased', true) \
         WHERE workspace_id = $1 AND NOT (data ? 'erased') \
           AND $2 IN (data ->> 'id', data ->> 'person_id', data ->> 'record_id')",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .execute(conn)
    .await
    .map(|n| n as u64)
}

/// Forgets the stored answers of `Idempotency-Key` requests that name
/// record `id` (a person created or changed within the last day): a replay
/// would hand back what was erased. Returns how many.
pub async fn forget_answers(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<u64> {
    crate::sql_query(
        "DELETE FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') IN response_body) > 0",
    )
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .execute(conn)
    .await
    .map(|n| n as u64)
}
