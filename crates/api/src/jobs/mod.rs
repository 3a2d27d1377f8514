//! Background jobs, as crates.io's worker has them: each kind is a type with
//! a name and a payload (the type itself), registered by its module in
//! [`registry`]; one worker loop claims and runs them; recurring ones come
//! from the [`schedule`]s the modules list in [`schedules`].

pub mod schedule;

use crate::state::AppState;
use futures::future::BoxFuture;
use rapport_db::Conn;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// What a job runs with: the server's state and a connection of its own.
pub struct JobCtx<'a> {
    pub state: &'a AppState,
    pub conn: &'a mut Conn,
    /// The job's id in the queue.
    pub job_id: i64,
}

impl JobCtx<'_> {
    /// Says the job is still at work, so that it is not handed to another
    /// worker as one whose worker vanished. A long job calls it as it goes.
    pub async fn heartbeat(conn: &mut Conn, job_id: i64) -> diesel::QueryResult<()> {
        rapport_db::jobs::heartbeat(conn, job_id).await
    }
}

/// One kind of job. The payload is the value itself, stored as JSON.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// The kind's name in the queue, `<module>.<verb>`.
    const NAME: &'static str;

    fn run(self, ctx: JobCtx<'_>) -> impl Future<Output = anyhow::Result<()>> + Send;
}

type Handler = Box<
    dyn for<'a> Fn(serde_json::Value, JobCtx<'a>) -> BoxFuture<'a, anyhow::Result<()>>
        + Send
        + Sync,
>;

/// The job kinds this server can run, by name.
#[derive(Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Handler>,
}

impl Registry {
    pub fn register<J: Job>(&mut self) -> &mut Self {
        let handler: Handler = Box::new(|payload, ctx| {
            Box::pin(async move {
                let job: J = serde_json::from_value(payload).map_err(|e| {
                    anyhow::anyhow!("a {} job with a payload it cannot read: {e}", J::NAME)
                })?;
                job.run(ctx).await
            })
        });
        let previous = self.kinds.insert(J::NAME, handler);
        assert!(previous.is_none(), "two job kinds are named {}", J::NAME);
        self
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    async fn run(
        &self,
        kind: &str,
        payload: serde_json::Value,
        ctx: JobCtx<'_>,
    ) -> anyhow::Result<()> {
        match self.kinds.get(kind) {
            Some(handler) => handler(payload, ctx).await,
            None => Err(anyhow::anyhow!("unknown job kind {kind}")),
        }
    }
}

/// Every job kind: one line per module that has jobs.
pub fn registry() -> Registry {
    let mut r = Registry::default();
    crate::mail::jobs(&mut r);
    crate::people::jobs(&mut r);
    crate::groups::jobs(&mut r);
    crate::imports::jobs(&mut r);
    crate::scheduling::jobs(&mut r);
    crate::payments::jobs(&mut r);
    crate::finance::jobs(&mut r);
    crate::ops::jobs(&mut r);
    crate::messaging::jobs(&mut r);
    crate::backup::jobs(&mut r);
    r
}

/// Every recurring job: one line per module that has some.
pub fn schedules() -> Vec<schedule::Schedule> {
    let mut s = Vec::new();
    crate::ops::schedules(&mut s);
    crate::people::schedules(&mut s);
    crate::groups::schedules(&mut s);
    crate::imports::schedules(&mut s);
    crate::scheduling::schedules(&mut s);
    crate::payments::schedules(&mut s);
    crate::finance::schedules(&mut s);
    crate::messaging::schedules(&mut s);
    crate::backup::schedules(&mut s);
    s
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(registry);
static SCHEDULES: LazyLock<Vec<schedule::Schedule>> = LazyLock::new(schedules);

/// A job to queue, made from a typed job: what a record's change asks to
/// follow it ([`crate::record::Audited::follow_up`]).
pub struct Queued {
    kind: &'static str,
    payload: serde_json::Value,
}

impl Queued {
    pub fn of<J: Job>(job: &J) -> Option<Self> {
        serde_json::to_value(job).ok().map(|payload| Queued {
            kind: J::NAME,
            payload,
        })
    }

    /// Queues it to run now, in the caller's transaction.
    pub async fn enqueue(&self, conn: &mut Conn) -> diesel::QueryResult<()> {
        rapport_db::jobs::enqueue(conn, self.kind, &self.payload, None, None)
            .await
            .map(|_| ())
    }
}

/// Queues `job` to run now, in the caller's transaction.
pub async fn enqueue<J: Job>(conn: &mut Conn, job: &J) -> diesel::QueryResult<()> {
    enqueue_at(conn, job, None, None).await.map(|_| ())
}

/// Queues `job` for `run_at` (now when `None`); with a `dedupe_key`, only
/// once: `None` when a job with that key is already queued or was run.
pub async fn enqueue_at<J: Job>(
    conn: &mut Conn,
    job: &J,
    run_at: Option<chrono::DateTime<chrono::Utc>>,
    dedupe_key: Option<&str>,
) -> diesel::QueryResult<Option<i64>> {
    let payload = serde_json::to_value(job)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    rapport_db::jobs::enqueue(conn, J::NAME, &payload, run_at, dedupe_key).await
}

/// Works the queue until shutdown. A job in flight always runs to its end:
/// neither the schedules nor anything else races it, so a slow job (a mail
/// to a slow server) is never dropped half-way and run again later.
pub async fn run(state: Arc<AppState>, worker: String) {
    let mut shutdown = state.hub.shutdown_signal();
    let every = Duration::from_millis(state.config.maintenance_every_ms.max(10));
    let mut next_tick = tokio::time::Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        if tokio::time::Instant::now() >= next_tick {
            tick(&state).await;
            next_tick = tokio::time::Instant::now() + every;
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

/// Queues what the schedules say is due, and puts back jobs whose worker vanished.
async fn tick(state: &AppState) {
    let Ok(mut conn) = state.pool.get().await else {
        return;
    };
    if let Err(e) = schedule::tick(&mut conn, &SCHEDULES, chrono::Utc::now()).await {
        tracing::warn!(error = %e, "cannot queue the scheduled jobs");
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
    let ctx = JobCtx {
        state,
        conn: &mut conn,
        job_id: job.id,
    };
    let result = REGISTRY.run(&job.kind, job.payload.clone(), ctx).await;
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
