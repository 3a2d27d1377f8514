//! iCalendar (RFC 5545): a member's private feed of their sessions, which
//! Google or Apple Calendar subscribe to, and one session as an `.ics`
//! file.
//!
//! Each session is one event, its times in UTC, so that a subscriber's
//! calendar shows exactly the instants Rapport holds, summer time or not,
//! without a time-zone table. An occurrence of a series is an event of its
//! own, with a stable `UID` (the session's id), a `SEQUENCE` that grows with
//! each change, and `STATUS:CANCELLED` once cancelled, so that a cancelled
//! occurrence leaves the subscriber's calendar too; its series is named in
//! `RELATED-TO`.
//!
//! Invitations by e-mail (iTIP, [`super::invitations`]) are built here too:
//! a session on its own with the session's id as its `UID` (as in the feed),
//! a series as one event whose `UID` is the series' id.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Caller, Db, Visible};
use crate::record::Found;
use crate::respond::File;
use crate::respond::{NoContent, Reply};
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{SessionFilter, SessionRow, SessionSort};
use rapport_db::scope::Scope;
use rapport_domain::api::{CalendarFeed, SessionStatus};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The most events a feed holds: its window is bounded, and so is this.
const FEED_MAX: usize = 2000;
/// Calendar requests a minute from one address (a calendar program asks
/// every few hours).
const FEED_RATE: u32 = 60;

fn ics(name: &str, body: String) -> File {
    File(
        HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header((
                "content-disposition",
                format!("inline; filename=\"{name}.ics\""),
            ))
            .insert_header(("cache-control", "private, max-age=300"))
            .body(body),
    )
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Appends `line`, folded at 75 octets (RFC 5545 3.1), never inside a
/// character.
fn push(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A calendar of `sessions`, named `name`.
pub fn calendar(name: &str, sessions: &[SessionRow], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rapport//Sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push(&mut out, l);
    }
    push(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    push(&mut out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    for s in sessions {
        push(&mut out, "BEGIN:VEVENT");
        push(&mut out, &format!("UID:{}@rapport", s.id));
        push(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
        push(&mut out, &format!("DTSTART:{}", utc(s.starts_at)));
        push(&mut out, &format!("DTEND:{}", utc(s.ends_at)));
        push(&mut out, &format!("SUMMARY:{}", text(&s.title)));
        push(&mut out, &format!("SEQUENCE:{}", s.version - 1));
        push(&mut out, &format!("CREATED:{}", utc(s.created_at)));
        push(&mut out, &format!("LAST-MODIFIED:{}", utc(s.updated_at)));
        let status = match s.status {
            SessionStatus::Cancelled => "CANCELLED",
            SessionStatus::Pending => "TENTATIVE",
            _ => "CONFIRMED",
        };
        push(&mut out, &format!("STATUS:{status}"));
        if let Some(l) = &s.location {
            push(&mut out, &format!("LOCATION:{}", text(l)));
        }
        if let Some(u) = &s.online_url {
            push(&mut out, &format!("URL:{}", u.replace(['\r', '\n'], "")));
        }
        if let Some(r) = &s.cancel_reason {
            push(&mut out, &format!("DESCRIPTION:{}", text(r)));
        }
        if let Some(series) = s.series_id {
            push(
                &mut out,
                &format!("RELATED-TO;RELTYPE=SIBLING:{series}@rapport"),
            );
        }
        push(&mut out, "END:VEVENT");
    }
    push(&mut out, "END:VCALENDAR");
    out
}

/// An iTIP method (RFC 5546): an invitation or its update, or its
/// cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// One session as an iTIP message to one attendee.
pub struct Invitation<'a> {
    pub method: Method,
    /// The event's UID: a session's id (as in the feed and the `.ics`
    /// download), or a series' id when the whole series is cancelled.
    pub uid: Uuid,
    pub sequence: i32,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
    /// Who organises it (the host): a name and an address.
    pub organizer: (&'a str, &'a str),
    pub attendee: &'a str,
}

/// A parameter's value (RFC 5545 3.2): quoted, without the characters a
/// quoted value cannot hold.
fn param(v: &str) -> String {
    let clean: String = v.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{clean}\"")
}

/// The lines every iTIP message to an attendee has: who organises, who is
/// asked.
fn people(out: &mut String, organizer: (&str, &str), attendee: &str) {
    let (name, address) = organizer;
    push(
        out,
        &format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(name),
            address.replace(['\r', '\n'], "")
        ),
    );
    push(
        out,
        &format!(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{}",
            attendee.replace(['\r', '\n'], "")
        ),
    );
}

/// Where: a place and a room, when there are.
fn place(out: &mut String, location: Option<&str>, online_url: Option<&str>) {
    if let Some(l) = location {
        push(out, &format!("LOCATION:{}", text(l)));
    }
    if let Some(u) = online_url {
        push(out, &format!("URL:{}", u.replace(['\r', '\n'], "")));
    }
}

fn begin(out: &mut String, method: Method) {
    let method = match method {
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
    };
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rapport//Sessions//EN",
        "CALSCALE:GREGORIAN",
        &format!("METHOD:{method}"),
    ] {
        push(out, l);
    }
}

/// The calendar of an invitation, its update or its cancellation.
pub fn invitation(i: &Invitation<'_>, stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    begin(&mut out, i.method);
    push(&mut out, "BEGIN:VEVENT");
    push(&mut out, &format!("UID:{}@rapport", i.uid));
    push(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
    push(&mut out, &format!("DTSTART:{}", utc(i.starts_at)));
    push(&mut out, &format!("DTEND:{}", utc(i.ends_at)));
    push(&mut out, &format!("SUMMARY:{}", text(i.title)));
    push(&mut out, &format!("SEQUENCE:{}", i.sequence));
    let status = match i.method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    push(&mut out, &format!("STATUS:{status}"));
    people(&mut out, i.organizer, i.attendee);
    place(&mut out, i.location, i.online_url);
    for l in ["END:VEVENT", "END:VCALENDAR"] {
        push(&mut out, l);
    }
    out
}

/// An occurrence of a series changed on its own, named by its original
/// start.
pub struct Exception<'a> {
    pub recurrence_local: NaiveDateTime,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub title: &'a str,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
}

/// A series as one invitation: its rule on the wall clock of its zone
/// (with the zone's `VTIMEZONE`), the occurrences it no longer has as
/// `EXDATE`s, and those changed on their own as events of the same `UID`
/// with their `RECURRENCE-ID`.
pub struct SeriesInvitation<'a> {
    pub uid: Uuid,
    pub sequence: i32,
    pub title: &'a str,
    pub zone: &'a str,
    pub timezone: &'a [String],
    pub starts_local: NaiveDateTime,
    pub ends_local: NaiveDateTime,
    pub rrule: &'a str,
    pub exdates: &'a [NaiveDateTime],
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
    pub organizer: (&'a str, &'a str),
    pub attendee: &'a str,
    pub exceptions: &'a [Exception<'a>],
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// The calendar of a series' invitation or its update.
pub fn series_invitation(i: &SeriesInvitation<'_>, stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    begin(&mut out, Method::Request);
    for l in i.timezone {
        push(&mut out, l);
    }
    let zone = i.zone.replace(['\r', '\n', ':', ';'], "");
    let head = |out: &mut String, title: &str| {
        push(out, "BEGIN:VEVENT");
        push(out, &format!("UID:{}@rapport", i.uid));
        push(out, &format!("DTSTAMP:{}", utc(stamp)));
        push(out, &format!("SUMMARY:{}", text(title)));
        push(out, &format!("SEQUENCE:{}", i.sequence));
        push(out, "STATUS:CONFIRMED");
    };
    head(&mut out, i.title);
    push(
        &mut out,
        &format!("DTSTART;TZID={zone}:{}", local(i.starts_local)),
    );
    push(
        &mut out,
        &format!("DTEND;TZID={zone}:{}", local(i.ends_local)),
    );
    push(&mut out, &format!("RRULE:{}", i.rrule));
    for d in i.exdates {
        push(&mut out, &format!("EXDATE;TZID={zone}:{}", local(*d)));
    }
    people(&mut out, i.organizer, i.attendee);
    place(&mut out, i.location, i.online_url);
    push(&mut out, "END:VEVENT");
    for e in i.exceptions {
        head(&mut out, e.title);
        push(
            &mut out,
            &format!("RECURRENCE-ID;TZID={zone}:{}", local(e.recurrence_local)),
        );
        push(&mut out, &format!("DTSTART:{}", utc(e.starts_at)));
        push(&mut out, &format!("DTEND:{}", utc(e.ends_at)));
        people(&mut out, i.organizer, i.attendee);
        place(&mut out, e.location, e.online_url);
        push(&mut out, "END:VEVENT");
    }
    push(&mut out, "END:VCALENDAR");
    out
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The caller's own member id: a feed is a person's, never an API key's.
fn member(caller: &Caller) -> Result<Uuid, ApiError> {
    caller.user_id().ok_or_else(|| {
        ApiError::Forbidden("a calendar feed is a member's own: sign in to make one".into())
    })
}

/// Make (or replace) the caller's private calendar feed: the sessions they
/// hold or take part in, from 90 days ago to a year ahead, for Google or
/// Apple Calendar to subscribe to. The address is shown once; a new one
/// stops the old from working.
#[utoipa::path(
    tag = "sessions",
    responses((status = 201, description = "The feed's address", body = CalendarFeed)),
    security(("bearer" = ["sessions:read"]))
)]
#[post("/sessions/feed")]
pub async fn make_feed(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    state: web::Data<crate::state::AppState>,
) -> ApiResult<Reply<CalendarFeed>> {
    let user = member(&caller)?;
    let token = crate::auth::secrets::random_token(32);
    let conn = db.conn().await?;
    let (ws, hash) = (caller.workspace_id(), digest(&token));
    conn.transaction::<_, ApiError, _>(async |conn| {
        Ok(rapport_db::scheduling::set_feed(conn, ws, user, &hash).await?)
    })
    .await?;
    let base = state.config.public_url.trim_end_matches('/');
    Ok(Reply::created(&CalendarFeed {
        url: format!("{base}/ical/{token}.ics"),
    })
    .secret())
}

/// Revoke the caller's calendar feed: its address stops working at once.
#[utoipa::path(
    tag = "sessions",
    responses((status = 204, description = "Revoked")),
    security(("bearer" = ["sessions:read"]))
)]
#[delete("/sessions/feed")]
pub async fn drop_feed(mut db: Db, caller: Authz<perm::SessionsRead>) -> ApiResult<NoContent> {
    let user = member(&caller)?;
    let conn = db.conn().await?;
    if !rapport_db::scheduling::drop_feed(conn, caller.workspace_id(), user).await? {
        return Err(ApiError::NotFound);
    }
    Ok(NoContent)
}

/// A private calendar feed, by its secret address: no other sign-in.
#[utoipa::path(
    tag = "sessions",
    params(("file" = String, Path, description = "`<token>.ics`")),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 429, description = "Too many calendar requests from one address", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/ical/{file}")]
pub async fn feed(
    mut db: Db,
    req: actix_web::HttpRequest,
    state: web::Data<crate::state::AppState>,
    file: web::Path<String>,
) -> ApiResult<File> {
    // Counted before the address is read, so that guessing addresses is
    // slowed down as much as reading one.
    let ip = crate::extract::ctx::client_ip(&req, &state.config).unwrap_or_default();
    let conn = db.conn().await?;
    if let Err(info) = crate::ratelimit::hit(conn, &format!("ical:{ip}"), FEED_RATE).await? {
        return Err(info.refused(format!(
            "at most {} calendar requests a minute from one address",
            info.limit
        )));
    }
    let token = file.strip_suffix(".ics").ok_or(ApiError::NotFound)?;
    if token.is_empty() || token.len() > 100 {
        return Err(ApiError::NotFound);
    }
    let (ws, user, made) = rapport_db::scheduling::feed_owner(conn, &digest(token))
        .await?
        .found()?;
    // A member who has left has no feed any more, nor the one they had
    // before they came back.
    let member = rapport_db::members::find(conn, ws, user).await?.found()?;
    if member.joined_at > made {
        return Err(ApiError::NotFound);
    }
    // Their own sessions, whatever their role: those they hold and those of
    // the people linked to them.
    let scope = Scope::Person {
        workspace_id: ws,
        user_id: user,
        email: String::new(),
    };
    let now = Utc::now();
    let filter = SessionFilter {
        from: Some(now - Duration::days(90)),
        to: Some(now + super::recurrence::horizon()),
        ..Default::default()
    };
    let page = rapport_db::list::PageRequest {
        sort: <SessionSort as rapport_db::list::Sorts>::DEFAULT,
        after: None,
        limit: FEED_MAX as i64,
    };
    let rows = rapport_db::scheduling::list(conn, &scope, &filter, &page).await?;
    Ok(ics("rapport", calendar("Rapport", &rows, now)))
}

/// One session as an `.ics` file, to add to any calendar.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses((status = 200, description = "The session", content_type = "text/calendar", body = String)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/sessions/{id}/ics")]
pub async fn one(
    mut db: Db,
    _caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<File> {
    let conn = db.conn().await?;
    let row = rapport_db::scheduling::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let name = format!("session-{}", row.id);
    let title = row.title.clone();
    Ok(ics(&name, calendar(&title, &[row], Utc::now())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_escaped_and_long_lines_folded_between_characters() {
        assert_eq!(text("a;b,c\\d\ne\r"), "a\\;b\\,c\\\\d\\ne");
        let mut out = String::new();
        push(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }
}
