//! Medal settings, and the counts of awards the monthly limits read from
//! the ledger.

use crate::schema::{ledger_entries, medal_settings};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::MedalSettings;
use uuid::Uuid;

/// What the ledger's entries of an award are caused by.
pub const AWARD: &str = "award";
/// ... of the bronze for being present at a lesson (`<session>:<person>`).
pub const ATTENDANCE: &str = "attendance";
/// ... of an exchange of bronze for silver.
pub const EXCHANGE: &str = "exchange";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = medal_settings)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(treat_none_as_null = true)]
struct SettingsRow {
    workspace_id: Uuid,
    attendance_bronze: bool,
    gold_per_month: i32,
    silver_per_month: i32,
    bronze_per_month: i32,
    student_cap_per_month: Option<i32>,
    bronze_per_silver: Option<i32>,
}

/// The medal settings of `ws` (the defaults until set).
pub async fn settings(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<MedalSettings> {
    let row: Option<SettingsRow> = medal_settings::table
        .filter(medal_settings::workspace_id.eq(ws))
        .select(SettingsRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map_or_else(MedalSettings::default, |r| MedalSettings {
        attendance_bronze: r.attendance_bronze,
        gold_per_month: r.gold_per_month,
        silver_per_month: r.silver_per_month,
        bronze_per_month: r.bronze_per_month,
        student_cap_per_month: r.student_cap_per_month,
        bronze_per_silver: r.bronze_per_silver,
    }))
}

pub async fn set_settings(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    s: &MedalSettings,
) -> QueryResult<()> {
    let row = SettingsRow {
        workspace_id: ws,
        attendance_bronze: s.attendance_bronze,
        gold_per_month: s.gold_per_month,
        silver_per_month: s.silver_per_month,
        bronze_per_month: s.bronze_per_month,
        student_cap_per_month: s.student_cap_per_month,
        bronze_per_silver: s.bronze_per_silver,
    };
    diesel::insert_into(medal_settings::table)
        .values(&row)
        .on_conflict(medal_settings::workspace_id)
        .do_update()
        .set((&row, medal_settings::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Holds the awards of `person` of `ws` until the transaction ends: their
/// limits are counted and spent one award at a time.
pub async fn hold(conn: &mut AsyncPgConnection, ws: Uuid, person: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
        .bind::<diesel::sql_types::Text, _>(format!("medals:{ws}:{person}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The awards `person` of `ws` was given from `from` to `to` that stand
/// (not corrected): by whom and which currency, one per award.
pub async fn awards(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(Option<Uuid>, String)>> {
    Ok(awards_to(conn, ws, &[person], from, to)
        .await?
        .into_iter()
        .map(|(_, by, currency)| (by, currency))
        .collect())
}

/// The awards `people` of `ws` were given from `from` to `to` that stand
/// (not corrected): to whom, by whom and which currency, one per award.
pub async fn awards_to(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    people: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, Option<Uuid>, String)>> {
    let given: Vec<(Uuid, Uuid, Option<Uuid>, String)> = ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::person_id.eq_any(people))
        .filter(ledger_entries::cause_type.eq(AWARD))
        .filter(ledger_entries::corrects.is_null())
        .filter(ledger_entries::created_at.ge(from))
        .filter(ledger_entries::created_at.lt(to))
        .select((
            ledger_entries::id,
            ledger_entries::person_id,
            ledger_entries::actor_id,
            ledger_entries::currency,
        ))
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = given.iter().map(|g| g.0).collect();
    let undone = crate::ledger::corrections_of(conn, ws, &ids).await?;
    Ok(given
        .into_iter()
        .filter(|g| !undone.contains_key(&g.0))
        .map(|(_, person, by, currency)| (person, by, currency))
        .collect())
}

/// The entry of `ws` that gave a bronze for the register line `cause_id`
/// (`<session>:<person>`), when it stands (not corrected).
pub async fn attendance_bronze(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    cause_id: &str,
) -> QueryResult<Option<Uuid>> {
    let given: Vec<Uuid> = ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::cause_type.eq(ATTENDANCE))
        .filter(ledger_entries::cause_id.eq(cause_id))
        .filter(ledger_entries::corrects.is_null())
        .select(ledger_entries::id)
        .load(conn)
        .await?;
    let undone: Vec<Uuid> = ledger_entries::table
        .filter(ledger_entries::workspace_id.eq(ws))
        .filter(ledger_entries::corrects.eq_any(&given))
        .select(ledger_entries::corrects.assume_not_null())
        .load(conn)
        .await?;
    Ok(given.into_iter().find(|g| !undone.contains(g)))
}
