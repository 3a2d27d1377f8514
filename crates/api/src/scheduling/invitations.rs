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
//! booking waiting for its host is sent once confirmed.
//!
//! A series is one invitation, not one per occurrence: its rule on the wall
//! clock of its zone (with the zone's `VTIMEZONE`), the occurrences it no
//! longer has as `EXDATE`s, and those changed on their own as events of
//! the same `UID` with their `RECURRENCE-ID`; any change to it or to one
//! of its occurrences sends it whole again with a higher `SEQUENCE`, and
//! when nothing is left of it, it is cancelled.

use crate::error::ApiError;
use crate::jobs::{Job, JobCtx, Registry};
use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{InvitationRow, SeriesRow, SessionRow};
use rapport_db::Conn;
use rapport_domain::api::SessionStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ical::{invitation, series_invitation, Exception, Invitation, Method, SeriesInvitation};

/// Brings the calendars of a session's attendees up to date.
#[derive(Debug, Serialize, Deserialize)]
pub struct Invite {
    pub workspace_id: Uuid,
    /// A session's id, or a series' when `series`.
    pub session_id: Uuid,
    #[serde(default)]
    pub series: bool,
}

impl Job for Invite {
    const NAME: &'static str = "sessions.invite";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let from = address(&ctx.state.config.mail_from).to_string();
        let (ws, id, series) = (self.workspace_id, self.session_id, self.series);
        let sent = ctx
            .conn
            .transaction::<_, ApiError, _>(async |conn| send(conn, &from, ws, id, series).await)
            .await
            .map_err(|e| anyhow::anyhow!("sending the invitations of session {id}: {e:?}"))?;
        if sent > 0 {
            tracing::info!(%id, sent, "sent the invitations of a session");
        }
        Ok(())
    }
}

/// Brings the invitations of a group's coming sessions up to date after
/// its members changed: each session and series the group takes part in
/// is sent what it needs (as [`Invite`] does).
#[derive(Debug, Serialize, Deserialize)]
pub struct InviteGroup {
    pub workspace_id: Uuid,
    pub group_id: Uuid,
}

impl Job for InviteGroup {
    const NAME: &'static str = "sessions.invite_group";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let from = address(&ctx.state.config.mail_from).to_string();
        let ws = self.workspace_id;
        let coming =
            rapport_db::scheduling::coming_of_group(ctx.conn, ws, self.group_id, Utc::now())
                .await?;
        let mut sent = 0;
        for (id, series) in coming {
            sent += ctx
                .conn
                .transaction::<_, ApiError, _>(async |conn| send(conn, &from, ws, id, series).await)
                .await
                .map_err(|e| anyhow::anyhow!("sending the invitations of {id}: {e:?}"))?;
        }
        if sent > 0 {
            tracing::info!(group = %self.group_id, sent, "sent the invitations of a group's sessions");
        }
        Ok(())
    }
}

pub fn jobs(r: &mut Registry) {
    r.register::<Invite>();
    r.register::<InviteGroup>();
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

/// What a calendar shows: a session, or a series with what it no longer
/// has and its occurrences changed on their own.
enum Shape {
    One(SessionRow),
    Series {
        series: SeriesRow,
        rrule: String,
        timezone: Vec<String>,
        exdates: Vec<NaiveDateTime>,
        /// Each occurrence changed on its own, with its original start on
        /// the wall clock.
        exceptions: Vec<(NaiveDateTime, SessionRow)>,
    },
}

impl Shape {
    /// The calendar of a REQUEST.
    fn request(
        &self,
        sequence: i32,
        organizer: (&str, &str),
        attendee: &str,
        stamp: DateTime<Utc>,
    ) -> String {
        match self {
            Shape::One(s) => invitation(
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
                    attendee,
                },
                stamp,
            ),
            Shape::Series {
                series,
                rrule,
                timezone,
                exdates,
                exceptions,
            } => {
                let exceptions: Vec<Exception<'_>> = exceptions
                    .iter()
                    .map(|(at, o)| Exception {
                        recurrence_local: *at,
                        starts_at: o.starts_at,
                        ends_at: o.ends_at,
                        title: &o.title,
                        location: o.location.as_deref(),
                        online_url: o.online_url.as_deref(),
                    })
                    .collect();
                series_invitation(
                    &SeriesInvitation {
                        uid: series.id,
                        sequence,
                        title: &series.title,
                        zone: &series.time_zone,
                        timezone,
                        starts_local: series.starts_local,
                        ends_local: series.starts_local
                            + chrono::Duration::minutes(series.duration_min as i64),
                        rrule,
                        exdates,
                        location: series.location.as_deref(),
                        online_url: series.online_url.as_deref(),
                        organizer,
                        attendee,
                        exceptions: &exceptions,
                    },
                    stamp,
                )
            }
        }
    }

    /// A digest of what any attendee's calendar would show: a change to
    /// any of it is sent.
    fn digest(&self, organizer: (&str, &str)) -> String {
        let shown = self.request(0, organizer, "", DateTime::<Utc>::UNIX_EPOCH);
        hex::encode(&Sha256::digest(shown.as_bytes())[..16])
    }
}

/// What a session or a series should be in its attendees' calendars.
struct Offer {
    shape: Shape,
    /// Who should have it in their calendar.
    wanted: Vec<String>,
    organizer: (String, String),
    /// Its first (or only) occurrence, as messages name it.
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    location: Option<String>,
    online_url: Option<String>,
    /// Its version: a sequence never lower than it.
    version: i32,
    cancel_reason: Option<String>,
    /// Every occurrence has ended: nobody new is invited.
    over: bool,
}

/// What should be done with the calendars of a session or a series.
enum Wanted {
    /// They stay as they are: held, over, or waiting for its host.
    AsTheyAre,
    /// It leaves every calendar (why, when it was cancelled).
    Nobody(Option<String>),
    Offer(Box<Offer>),
}

/// Sends what session (or series, `series`) `id` of `ws` needs sent; how
/// many messages.
async fn send(
    conn: &mut Conn,
    from: &str,
    ws: Uuid,
    id: Uuid,
    series: bool,
) -> Result<usize, ApiError> {
    let scope = crate::extract::Scope::Workspace(ws);
    // An occurrence's invitation is its series'.
    let series_id = if series {
        Some(id)
    } else {
        rapport_db::scheduling::find(conn, &scope, id)
            .await?
            .and_then(|s| s.series_id)
    };
    let uid = series_id.unwrap_or(id);
    // One sender at a time per invitation, and what it sends is read after
    // the lock: a sender that read before another committed would send an
    // older state with a newer sequence.
    rapport_db::scheduling::lock_invitations(conn, uid).await?;
    let sent = rapport_db::scheduling::invitations(conn, ws, uid).await?;
    let session = match series_id {
        Some(_) => None,
        None => rapport_db::scheduling::find(conn, &scope, id).await?,
    };
    let now = Utc::now();
    let wanted = match (series_id, session) {
        (Some(sid), _) => series_offer(conn, ws, sid, from, now).await?,
        (None, None) => Wanted::Nobody(None),
        (None, Some(s)) => session_offer(conn, ws, s, from, now).await?,
    };
    let (offer, gone_because) = match wanted {
        Wanted::AsTheyAre => return Ok(0),
        Wanted::Nobody(why) => (None, why),
        Wanted::Offer(o) => (Some(o), None),
    };
    let zone = zone_of(conn, ws).await?;
    let fallback = ("Rapport".to_string(), from.to_string());
    let organizer = offer.as_ref().map_or(&fallback, |o| &o.organizer);
    let organizer = (organizer.0.as_str(), organizer.1.as_str());
    let mut count = 0;
    if let Some(o) = &offer {
        let shown = o.shape.digest(organizer);
        for to in &o.wanted {
            let was = sent.iter().find(|r| r.email.eq_ignore_ascii_case(to));
            if was.is_some_and(|r| !r.cancelled && r.sent_digest == shown) {
                continue;
            }
            // Over: only those who have it are told of a change (a series
            // split after its last past occurrence ends there).
            if o.over && was.is_none_or(|r| r.cancelled) {
                continue;
            }
            let sequence = was.map_or(0, |r| r.sequence + 1).max(o.version - 1);
            let calendar = o.shape.request(sequence, organizer, to, now);
            let when = spoken(o.starts_at, &zone);
            let (subject, lead) = match was {
                Some(r) if !r.cancelled => {
                    (format!("Updated: {} — {when}", o.title), "has changed")
                }
                _ => (
                    format!("Invitation: {} — {when}", o.title),
                    "is in your calendar",
                ),
            };
            let mut body = format!("{} {lead}.\n", o.title);
            body.push_str(&format!("When: {when}"));
            if let Shape::Series { .. } = o.shape {
                body.push_str(", then as it repeats");
            }
            body.push('\n');
            if let Some(l) = &o.location {
                body.push_str(&format!("Place: {l}\n"));
            }
            if let Some(u) = &o.online_url {
                body.push_str(&format!("Online room: {u}\n"));
            }
            body.push_str(&format!("With: {}\n\n", organizer.0));
            body.push_str("The invitation attached adds it to your calendar, and later changes update it there.\n");
            crate::mail::queue_with(conn, Some(ws), to, &subject, &body, Some(&calendar)).await?;
            rapport_db::scheduling::set_invitation(
                conn,
                ws,
                uid,
                &InvitationRow {
                    // The row already kept, however the address is spelt now.
                    email: was.map_or_else(|| to.clone(), |r| r.email.clone()),
                    sequence,
                    cancelled: false,
                    sent_digest: shown.clone(),
                    title: o.title.clone(),
                    starts_at: o.starts_at,
                    ends_at: o.ends_at,
                },
            )
            .await?;
            count += 1;
        }
    }
    // Those who have it and should not any more: cancelled in their
    // calendar, unless a session of its own is over.
    let wanted = offer.as_ref().map_or(&[][..], |o| &o.wanted[..]);
    for r in sent.iter().filter(|r| !r.cancelled) {
        if wanted.iter().any(|w| w.eq_ignore_ascii_case(&r.email))
            || (series_id.is_none() && r.ends_at <= now)
        {
            continue;
        }
        let version = offer.as_ref().map_or(0, |o| o.version - 1);
        let sequence = (r.sequence + 1).max(version);
        let calendar = invitation(
            &Invitation {
                method: Method::Cancel,
                uid,
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
        let mut body = match series_id {
            Some(_) => format!("{}, repeating from {when}, is cancelled.\n", r.title),
            None => format!("{} on {when} is cancelled.\n", r.title),
        };
        let reason = offer.as_ref().map_or(&gone_because, |o| &o.cancel_reason);
        if let Some(reason) = reason {
            body.push_str(&format!("Reason: {reason}\n"));
        }
        body.push_str("The cancellation attached takes it out of your calendar.\n");
        crate::mail::queue_with(conn, Some(ws), &r.email, &subject, &body, Some(&calendar)).await?;
        rapport_db::scheduling::set_invitation(
            conn,
            ws,
            uid,
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

/// The host as organiser: their name and address (Rapport's when none).
async fn organizer_of(
    conn: &mut Conn,
    ws: Uuid,
    host: Option<Uuid>,
    from: &str,
) -> Result<(String, String), ApiError> {
    let member = match host {
        Some(h) => rapport_db::members::find(conn, ws, h).await?,
        None => None,
    };
    Ok(member.map_or_else(
        || ("Rapport".to_string(), from.to_string()),
        |m| (m.name, m.email),
    ))
}

/// The e-mail addresses of the people session `id` is for, each once.
async fn attendees(conn: &mut Conn, ws: Uuid, id: Uuid) -> Result<Vec<String>, ApiError> {
    let mut to = rapport_db::scheduling::participant_emails(conn, ws, id).await?;
    to.sort_by_key(|e| e.to_lowercase());
    to.dedup_by_key(|e| e.to_lowercase());
    Ok(to)
}

/// A session on its own.
async fn session_offer(
    conn: &mut Conn,
    ws: Uuid,
    s: SessionRow,
    from: &str,
    now: DateTime<Utc>,
) -> Result<Wanted, ApiError> {
    if s.ends_at <= now {
        return Ok(Wanted::AsTheyAre);
    }
    let wanted = match s.status {
        SessionStatus::Scheduled => attendees(conn, ws, s.id).await?,
        SessionStatus::Cancelled => vec![],
        SessionStatus::Pending | SessionStatus::Completed | SessionStatus::NoShow => {
            return Ok(Wanted::AsTheyAre)
        }
    };
    Ok(Wanted::Offer(Box::new(Offer {
        wanted,
        organizer: organizer_of(conn, ws, s.host_id, from).await?,
        title: s.title.clone(),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        location: s.location.clone(),
        online_url: s.online_url.clone(),
        version: s.version,
        cancel_reason: s.cancel_reason.clone(),
        over: false,
        shape: Shape::One(s),
    })))
}

fn internal(e: String) -> ApiError {
    ApiError::Internal(anyhow::anyhow!(e))
}

/// A series as one invitation.
async fn series_offer(
    conn: &mut Conn,
    ws: Uuid,
    id: Uuid,
    from: &str,
    now: DateTime<Utc>,
) -> Result<Wanted, ApiError> {
    let Some(series) = rapport_db::scheduling::find_series(conn, ws, id).await? else {
        return Ok(Wanted::Nobody(None));
    };
    let occurrences = rapport_db::scheduling::occurrences(conn, ws, id).await?;
    let over = occurrences.iter().all(|o| o.ends_at <= now);
    let held: Vec<&SessionRow> = occurrences
        .iter()
        .filter(|o| o.status != SessionStatus::Cancelled)
        .collect();
    // Its people: those of its next occurrence (a class's members as they
    // will be), else of its last.
    let Some(next) = held.iter().find(|o| o.ends_at > now).or(held.last()) else {
        // Cancelled whole: why, as its last occurrence says.
        let why = occurrences
            .iter()
            .rev()
            .find_map(|o| o.cancel_reason.clone());
        return Ok(Wanted::Nobody(why));
    };
    let tz = super::recurrence::zone(&series.time_zone).map_err(internal)?;
    let rule = super::recurrence::parse(&series.rrule).map_err(internal)?;
    let rrule = match series.ends_before {
        Some(end) => rule
            .ending_before(tz, series.starts_local, end)
            .map_err(internal)?,
        None => Some(rule.text()),
    };
    let Some(rrule) = rrule else {
        return Ok(Wanted::Nobody(None));
    };
    let wanted = attendees(conn, ws, next.id).await?;
    let first = occurrences.first().map_or(next.starts_at, |o| o.starts_at);
    let first_end = occurrences.first().map_or(next.ends_at, |o| o.ends_at);
    let time = series.starts_local.time();
    let mut exdates: Vec<NaiveDateTime> = series.exdates.iter().map(|d| d.and_time(time)).collect();
    let mut exceptions = vec![];
    for o in &occurrences {
        let Some(original) = o.recurrence_id else {
            continue;
        };
        // Named at the rule's time of day: the rule makes at most one a
        // day, and a past occurrence keeps the time it had before its
        // series was moved (coming ones move with it).
        let at = super::recurrence::wall(tz, original).date().and_time(time);
        if o.status == SessionStatus::Cancelled {
            exdates.push(at);
        } else if o.exception {
            exceptions.push((at, o.clone()));
        }
    }
    exdates.sort();
    exdates.dedup();
    // Its zone's changes of offset for ten years from its first start
    // (not from today: the same series is the same invitation).
    let timezone = super::recurrence::vtimezone(
        tz,
        &series.time_zone,
        first - chrono::Duration::days(1),
        first + chrono::Duration::days(3653),
    );
    Ok(Wanted::Offer(Box::new(Offer {
        wanted,
        organizer: organizer_of(conn, ws, series.host_id, from).await?,
        title: series.title.clone(),
        starts_at: first,
        ends_at: first_end,
        location: series.location.clone(),
        online_url: series.online_url.clone(),
        version: series.version,
        cancel_reason: next.cancel_reason.clone(),
        over,
        shape: Shape::Series {
            series,
            rrule,
            timezone,
            exdates,
            exceptions,
        },
    })))
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
