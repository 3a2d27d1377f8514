//! Files no longer wanted leave the file store: uploads never sent are
//! dropped after a day, and the files of rows gone (a message deleted or
//! erased, a workspace deleted; the database lists them in
//! `removed_files`) are removed from disk.

use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// How long an upload may wait to be sent.
pub const UNSENT_KEPT_HOURS: i64 = 24;

#[derive(Debug, Serialize, Deserialize)]
pub struct SweepFiles {}

impl Job for SweepFiles {
    const NAME: &'static str = "messaging.files.sweep";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = ctx.conn;
        let before = Utc::now() - chrono::Duration::hours(UNSENT_KEPT_HOURS);
        let mut dropped = 0;
        // Bounded: a backlog is worked off over the next runs.
        for _ in 0..20 {
            let n = rapport_db::messaging::drop_unsent(conn, before, 500).await?;
            dropped += n;
            if n < 500 {
                break;
            }
        }
        let mut removed = 0;
        for _ in 0..20 {
            let gone = rapport_db::messaging::removed_files(conn, 500).await?;
            if gone.is_empty() {
                break;
            }
            let (mut done, mut failed) = (Vec::with_capacity(gone.len()), Vec::new());
            for (ws, id) in gone {
                match ctx.state.files.remove(ws, id).await {
                    Ok(()) => done.push((ws, id)),
                    Err(e) => {
                        tracing::warn!(%id, error = format!("{e:#}"), "a file could not be removed");
                        failed.push((ws, id));
                    }
                }
            }
            removed += rapport_db::messaging::forget_removed(conn, &done).await?;
            // Those that failed wait at the back, so that they never hold
            // up the others.
            rapport_db::messaging::retry_removed_later(conn, &failed).await?;
            if done.is_empty() {
                break;
            }
        }
        if dropped + removed > 0 {
            tracing::info!(dropped, removed, "swept the file store");
        }
        Ok(())
    }
}

pub fn jobs(r: &mut Registry) {
    r.register::<SweepFiles>();
}

pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        SweepFiles::NAME,
        chrono::Duration::hours(1),
        CatchUp::Latest,
        |_| SweepFiles {},
    ));
}
