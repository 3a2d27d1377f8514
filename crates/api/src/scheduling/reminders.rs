//! Reminders before sessions: the workspace says how long before (an hour
//! until it says otherwise; 0 for none), and a job sends each reminder once
//! per session and start, by e-mail to the host and the participants, and
//! in the app as a `session.reminder` event to the host and to those who
//! schedule. A session moved later is reminded of again at its new time.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use actix_web::{get, put, web::Json};
use chrono::Utc;
use diesel_async::AsyncConnection;
use rapport_domain::api::ActorKind;
use rapport_domain::api::ReminderSettings;
use rapport_domain::Permission;
use serde::{Deserialize, Serialize};

impl crate::record::Audited for ReminderSettings {
    const KIND: &'static str = "reminder_settings";
    const HEARD_BY: Permission = Permission::SessionsWrite;
    fn record_id(&self) -> String {
        "workspace".into()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// How long before its sessions the workspace reminds of them.
#[utoipa::path(
    tag = "sessions",
    responses((status = 200, description = "The lead time", body = ReminderSettings)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/sessions/reminders")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
) -> ApiResult<Json<ReminderSettings>> {
    let conn = db.conn().await?;
    let lead_min = rapport_db::scheduling::reminder_lead(conn, caller.workspace_id()).await?;
    Ok(Json(ReminderSettings { lead_min }))
}

/// Set how long before its sessions the workspace reminds of them (0: no
/// reminders).
#[utoipa::path(
    tag = "sessions",
    request_body = ReminderSettings,
    responses((status = 200, description = "The lead time", body = ReminderSettings)),
    security(("bearer" = ["booking_rules:manage"]), ("api_key" = ["booking_rules:manage"]))
)]
#[put("/sessions/reminders")]
pub async fn write(
    mut db: Db,
    caller: Authz<perm::BookingRulesManage>,
    ctx: Ctx,
    Valid(body): Valid<ReminderSettings>,
) -> ApiResult<Json<ReminderSettings>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = ReminderSettings {
            lead_min: rapport_db::scheduling::reminder_lead(conn, ws).await?,
        };
        rapport_db::scheduling::set_reminder_lead(conn, ws, body.lead_min).await?;
        if before != body {
            ctx.changed(conn, ws, "updated", &before, &body).await?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(body))
}

/// Sends the reminders that are due.
#[derive(Debug, Serialize, Deserialize)]
pub struct Remind {}

impl Job for Remind {
    const NAME: &'static str = "sessions.remind";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = ctx.conn;
        let mut sent = 0usize;
        // Bounded: a backlog is worked off over the next runs.
        for _ in 0..20 {
            let due = rapport_db::scheduling::due_reminders(conn, Utc::now(), 200).await?;
            if due.is_empty() {
                break;
            }
            for d in due {
                let done = conn
                    .transaction::<_, ApiError, _>(async |conn| remind(conn, &d).await)
                    .await
                    .map_err(|e| anyhow::anyhow!("reminding of session {}: {e:?}", d.session_id))?;
                sent += usize::from(done);
            }
        }
        tracing::info!(sent, "sent the reminders of sessions");
        Ok(())
    }
}

/// Sends one reminder, once: false when another run sent it.
async fn remind(
    conn: &mut rapport_db::Conn,
    d: &rapport_db::scheduling::DueReminder,
) -> Result<bool, ApiError> {
    let ws = d.workspace_id;
    if !rapport_db::scheduling::claim_reminder(conn, ws, d.session_id, d.starts_at).await? {
        return Ok(false);
    }
    let scope = crate::extract::Scope::Workspace(ws);
    let Some(s) = rapport_db::scheduling::find(conn, &scope, d.session_id).await? else {
        return Ok(false);
    };
    let zone = super::invitations::zone_of(conn, ws).await?;
    let when = super::invitations::spoken(s.starts_at, &zone);
    let mut to = rapport_db::scheduling::participant_emails(conn, ws, s.id).await?;
    if let Some(host) = s.host_id {
        if let Some(m) = rapport_db::members::find(conn, ws, host).await? {
            to.push(m.email);
        }
    }
    to.sort();
    to.dedup();
    let subject = format!("Reminder: {} — {when}", s.title);
    let mut body = format!("{} starts {when}.\n", s.title);
    if let Some(l) = &s.location {
        body.push_str(&format!("Place: {l}\n"));
    }
    if let Some(u) = &s.online_url {
        body.push_str(&format!("Online room: {u}\n"));
    }
    for address in &to {
        crate::mail::queue(conn, Some(ws), address, &subject, &body).await?;
    }
    // In the app: those who schedule and the host, then each participant
    // who signs in, on their own.
    let data = serde_json::json!({"id": s.id, "title": s.title, "starts_at": s.starts_at});
    let mut hear = vec![(Permission::SessionsWrite.as_str(), s.host_id)];
    for user in rapport_db::scheduling::participant_users(conn, ws, s.id).await? {
        if Some(user) != s.host_id {
            hear.push((rapport_db::events::SUBJECT_ONLY, Some(user)));
        }
    }
    for (permission, subject_user_id) in hear {
        rapport_db::events::emit(
            conn,
            rapport_db::events::NewEvent {
                workspace_id: ws,
                kind: "session.reminder",
                actor_kind: ActorKind::System,
                actor_id: None,
                data: data.clone(),
                permission,
                subject_user_id,
            },
        )
        .await?;
    }
    // And in the inbox of each who signs in, with a link to the session.
    let mut users = rapport_db::scheduling::participant_users(conn, ws, s.id).await?;
    users.extend(s.host_id);
    crate::messaging::notify(
        conn,
        &crate::extract::Ctx::system("rapport reminders"),
        ws,
        &users,
        &format!(
            "Reminder: **{}** starts {when}.",
            crate::messaging::escape(&s.title)
        ),
        Some(("session", s.id)),
    )
    .await?;
    Ok(true)
}

pub fn jobs(r: &mut Registry) {
    r.register::<Remind>();
}

pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "sessions.remind",
        chrono::Duration::minutes(5),
        CatchUp::Latest,
        |_| Remind {},
    ));
}
