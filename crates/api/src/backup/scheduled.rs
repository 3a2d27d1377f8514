//! The scheduled backup: once a day, when the server is given where to
//! keep backups ([`crate::config::Backups`]), a backup of the whole server
//! is written there and all but the newest few are removed.

use super::dump;
use crate::jobs::{Job, JobCtx};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Scheduled {}

/// How often a running backup says it is still at work.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(60);

impl Job for Scheduled {
    const NAME: &'static str = "backup.scheduled";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let Some(b) = ctx.state.config.backups.clone() else {
            return Ok(());
        };
        let out = b.dir.join(dump::file_name(chrono::Utc::now()));
        let files = ctx.state.config.files_dir.clone();
        let fields = ctx.state.config.fields_key.clone();
        let target = out.clone();
        let mut work = tokio::task::spawn_blocking(move || {
            dump::backup(&b.database_url, &files, Some(&fields), &b.key, &target)
        });
        // A long backup is not taken for a lost one.
        let made = loop {
            tokio::select! {
                done = &mut work => break done??,
                _ = tokio::time::sleep(HEARTBEAT) => {
                    JobCtx::heartbeat(ctx.conn, ctx.job_id).await?;
                }
            }
        };
        let b = ctx.state.config.backups.as_ref().expect("checked above");
        let (dir, keep) = (b.dir.clone(), b.keep);
        let removed = tokio::task::spawn_blocking(move || dump::prune(&dir, keep)).await??;
        tracing::info!(
            file = %out.display(),
            database_bytes = made.database_bytes,
            files = made.files,
            removed = ?removed,
            "backed up"
        );
        Ok(())
    }
}
