//! A session logged on a device, perhaps while it was offline, and sent
//! when the connection came back: applied once, by the id the device gave
//! it, and refused with its reason when the session was cancelled,
//! invoiced or changed since the device showed it.

use super::attendance::{Recorder, Taker};
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use chrono::SubsecRound;
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SessionRow;
use rapport_db::session_logs::{self, SessionLogRow};
use rapport_db::Conn;
use rapport_domain::api::{LogSessionRequest, SessionLogView, SessionStatus};
use rapport_domain::problem::Code;
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Apply a session's log made on a device: held (`completed`) and/or
/// attendance, with the rights of `PUT /sessions/{id}/attendance` and
/// `POST /sessions/{id}/complete`. A `logged_at` ahead of the server's
/// clock is taken as now. The same log (same `id`, same content)
/// sent again changes nothing and answers `replayed: true`; the same `id`
/// with another body answers 422. A log is refused, and nothing changes,
/// when the session was cancelled (409 `cancelled`), is invoiced (409
/// `invoiced`) or changed since the device showed its `version` (412
/// `stale_version`, the detail saying what changed), or when a line it
/// records was recorded otherwise after its `logged_at` (412
/// `stale_version`), unless the session already is as the log would leave
/// it.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    request_body = LogSessionRequest,
    responses(
        (status = 200, description = "The log applied, or applied before (`replayed`)", body = SessionLogView),
        (status = 409, description = "The session was cancelled or is invoiced", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The session, or a line of its register, changed since the device logged it", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid, or the log's id was used for another log", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["attendance:write"]), ("api_key" = ["attendance:write"]))
)]
#[post("/sessions/{id}/logs")]
pub async fn apply(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    recorder: Recorder,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<LogSessionRequest>,
) -> ApiResult<Reply<SessionLogView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let now = chrono::Utc::now();
    let records: Vec<_> = body
        .records
        .iter()
        .map(|r| rapport_domain::api::AttendanceEntry {
            person_id: r.person_id,
            status: r.status,
            note: tidy(r.note.as_deref()),
        })
        .collect();
    let log = SessionLogRow {
        workspace_id: ws,
        id: body.id,
        session_id: id,
        user_id: caller.user_id(),
        based_on: body.version,
        completed: body.completed,
        records: serde_json::to_value(&records).map_err(ApiError::internal)?,
        // A device whose clock is ahead logged it now at the latest.
        logged_at: body.logged_at.min(now).trunc_subsecs(6),
        applied_at: now.trunc_subsecs(6),
    };
    let medals = caller
        .workspace
        .modules
        .contains(&rapport_domain::Module::Medals);
    let conn = db.conn().await?;
    let (log, session, replayed) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // One log of a session at a time: the second of two sent at
            // once finds the first's row.
            let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if !session_logs::claim(conn, &log).await? {
                let first = session_logs::find(conn, ws, log.id).await?.found()?;
                let same = (
                    first.session_id,
                    first.user_id,
                    first.based_on,
                    first.completed,
                    &first.records,
                ) == (
                    log.session_id,
                    log.user_id,
                    log.based_on,
                    log.completed,
                    &log.records,
                );
                if !same {
                    return Err(ApiError::Unprocessable {
                        code: Code::IdempotencyKeyReused,
                        detail: "this log's id was given to another log".into(),
                    });
                }
                let session = super::Session::of(conn, row).await?;
                return Ok((first, session, true));
            }
            let taker = Taker {
                ws,
                scope: &scope,
                recorder: &recorder,
                by: caller.user_id(),
                medals,
                ctx: &ctx,
            };
            // Whose lines the caller may log, before anything is said of
            // what the register holds.
            if !records.is_empty() {
                taker.allowed(conn, &row, &records).await?;
            }
            refuse_if_conflicting(conn, ws, &row, &log, &records).await?;
            if !records.is_empty() {
                taker.take(conn, &row, &records).await?;
            }
            let session = if log.completed {
                taker.complete(conn, row).await?
            } else {
                super::Session::of(conn, row).await?
            };
            Ok((log, session, false))
        })
        .await?;
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    let version = session.row.version;
    Ok(Reply::ok(&SessionLogView {
        id: log.id,
        session_id: log.session_id,
        replayed,
        logged_at: log.logged_at,
        applied_at: log.applied_at,
        session: view,
    })
    .etag(version))
}

/// Refuses a log that would change a session cancelled, invoiced, or
/// changed since the device showed it, or a line of its register recorded
/// otherwise after the log was made; a log that changes nothing passes.
async fn refuse_if_conflicting(
    conn: &mut Conn,
    ws: Uuid,
    row: &SessionRow,
    log: &SessionLogRow,
    records: &[rapport_domain::api::AttendanceEntry],
) -> Result<(), ApiError> {
    if row.status == SessionStatus::Cancelled {
        return Err(ApiError::conflict(
            Code::Cancelled,
            "the session was cancelled after this was logged",
        ));
    }
    let register = rapport_db::scheduling::attendance_of(conn, ws, row.id).await?;
    let as_logged = (!log.completed || row.status == SessionStatus::Completed)
        && records.iter().all(|r| {
            register
                .get(&r.person_id)
                .is_some_and(|a| a.status == r.status && a.note == r.note)
        });
    if as_logged {
        return Ok(());
    }
    if session_logs::invoiced(conn, ws, row.id).await? {
        return Err(ApiError::conflict(
            Code::Invoiced,
            "the session was invoiced after this was logged: a credit note gives its line back first",
        ));
    }
    if row.version != log.based_on {
        let what = match row.status {
            SessionStatus::NoShow => "it was marked no-show".to_string(),
            SessionStatus::Pending => "it waits for its host's confirmation".to_string(),
            _ => format!(
                "it now runs {} to {} (UTC)",
                row.starts_at.format("%Y-%m-%d %H:%M"),
                row.ends_at.format("%H:%M")
            ),
        };
        return Err(ApiError::Changed(format!(
            "the session changed after this was logged ({what}); look at it again and log it anew"
        )));
    }
    // A line someone recorded otherwise after the device logged it: the
    // register changed since (recording a line leaves the session's own
    // version as it was).
    let overtaken = records.iter().any(|r| {
        register.get(&r.person_id).is_some_and(|a| {
            a.recorded_at > log.logged_at && (a.status != r.status || a.note != r.note)
        })
    });
    if overtaken {
        return Err(ApiError::Changed(
            "the register was taken after this was logged; look at it again and log it anew".into(),
        ));
    }
    Ok(())
}
