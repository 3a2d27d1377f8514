//! Recurring jobs. A schedule names a period (aligned to the Unix epoch, so
//! every instance agrees on when an occurrence starts) and the job each
//! occurrence queues. Each occurrence is queued exactly once across all
//! instances: the row of the schedule in `schedules` is locked and moved
//! forward in the transaction that queues the job. After downtime the missed
//! occurrences are caught up as the schedule says. Queuing never touches a
//! job that is running.

use super::Job;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rapport_db::Conn;

/// What happens to the occurrences missed while no instance ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// One run stands for all of them (a clean-up).
    Latest,
    /// One run each, oldest first, at most this many (monthly charges, reminders).
    Each { max: usize },
}

type Make = Box<
    dyn Fn(DateTime<Utc>) -> Result<(&'static str, serde_json::Value), serde_json::Error>
        + Send
        + Sync,
>;

pub struct Schedule {
    pub name: &'static str,
    pub period: chrono::Duration,
    pub catch_up: CatchUp,
    make: Make,
}

impl Schedule {
    /// Every `period`, the job `make` builds for the occurrence that starts then.
    pub fn every<J: Job>(
        name: &'static str,
        period: chrono::Duration,
        catch_up: CatchUp,
        make: fn(DateTime<Utc>) -> J,
    ) -> Schedule {
        assert!(
            period > chrono::Duration::zero(),
            "{name}: a period must be positive"
        );
        Schedule {
            name,
            period,
            catch_up,
            make: Box::new(move |at| Ok((J::NAME, serde_json::to_value(make(at))?))),
        }
    }

    /// The start of the occurrence that `now` falls in.
    pub fn occurrence(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let period = self.period.num_microseconds().unwrap_or(i64::MAX).max(1);
        let micros = now.timestamp_micros();
        DateTime::from_timestamp_micros(micros - micros.rem_euclid(period)).unwrap_or(now)
    }

    /// The occurrences to queue when the last one queued was `last`.
    pub fn due(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let current = self.occurrence(now);
        let Some(last) = last else {
            return vec![current];
        };
        if last >= current {
            return vec![];
        }
        match self.catch_up {
            CatchUp::Latest => vec![current],
            CatchUp::Each { max } => {
                let mut due = Vec::new();
                let mut at = current;
                while at > last && due.len() < max.max(1) {
                    due.push(at);
                    at -= self.period;
                }
                due.reverse();
                due
            }
        }
    }
}

/// Queues what every schedule has due at `now`; returns how many jobs it queued.
pub async fn tick(
    conn: &mut Conn,
    schedules: &[Schedule],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut queued = 0;
    for s in schedules {
        queued += conn
            .transaction::<_, anyhow::Error, _>(async |conn| {
                let last = rapport_db::jobs::lock_schedule(conn, s.name).await?;
                let due = s.due(last, now);
                for at in &due {
                    let (kind, payload) = (s.make)(*at)?;
                    let key = format!("schedule:{}:{}", s.name, at.timestamp());
                    rapport_db::jobs::enqueue(conn, kind, &payload, Some(*at), Some(&key)).await?;
                }
                if let Some(latest) = due.last() {
                    rapport_db::jobs::advance_schedule(conn, s.name, *latest).await?;
                }
                Ok(due.len())
            })
            .await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Noop;

    impl Job for Noop {
        const NAME: &'static str = "test.noop";
        async fn run(self, _: super::super::JobCtx<'_>) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn occurrences_start_on_the_period_whatever_the_instance() {
        let s = Schedule::every("t", chrono::Duration::hours(1), CatchUp::Latest, |_| Noop);
        assert_eq!(
            s.occurrence(at("2026-11-22T03:59:59Z")),
            at("2026-11-22T03:00:00Z")
        );
        assert_eq!(
            s.occurrence(at("2026-11-22T04:00:00Z")),
            at("2026-11-22T04:00:00Z")
        );
    }

    #[test]
    fn the_first_tick_runs_the_current_occurrence_and_the_next_nothing_until_the_period_turns() {
        let s = Schedule::every("t", chrono::Duration::hours(1), CatchUp::Latest, |_| Noop);
        let now = at("2026-11-22T03:10:00Z");
        assert_eq!(s.due(None, now), vec![at("2026-11-22T03:00:00Z")]);
        assert!(s.due(Some(at("2026-11-22T03:00:00Z")), now).is_empty());
        assert_eq!(
            s.due(Some(at("2026-11-22T03:00:00Z")), at("2026-11-22T04:00:01Z")),
            vec![at("2026-11-22T04:00:00Z")]
        );
    }

    #[test]
    fn downtime_is_caught_up_as_the_schedule_says() {
        let last = Some(at("2026-11-22T00:00:00Z"));
        let now = at("2026-11-22T03:30:00Z");
        let latest = Schedule::every("t", chrono::Duration::hours(1), CatchUp::Latest, |_| Noop);
        assert_eq!(latest.due(last, now), vec![at("2026-11-22T03:00:00Z")]);
        let each = Schedule::every(
            "t",
            chrono::Duration::hours(1),
            CatchUp::Each { max: 10 },
            |_| Noop,
        );
        assert_eq!(
            each.due(last, now),
            vec![
                at("2026-11-22T01:00:00Z"),
                at("2026-11-22T02:00:00Z"),
                at("2026-11-22T03:00:00Z")
            ]
        );
        let bounded = Schedule::every(
            "t",
            chrono::Duration::hours(1),
            CatchUp::Each { max: 2 },
            |_| Noop,
        );
        assert_eq!(
            bounded.due(last, now),
            vec![at("2026-11-22T02:00:00Z"), at("2026-11-22T03:00:00Z")]
        );
    }
}
