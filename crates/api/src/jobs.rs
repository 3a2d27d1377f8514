//! The job worker: claims jobs from the queue and runs them.

use crate::state::AppState;
use std::sync::Arc;
use std::time::Duration;

pub const PRUNE: &str = "maintenance.prune";

/// Works the queue until shutdown. A job in flight always runs to its end:
/// neither the maintenance timer nor anything else races it, so a slow job
/// (a mail to a slow server) is never dropped half-way and re-run later.
pub async fn run(state: Arc<AppState>, worker: String) {
    let mut shutdown = state.hub.shutdown_signal();
    let every = Duration::from_millis(state.config.maintenance_every_ms.max(10));
    let mut next_maintenance = tokio::time::Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        if tokio::time::Instant::now() >= next_maintenance {
            schedule_maintenance(&state).await;
            next_maintenance = tokio::time::Instant::now() + every;
        }
        let idle = !work_one(&state, &worker).await;
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = crate::events::hub::stopped(&mut shutdown) => return,
            }
        }
    }
}

/// Queues the hourly clean-up once, whichever instance gets there first.
async fn schedule_maintenance(state: &AppState) {
    let Ok(mut conn) = state.pool.get().await else {
        return;
    };
    let key = format!("prune:{}", chrono::Utc::now().format("%Y%m%d%H"));
    if let Err(e) =
        rapport_db::jobs::enqueue(&mut conn, PRUNE, &serde_json::json!({}), None, Some(&key)).await
    {
        tracing::warn!(error = %e, "cannot schedule maintenance");
    }
    if let Err(e) = rapport_db::jobs::requeue_stale(&mut conn, state.config.job_stale_secs).await {
        tracing::warn!(error = %e, "cannot requeue stale jobs");
    }
}

/// Runs one job if one is due; false when the queue had none.
pub async fn work_one(state: &AppState, worker: &str) -> bool {
    let Ok(mut conn) = state.pool.get().await else {
        return false;
    };
    let job = match rapport_db::jobs::claim(&mut conn, worker).await {
        Ok(Some(job)) => job,
        Ok(None) => return false,
        Err(e) => {
            tracing::warn!(error = %e, "cannot claim a job");
            return false;
        }
    };
    let result = match job.kind.as_str() {
        crate::mail::send::KIND => {
            crate::mail::send::run(
                &mut conn,
                state.config.smtp.as_ref(),
                state.config.mail_dir.as_deref(),
                &state.config.mail_from,
                &job.payload,
            )
            .await
        }
        PRUNE => prune(state, &mut conn).await,
        other => Err(anyhow::anyhow!("unknown job kind {other}")),
    };
    let outcome = match result {
        Ok(()) => rapport_db::jobs::complete(&mut conn, job.id)
            .await
            .map(|_| ()),
        Err(e) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            rapport_db::jobs::fail(&mut conn, &job, &format!("{e:#}"))
                .await
                .map(|_| ())
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(job = job.id, error = %e, "cannot record a job's outcome");
    }
    true
}

async fn prune(state: &AppState, conn: &mut rapport_db::Conn) -> anyhow::Result<()> {
    let events = rapport_db::events::prune(conn, state.config.event_retention_days).await?;
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
