//! The hourly clean-up: old events, spent credentials, replay records,
//! finished jobs, rate-limit windows and lapsed lockouts.

use crate::jobs::{Job, JobCtx};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Prune {}

impl Job for Prune {
    const NAME: &'static str = "maintenance.prune";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = ctx.conn;
        let events = rapport_db::events::prune(conn, ctx.state.config.event_retention_days).await?;
        let tokens = rapport_db::tokens::prune(conn).await?;
        let keys = rapport_db::idempotency::prune(conn).await?;
        let jobs = rapport_db::jobs::prune(conn, 7).await?;
        let windows = rapport_db::rate_limits::prune(conn).await?;
        let failures = rapport_db::users::prune_password_failures(conn).await?;
        tracing::info!(
            events,
            tokens,
            idempotency_keys = keys,
            jobs,
            rate_windows = windows,
            password_failures = failures,
            "pruned"
        );
        Ok(())
    }
}
