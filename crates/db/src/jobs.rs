//! A job queue in PostgreSQL. Workers claim with `FOR UPDATE SKIP LOCKED`, so
//! any number of server instances share it; failures retry with exponential
//! backoff and end `dead` after `max_attempts`.

use crate::schema::jobs;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
}

pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    kind: &str,
    payload: &serde_json::Value,
    run_at: Option<DateTime<Utc>>,
    dedupe_key: Option<&str>,
) -> QueryResult<Option<i64>> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::run_at.eq(run_at.unwrap_or_else(Utc::now)),
            jobs::dedupe_key.eq(dedupe_key),
        ))
        .on_conflict_do_nothing()
        .returning(jobs::id)
        .get_result(conn)
        .await
        .optional()
}

/// Claims the oldest due job, if any.
pub async fn claim(conn: &mut AsyncPgConnection, worker: &str) -> QueryResult<Option<Job>> {
    crate::sql_query(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_at = now(), locked_by = $1
         WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= now()
                     ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING id, kind, payload, attempts, max_attempts",
    )
    .bind::<diesel::sql_types::Text, _>(worker)
    .get_result(conn)
    .await
    .optional()
}

pub async fn complete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq("done"),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::locked_at.eq(None::<DateTime<Utc>>),
            jobs::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The delay before attempt `attempts + 1`: 2^attempts seconds, at most an hour.
pub fn backoff_secs(attempts: i32) -> i64 {
    2i64.saturating_pow(attempts.clamp(0, 12) as u32).min(3600)
}

/// Records a failure: back to `pending` after a backoff, or `dead` when out of attempts.
pub async fn fail(conn: &mut AsyncPgConnection, job: &Job, error: &str) -> QueryResult<bool> {
    let dead = job.attempts >= job.max_attempts;
    let run_at = Utc::now() + chrono::Duration::seconds(backoff_secs(job.attempts));
    diesel::update(jobs::table.find(job.id))
        .set((
            jobs::status.eq(if dead { "dead" } else { "pending" }),
            jobs::run_at.eq(run_at),
            jobs::locked_at.eq(None::<DateTime<Utc>>),
            jobs::last_error.eq(error.chars().take(2000).collect::<String>()),
            jobs::finished_at.eq(if dead { Some(Utc::now()) } else { None }),
        ))
        .execute(conn)
        .await?;
    Ok(dead)
}

/// Stamps a running job as still at work (see [`requeue_stale`]).
pub async fn heartbeat(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(jobs::table.find(id).filter(jobs::status.eq("running")))
        .set(jobs::locked_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Puts back jobs whose worker vanished (claimed more than `secs` ago and never finished).
pub async fn requeue_stale(conn: &mut AsyncPgConnection, secs: i32) -> QueryResult<usize> {
    diesel::update(
        jobs::table.filter(jobs::status.eq("running")).filter(
            jobs::locked_at.lt(chrono::Utc::now() - chrono::Duration::seconds(secs as i64)),
        ),
    )
    .set((
        jobs::status.eq("pending"),
        jobs::locked_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await
}

/// Jobs by status, for `/metrics`.
pub async fn depth(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    jobs::table
        .filter(jobs::status.ne("done"))
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Forgets finished jobs older than `days`.
pub async fn prune(conn: &mut AsyncPgConnection, days: i32) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::status.eq("done"))
            .filter(jobs::finished_at.lt(chrono::Utc::now() - chrono::Duration::days(days as i64))),
    )
    .execute(conn)
    .await
}

/// Locks a schedule's row for the transaction (made on first use) and
/// returns the last occurrence queued, `None` when there was none.
pub async fn lock_schedule(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    use crate::schema::schedules;
    diesel::insert_into(schedules::table)
        .values(schedules::name.eq(name))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    schedules::table
        .find(name)
        .select(schedules::last_occurrence)
        .for_update()
        .first(conn)
        .await
}

/// Notes that a schedule's occurrences up to `at` are queued.
pub async fn advance_schedule(
    conn: &mut AsyncPgConnection,
    name: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    use crate::schema::schedules;
    diesel::update(schedules::table.find(name))
        .set(schedules::last_occurrence.eq(at))
        .execute(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff_secs(1), 2);
        assert_eq!(super::backoff_secs(3), 8);
        assert_eq!(super::backoff_secs(30), 3600);
    }
}
