//! The run: a background job that writes a file's rows batch by batch, each
//! batch in one transaction with its audit entries, its progress and its
//! progress event; a batch that fails is written again row by row, so that
//! one bad row is rejected alone and never half-written.

use super::plan::{Action, Org, Planned, Planner};
use crate::extract::Ctx;
use crate::jobs::{Job, JobCtx};
use crate::record::{diff, Audited};
use diesel_async::AsyncConnection;
use rapport_db::audit::NewEntry;
use rapport_db::imports::ImportRow;
use rapport_db::organizations::NewOrganization;
use rapport_db::Conn;
use rapport_domain::api::ActorKind;
use rapport_domain::imports::{ImportCounts, ImportStatus};
use rapport_domain::Permission;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Rows written in one transaction.
pub const BATCH: usize = 1000;

#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub workspace_id: Uuid,
    pub import_id: Uuid,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Job for Run {
    const NAME: &'static str = "imports.run";

    async fn run(self, job: JobCtx<'_>) -> anyhow::Result<()> {
        let ctx = Ctx {
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            ip: None,
            user_agent: None,
            request_id: self.request_id.clone(),
        };
        let (ws, id) = (self.workspace_id, self.import_id);
        let job_id = job.job_id;
        let conn = job.conn;
        let Some(import) = rapport_db::imports::find(conn, ws, id).await? else {
            return Ok(());
        };
        if import.status.is_finished() || import.status == ImportStatus::Draft {
            return Ok(());
        }
        // This run's own token: a run started again after this one was
        // given up for lost takes a new one, and this one stops.
        let token = Uuid::new_v4();
        match run(conn, &ctx, &import, token, job_id).await {
            Ok(Some(status)) => {
                finish(conn, &ctx, ws, id, token, status, None).await?;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(import = %id, error = %e, "import failed");
                let why = "the import stopped on an error; the rows written before stay";
                if !finish(conn, &ctx, ws, id, token, ImportStatus::Failed, Some(why)).await? {
                    // It never began: the queue tries it again.
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// Writes every row; the status it ends with, or `None` when the import is
/// no longer this run's (cancelled before it began, or taken by another).
async fn run(
    conn: &mut Conn,
    ctx: &Ctx,
    import: &ImportRow,
    token: Uuid,
    job_id: i64,
) -> anyhow::Result<Option<ImportStatus>> {
    let (ws, id) = (import.workspace_id, import.id);
    // A run begins afresh (a worker that vanished leaves its job to another):
    // the rows written before are known by their digests and change nothing.
    if rapport_db::imports::restart(conn, ws, id, token)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let bytes = rapport_db::imports::content(conn, ws, id).await?;
    let sheet = super::file::read_aside(bytes)
        .await
        .map_err(anyhow::Error::msg)?;
    let settings = import.settings();
    let rows = super::data_rows(&sheet, settings.header_row);
    let record = import.record_type;
    let fields = rapport_db::custom_fields::live(conn, ws, record.fields()).await?;
    let mut planner = Planner::new(ws, record, settings, fields);
    for (n, batch) in rows.chunks(BATCH).enumerate() {
        // The statistics of the tables the run fills are refreshed as they
        // double in this run: a plan made for a small table (its lookups by
        // address and by digest) would scan it whole for every batch after.
        if n.is_power_of_two() {
            if let Err(e) = rapport_db::imports::analyze(conn).await {
                tracing::debug!(error = %e, "the import could not refresh statistics");
            }
        }
        crate::jobs::JobCtx::heartbeat(conn, job_id).await?;
        if rapport_db::imports::cancel_requested(conn, ws, id).await? {
            return Ok(Some(ImportStatus::Cancelled));
        }
        let saved = planner.clone();
        let whole = conn
            .transaction::<_, diesel::result::Error, _>(async |c| {
                if !rapport_db::imports::hold_batch(c, ws, id, token).await? {
                    return Ok(false);
                }
                write(c, ctx, ws, id, &mut planner, batch).await?;
                Ok(true)
            })
            .await;
        let e = match whole {
            Ok(true) => continue,
            Ok(false) => return Ok(None),
            Err(e) => e,
        };
        tracing::info!(import = %id, error = %e, "a batch failed; writing it row by row");
        planner = saved;
        for row in batch {
            let saved = planner.clone();
            let one = conn
                .transaction::<_, diesel::result::Error, _>(async |c| {
                    if !rapport_db::imports::hold_batch(c, ws, id, token).await? {
                        return Ok(false);
                    }
                    write(c, ctx, ws, id, &mut planner, std::slice::from_ref(row)).await?;
                    Ok(true)
                })
                .await;
            let e = match one {
                Ok(true) => continue,
                Ok(false) => return Ok(None),
                Err(e) => e,
            };
            planner = saved;
            let reason = format!("could not be written: {}", plain(&e));
            let held = conn
                .transaction::<_, diesel::result::Error, _>(async |c| {
                    if !rapport_db::imports::hold_batch(c, ws, id, token).await? {
                        return Ok(false);
                    }
                    rapport_db::imports::reject(c, ws, id, &[(row.0, reason, row.1.clone())])
                        .await?;
                    let counts = ImportCounts {
                        processed: 1,
                        rejected: 1,
                        ..Default::default()
                    };
                    let import = rapport_db::imports::count(c, ws, id, &counts).await?;
                    announce(c, ctx, &import).await?;
                    Ok(true)
                })
                .await?;
            if !held {
                return Ok(None);
            }
        }
    }
    Ok(Some(ImportStatus::Completed))
}

/// Plans and writes one batch in the caller's transaction.
async fn write(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    id: Uuid,
    planner: &mut Planner,
    rows: &[(u32, Vec<String>)],
) -> diesel::QueryResult<()> {
    let planned = planner.plan(conn, rows).await?;
    let mut entries: Vec<(&'static str, &'static str, String, Value)> = Vec::new();

    // The organisations the batch names that do not exist yet.
    for (key, org) in planner.new_orgs() {
        let Org::New { id, name, domain } = org else {
            continue;
        };
        let row = rapport_db::organizations::insert(
            conn,
            &NewOrganization {
                workspace_id: ws,
                id,
                name,
                domain,
                ..Default::default()
            },
        )
        .await?;
        entries.push((
            "organization.created",
            "organization",
            row.record_id(),
            diff(&Value::Null, &row.audited()),
        ));
        planner.orgs.insert(key, Org::Found(id));
    }

    let mut counts = ImportCounts {
        processed: planned.len() as u32,
        ..Default::default()
    };
    let mut creates = Vec::new();
    let mut org_creates = Vec::new();
    let mut remember = Vec::new();
    let mut remember_orgs = Vec::new();
    let mut rejected = Vec::new();
    for Planned {
        row,
        cells,
        fingerprint,
        action,
        ..
    } in planned
    {
        match action {
            Action::Create(p) => {
                remember.push((fingerprint, p.id));
                creates.push(*p);
            }
            Action::Update { before, changes } => {
                let after =
                    rapport_db::people::update(conn, ws, before.id, before.version, &changes)
                        .await?
                        .ok_or(diesel::result::Error::NotFound)?;
                entries.push((
                    "person.updated",
                    "person",
                    after.record_id(),
                    diff(&before.audited(), &after.audited()),
                ));
                remember.push((fingerprint, after.id));
                counts.updated += 1;
            }
            Action::CreateOrganization(o) => {
                remember_orgs.push((fingerprint, o.id));
                org_creates.push(*o);
            }
            Action::UpdateOrganization { before, changes } => {
                let after = rapport_db::organizations::update(
                    conn,
                    ws,
                    before.id,
                    before.version,
                    &changes,
                )
                .await?
                .ok_or(diesel::result::Error::NotFound)?;
                entries.push((
                    "organization.updated",
                    "organization",
                    after.record_id(),
                    diff(&before.audited(), &after.audited()),
                ));
                remember_orgs.push((fingerprint, after.id));
                counts.updated += 1;
            }
            Action::Skip(_) => counts.skipped += 1,
            Action::Reject(reason) => rejected.push((row, reason, cells)),
        }
    }
    if !creates.is_empty() {
        for p in rapport_db::imports::insert_people(conn, &creates).await? {
            entries.push((
                "person.created",
                "person",
                p.record_id(),
                diff(&Value::Null, &p.audited()),
            ));
            counts.created += 1;
        }
    }
    if !org_creates.is_empty() {
        for o in rapport_db::imports::insert_organizations(conn, &org_creates).await? {
            entries.push((
                "organization.created",
                "organization",
                o.record_id(),
                diff(&Value::Null, &o.audited()),
            ));
            counts.created += 1;
        }
    }
    counts.rejected = rejected.len() as u32;
    rapport_db::imports::reject(conn, ws, id, &rejected).await?;
    rapport_db::imports::remember(conn, ws, &remember).await?;
    rapport_db::imports::remember_organizations(conn, ws, &remember_orgs).await?;
    let entries = entries
        .into_iter()
        .map(|(action, record_type, record_id, changes)| NewEntry {
            workspace_id: ws,
            actor_kind: ctx.actor_kind,
            actor_id: ctx.actor_id,
            action,
            record_type,
            record_id: Some(record_id),
            changes,
            ip: None,
            user_agent: None,
            request_id: ctx.request_id.as_deref(),
        })
        .collect();
    rapport_db::audit::append_many(conn, ws, entries).await?;
    let import = rapport_db::imports::count(conn, ws, id, &counts).await?;
    announce(conn, ctx, &import).await
}

/// Tells those who may import where the import stands (`import.updated`).
pub async fn announce(conn: &mut Conn, ctx: &Ctx, import: &ImportRow) -> diesel::QueryResult<()> {
    rapport_db::events::emit(
        conn,
        rapport_db::events::NewEvent {
            workspace_id: import.workspace_id,
            kind: rapport_domain::imports::UPDATED_EVENT,
            actor_kind: ctx.actor_kind,
            actor_id: ctx.actor_id,
            data: import.event(),
            permission: Permission::ImportsWrite.as_str(),
            subject_user_id: None,
        },
    )
    .await
    .map(|_| ())
}

/// Ends the run `token` with `status`, audited and announced; false when
/// the import is not that run's (another took it, or it never began).
async fn finish(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    id: Uuid,
    token: Uuid,
    status: ImportStatus,
    error: Option<&str>,
) -> anyhow::Result<bool> {
    conn.transaction::<_, crate::error::ApiError, _>(async |c| {
        if !rapport_db::imports::hold_batch(c, ws, id, token).await? {
            return Ok(false);
        }
        let before = rapport_db::imports::lock(c, ws, id)
            .await?
            .ok_or(crate::error::ApiError::NotFound)?;
        let after = rapport_db::imports::set_status(c, ws, id, status, error).await?;
        ctx.changed(c, ws, "updated", &before, &after).await?;
        Ok(true)
    })
    .await
    .map_err(|e| anyhow::anyhow!("cannot end the import: {e:?}"))
}

/// A database error in words for the report.
fn plain(e: &diesel::result::Error) -> String {
    match e {
        diesel::result::Error::DatabaseError(_, info) => info.message().to_string(),
        diesel::result::Error::NotFound => "the record changed meanwhile".into(),
        other => other.to_string(),
    }
}
