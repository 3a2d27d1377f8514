//! Invitations by e-mail (iTIP, RFC 5546): each participant with an e-mail
//! address is sent the session as a calendar invitation (`METHOD:REQUEST`),
//! an update when its title, time, place or room changes (the same `UID`,
//! a higher `SEQUENCE`), and a cancellation (`METHOD:CANCEL`) when it is
//! cancelled or deleted or they no longer take part, so that it leaves
//! their calendar too.
//!
//! Every change of a session queues the `sessions.invite` job in its
//! transaction; the job compares the session as it is with what each
//! attendee was last sent (`session_invitations`) and sends only the
//! difference, so that however often it runs each change is sent once.
//! Held sessions and those in the past are left as they were sent; a
//! booking waiting for its host is sent once confirmed. Occurrences of a
//! series are in the participants' calendar feed, not sent one by one.

use crate::error::ApiError;
use crate::jobs::{Job, JobCtx, Registry};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{InvitationRow, SessionRow};
use rapport_db::Conn;
use rapport_domain::api::SessionStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ical::{invitation, Invitation, Method};

/// Brings the calendars of a session's attendees up to date.
#[derive(Debug, Serialize, Deserialize)]
pub struct Invite {
    pub workspace_id: Uuid,
    pub session_id: Uuid,
}

impl Job for Invite {
    const NAME: &'static str = "sessions.invite";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let from = address(&ctx.state.config.mail_from).to_string();
        let (ws, id) = (self.workspace_id, self.session_id);
        let sent = ctx
            .conn
            .transaction::<_, ApiError, _>(async |conn| send(conn, &from, ws, id).await)
            .await
            .map_err(|e| anyhow::anyhow!("sending the invitations of session {id}: {e:?}"))?;
        if sent > 0 {
            tracing::info!(%id, sent, "sent the invitations of a session");
        }
        Ok(())
    }
}

pub fn jobs(r: &mut Registry) {
    r.register::<Invite>();
}

/// The address of `Name <address>`, or the whole when it has no brackets.
fn address(from: &str) -> &str {
    match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.trim(),
    }
}

/// `at` as the wall clock of `zone` says it, the zone named.
pub(crate) fn spoken(at: DateTime<Utc>, zone: &str) -> String {
    match super::recurrence::zone(zone) {
        Ok(tz) => format!(
            "{} ({zone})",
            at.with_timezone(&tz).format("%A %d %B %Y, %H:%M")
        ),
        Err(_) => at.format("%A %d %B %Y, %H:%M UTC").to_string(),
    }
}

/// The workspace's time zone.
pub(crate) async fn zone_of(conn: &mut Conn, ws: Uuid) -> Result<String, ApiError> {
    Ok(rapport_db::workspaces::find(conn, ws)
        .await?
        .map(|w| w.time_zone)
        .unwrap_or_else(|| "UTC".into()))
}

/// What an attendee's calendar shows of a session: a change to any of it
/// is sent.
fn digest(s: &SessionRow) -> String {
    let shown = serde_json::json!([s.title, s.starts_at, s.ends_at, s.location, s.online_url]);
    hex::encode(&Sha256::digest(shown.to_string().as_bytes())[..16])
}

/// Sends what session `id` of `ws` needs sent; how many messages.
async fn send(conn: &mut Conn, from: &str, ws: Uuid, id: Uuid) -> Result<usize, ApiError> {
    let sent = rapport_db::scheduling::invitations(conn, ws, id).await?;
    let scope = crate::extract::Scope::Workspace(ws);
    let session = rapport_db::scheduling::find(conn, &scope, id).await?;
    let now = Utc::now();
    // Who should have it in their calendar now; `None` leaves every
    // calendar as it is.
    let wanted: Option<Vec<String>> = match &session {
        None => Some(vec![]),
        Some(s) if s.series_id.is_some() || s.ends_at <= now => None,
        Some(s) => match s.status {
            SessionStatus::Scheduled => {
                let mut to = rapport_db::scheduling::participant_emails(conn, ws, id).await?;
                to.sort_by_key(|e| e.to_lowercase());
                to.dedup_by_key(|e| e.to_lowercase());
                Some(to)
            }
            SessionStatus::Cancelled => Some(vec![]),
            SessionStatus::Pending | SessionStatus::Completed | SessionStatus::NoShow => None,
        },
    };
    let Some(wanted) = wanted else {
        return Ok(0);
    };
    let zone = zone_of(conn, ws).await?;
    let host = match session.as_ref().and_then(|s| s.host_id) {
        Some(h) => rapport_db::members::find(conn, ws, h).await?,
        None => None,
    };
    let organizer = host
        .as_ref()
        .map_or(("Rapport", from), |m| (m.name.as_str(), m.email.as_str()));
    let mut count = 0;
    if let Some(s) = &session {
        let shown = digest(s);
        for to in &wanted {
            let was = sent.iter().find(|r| r.email.eq_ignore_ascii_case(to));
            if was.is_some_and(|r| !r.cancelled && r.sent_digest == shown) {
                continue;
            }
            let sequence = was.map_or(0, |r| r.sequence + 1).max(s.version - 1);
            let calendar = invitation(
                &Invitation {
                    method: Method::Request,
                    uid: s.id,
                    sequence,
                    title: &s.title,
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    location: s.location.as_deref(),
                    online_url: s.online_url.as_deref(),
                    organizer,
                    attendee: to,
                },
                now,
            );
            let when = spoken(s.starts_at, &zone);
            let (subject, lead) = match was {
                Some(r) if !r.cancelled => (
                    format!("Updated: {} — {when}", s.title),
                    "has changed".to_string(),
                ),
                _ => (format!("Invitation: {} — {when}", s.title), String::new()),
            };
            let mut body = format!(
                "{}{}\nWhen: {when}\n",
                s.title,
                if lead.is_empty() {
                    String::new()
                } else {
                    format!(" {lead}")
                }
            );
            if let Some(l) = &s.location {
                body.push_str(&format!("Place: {l}\n"));
            }
            if let Some(u) = &s.online_url {
                body.push_str(&format!("Online room: {u}\n"));
            }
            body.push_str(&format!("With: {}\n\n", organizer.0));
            body.push_str("The invitation attached adds it to your calendar, and later changes update it there.\n");
            crate::mail::queue_with(conn, Some(ws), to, &subject, &body, Some(&calendar)).await?;
            rapport_db::scheduling::set_invitation(
                conn,
                ws,
                id,
                &InvitationRow {
                    email: to.clone(),
                    sequence,
                    cancelled: false,
                    sent_digest: shown.clone(),
                    title: s.title.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                },
            )
            .await?;
            count += 1;
        }
    }
    // Those who have it and should not any more: cancelled in their
    // calendar, unless it is over.
    for r in sent.iter().filter(|r| !r.cancelled) {
        if wanted.iter().any(|w| w.eq_ignore_ascii_case(&r.email)) || r.ends_at <= now {
            continue;
        }
        let version = session.as_ref().map_or(0, |s| s.version - 1);
        let sequence = (r.sequence + 1).max(version);
        let calendar = invitation(
            &Invitation {
                method: Method::Cancel,
                uid: id,
                sequence,
                title: &r.title,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                location: None,
                online_url: None,
                organizer,
                attendee: &r.email,
            },
            now,
        );
        let when = spoken(r.starts_at, &zone);
        let subject = format!("Cancelled: {} — {when}", r.title);
        let mut body = format!("{} on {when} is cancelled.\n", r.title);
        if let Some(reason) = session.as_ref().and_then(|s| s.cancel_reason.as_deref()) {
            body.push_str(&format!("Reason: {reason}\n"));
        }
        body.push_str("The cancellation attached takes it out of your calendar.\n");
        crate::mail::queue_with(conn, Some(ws), &r.email, &subject, &body, Some(&calendar)).await?;
        rapport_db::scheduling::set_invitation(
            conn,
            ws,
            id,
            &InvitationRow {
                sequence,
                cancelled: true,
                ..r.clone()
            },
        )
        .await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_address_is_taken_from_its_brackets() {
        assert_eq!(
            address("Rapport <no-reply@rapport.localhost>"),
            "no-reply@rapport.localhost"
        );
        assert_eq!(address(" team@example.com "), "team@example.com");
    }
}
