//! Sessions logged on a device, perhaps offline, each applied once by the
//! id the device gave it (see the `session_logs` migration).

use crate::schema::session_logs;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_logs)]
#[diesel(treat_none_as_default_value = false)]
pub struct SessionLogRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub session_id: Uuid,
    pub user_id: Option<Uuid>,
    pub based_on: i32,
    pub completed: bool,
    pub records: serde_json::Value,
    pub logged_at: DateTime<Utc>,
    pub applied_at: DateTime<Utc>,
}

/// Writes `log` unless a log of that id is there already, and answers
/// whether it was written. A log of the same id being written by another
/// transaction is waited for, so that the loser sees it.
pub async fn claim(conn: &mut AsyncPgConnection, log: &SessionLogRow) -> QueryResult<bool> {
    let written = diesel::insert_into(session_logs::table)
        .values(log)
        .on_conflict((session_logs::workspace_id, session_logs::id))
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(written == 1)
}

/// The log `id` of `ws`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<SessionLogRow>> {
    session_logs::table
        .filter(session_logs::workspace_id.eq(ws))
        .filter(session_logs::id.eq(id))
        .select(SessionLogRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Whether session `id` of `ws` is on an invoice (a line not given back).
pub async fn invoiced(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<bool> {
    use crate::schema::invoice_lines;
    diesel::select(diesel::dsl::exists(
        invoice_lines::table
            .filter(invoice_lines::workspace_id.eq(ws))
            .filter(invoice_lines::session_id.eq(id))
            .filter(invoice_lines::released.eq(false)),
    ))
    .get_result(conn)
    .await
}

/// Clears the notes logged of `person` (an erasure); answers how many logs
/// held one.
pub async fn forget_notes(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<usize> {
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    crate::sql_query(
        "UPDATE session_logs SET records = (
             SELECT jsonb_agg(CASE WHEN e->>'person_id' = $2 THEN e || '{\"note\": null}' ELSE e END
                              ORDER BY i)
               FROM jsonb_array_elements(records) WITH ORDINALITY AS x(e, i))
          WHERE workspace_id = $1
            AND records @> jsonb_build_array(jsonb_build_object('person_id', $2))
            AND EXISTS (SELECT 1 FROM jsonb_array_elements(records) e
                         WHERE e->>'person_id' = $2 AND e->>'note' IS NOT NULL)",
    )
    .bind::<SqlUuid, _>(ws)
    .bind::<Text, _>(person.to_string())
    .execute(conn)
    .await
}
