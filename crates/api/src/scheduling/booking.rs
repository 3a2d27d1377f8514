//! Bookings: a member books a free slot of a host, or a seat of a group
//! session; staff book for a person. Every path that makes a session hold
//! time goes through the host's exclusion constraint, under the host's
//! lock, so that of fifty bookings of one slot at once exactly one is made
//! and the others answer 409 `host_busy`; seats are counted under the
//! session's lock, so that of many bookings of the last seat exactly one is
//! made. A booking the host must confirm is `pending` and holds no time
//! until the host confirms it (the constraint then decides).

use super::slots::{self, Rules};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Caller, Ctx, Db, Idempotent, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{NewSession, SessionChanges, SessionRow};
use rapport_db::Conn;
use rapport_domain::api::{
    BookingRequest, CancelSessionRequest, RescheduleRequest, SessionKind, SessionStatus,
    SessionView,
};
use rapport_domain::problem::{Code, FieldCode};
use rapport_domain::Permission;
use uuid::Uuid;

/// Whom a booking is for: staff name a live person; a member books for a
/// person linked to them (the first when they name none).
async fn person_for(
    conn: &mut Conn,
    caller: &Caller,
    asked: Option<Uuid>,
) -> Result<Uuid, ApiError> {
    let ws = caller.workspace_id();
    if caller.allows(Permission::SessionsWrite) {
        let Some(p) = asked else {
            return Err(ApiError::validation(
                "person_id",
                FieldCode::Required,
                "staff name the person a booking is for",
            ));
        };
        let scope = <crate::people::Policy as crate::extract::Policy>::scope(caller);
        super::check_participants(conn, ws, &scope, &[p]).await?;
        return Ok(p);
    }
    let user = caller.user_id().ok_or_else(|| {
        ApiError::Forbidden("an API key books for a person it names, with sessions:write".into())
    })?;
    let own = rapport_db::scheduling::linked_people(conn, ws, user).await?;
    match asked {
        Some(p) if own.contains(&p) => Ok(p),
        Some(_) => Err(ApiError::Forbidden(
            "a member books for themself only".into(),
        )),
        None => own.first().copied().ok_or_else(|| {
            ApiError::validation(
                "person_id",
                FieldCode::Unknown,
                "no person is linked to you in this workspace: ask staff to book for you",
            )
        }),
    }
}

/// The rule of `kind` in `ws` as the slot search reads it, with `duration`
/// minutes when given.
async fn rules_for(
    conn: &mut Conn,
    ws: Uuid,
    kind: SessionKind,
    duration: Option<i32>,
) -> Result<(Rules, rapport_domain::api::BookingRule, bool), ApiError> {
    let stored = rapport_db::scheduling::booking_rules(conn, ws)
        .await?
        .into_iter()
        .find(|r| r.kind == kind.as_str());
    let set = stored.is_some();
    let rule = stored.map(|r| r.rule()).unwrap_or_default();
    Ok((Rules::of(&rule, duration), rule, set))
}

/// Whether `host` of `ws` offers a slot at `starts_at` by `rules`, with
/// the host's lock held: 422 when it is not one of their slots at all
/// (hours, notice, window), 409 `host_busy` when another session (or a
/// limit) took it. `except` is a session that does not count (the one being
/// moved).
async fn check_slot(
    conn: &mut Conn,
    ws: Uuid,
    default_zone: &str,
    host: Uuid,
    starts_at: chrono::DateTime<Utc>,
    rules: &Rules,
    except: Option<&SessionRow>,
) -> Result<(), ApiError> {
    rapport_db::scheduling::hold_host(conn, ws, host).await?;
    let v = super::availability::hours_of(conn, ws, host, default_zone).await?;
    let hours = super::availability::hours(&v)?;
    let (from, to) = (starts_at - Duration::days(1), starts_at + Duration::days(1));
    let m = |n: i32| Duration::minutes(n as i64);
    let held: Vec<slots::Held> = rapport_db::scheduling::held(
        conn,
        ws,
        host,
        from - Duration::days(8),
        to + Duration::days(8),
    )
    .await?
    .into_iter()
    .filter(|(s, e, ..)| except.is_none_or(|x| !(x.starts_at == *s && x.ends_at == *e)))
    .map(|(s, e, b, a)| (s, e, m(b), m(a)))
    .collect();
    let now = Utc::now();
    let at = |list: &[slots::Held]| {
        slots::slots(&hours, rules, list, from, to, now)
            .iter()
            .any(|s| s.starts_at == starts_at)
    };
    if at(&held) {
        return Ok(());
    }
    if at(&[]) {
        return Err(ApiError::conflict(
            Code::HostBusy,
            "this slot was just taken (or the host's limit for that day or week is reached): choose another",
        ));
    }
    Err(ApiError::validation(
        "starts_at",
        FieldCode::Range,
        "not a free slot of this host: see GET /availability/slots",
    ))
}

/// Book a free slot of a host (`host_id`, `starts_at`, a `kind` whose rule
/// gives the length and buffers), or a seat of a group session
/// (`session_id`). A member books for themself; staff name the person. The
/// slot must be one `GET /availability/slots` offers: 422 otherwise, 409
/// `host_busy` when another booking took it first; a full session answers
/// 409 `full`. A booking the host must confirm is `pending`. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "sessions",
    request_body = BookingRequest,
    responses(
        (status = 201, description = "The session booked", body = SessionView),
        (status = 409, description = "The slot or the last seat was taken", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["bookings:write"]), ("api_key" = ["bookings:write"]))
)]
#[post("/bookings")]
pub async fn book(
    mut db: Db,
    caller: Authz<perm::BookingsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<BookingRequest>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let zone = caller.workspace.time_zone.clone();
    let by = caller.user_id();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let person = person_for(conn, &caller, body.person_id).await?;
            let staff = caller.allows(Permission::SessionsWrite);
            let session = match body.session_id {
                Some(id) => seat(conn, &ctx, ws, id, person).await?,
                None => slot(conn, &ctx, ws, &zone, by, staff, person, &body).await?,
            };
            let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
            let reply = Reply::created(&view)
                .etag(session.row.version)
                .location(format!("/api/v1/sessions/{}", session.row.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}

/// A seat of group session `id` for `person`, counted under the session's
/// lock.
async fn seat(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    id: Uuid,
    person: Uuid,
) -> Result<super::Session, ApiError> {
    let scope = crate::extract::Scope::Workspace(ws);
    let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
        .await?
        .found()?;
    let Some(capacity) = row.capacity else {
        return Err(ApiError::validation(
            "session_id",
            FieldCode::Invalid,
            "this session has no seats to book: book a slot of its host",
        ));
    };
    if row.status != SessionStatus::Scheduled || row.starts_at <= Utc::now() {
        return Err(ApiError::conflict(
            Code::Cancelled,
            "this session cannot be booked any more",
        ));
    }
    let before = super::Session::of(conn, row).await?;
    if before.participants.contains(&person) {
        return Ok(before);
    }
    // Everyone it is for takes a seat: named, or through a group.
    let taken = rapport_db::scheduling::people_of(conn, ws, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .len();
    if taken >= capacity as usize {
        return Err(ApiError::conflict(
            Code::Full,
            "every seat of this session is taken",
        ));
    }
    rapport_db::scheduling::add_participant(conn, ws, id, person).await?;
    let row = rapport_db::scheduling::update(
        conn,
        ws,
        id,
        before.row.version,
        &SessionChanges::default(),
    )
    .await?
    .current()?;
    let after = super::Session::of(conn, row).await?;
    ctx.changed(conn, ws, "updated", &before, &after).await?;
    Ok(after)
}

/// A new session in a free slot of a host for `person`.
#[allow(clippy::too_many_arguments)]
async fn slot(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    zone: &str,
    by: Option<Uuid>,
    staff: bool,
    person: Uuid,
    body: &BookingRequest,
) -> Result<super::Session, ApiError> {
    let (Some(host), Some(starts_at)) = (body.host_id, body.starts_at) else {
        return Err(ApiError::validation(
            "host_id",
            FieldCode::Required,
            "is required",
        ));
    };
    super::check_host(conn, ws, host).await?;
    let kind = body.kind.unwrap_or(SessionKind::Consultation);
    let (rules, rule, set) = rules_for(conn, ws, kind, body.duration_min).await?;
    // A member books what the workspace offers, as it offers it.
    if !staff {
        if !set {
            return Err(ApiError::validation(
                "kind",
                FieldCode::OneOf,
                "this kind of session is not booked here",
            ));
        }
        if body.duration_min.is_some_and(|d| d != rule.duration_min) {
            return Err(ApiError::validation(
                "duration_min",
                FieldCode::Invalid,
                "a member books the length the workspace set for this kind",
            ));
        }
    }
    check_slot(conn, ws, zone, host, starts_at, &rules, None).await?;
    let title = match body.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => default_title(kind).to_string(),
    };
    let new = NewSession {
        workspace_id: ws,
        id: Uuid::now_v7(),
        kind: kind.as_str().to_string(),
        title,
        starts_at,
        ends_at: starts_at + rules.duration,
        location: None,
        online_url: None,
        host_id: Some(host),
        notes: None,
        fee_minor: None,
        fee_currency: None,
        capacity: None,
        buffer_before_min: rule.buffer_before_min,
        buffer_after_min: rule.buffer_after_min,
        series_id: None,
        recurrence_id: None,
        status: rule
            .requires_confirmation
            .then(|| SessionStatus::Pending.as_str().to_string()),
        cancel_reason: None,
        booked_by: by,
    };
    let row = rapport_db::scheduling::insert(conn, &new).await?;
    rapport_db::scheduling::set_participants(conn, ws, row.id, &[person]).await?;
    let session = super::Session {
        row,
        participants: vec![person],
        groups: vec![],
    };
    ctx.created(conn, ws, &session).await?;
    Ok(session)
}

/// What a booked session is called unless the booking names it.
pub fn default_title(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Lesson => "Lesson",
        SessionKind::Tutoring => "Tutoring",
        SessionKind::Consultation => "Consultation",
        SessionKind::Meeting => "Meeting",
    }
}

/// The booking `id` the caller may change: one they made, or any for staff.
async fn own_booking(
    conn: &mut Conn,
    caller: &Caller,
    scope: &crate::extract::Scope,
    id: Uuid,
) -> Result<SessionRow, ApiError> {
    let ws = caller.workspace_id();
    let row = rapport_db::scheduling::lock(conn, ws, scope, id)
        .await?
        .found()?;
    if !caller.allows(Permission::SessionsWrite)
        && (row.booked_by.is_none() || row.booked_by != caller.user_id())
        && row.capacity.is_none()
    {
        return Err(ApiError::Forbidden(
            "a member changes the bookings they made".into(),
        ));
    }
    if row.status == SessionStatus::Cancelled {
        return Err(ApiError::conflict(
            Code::Cancelled,
            "this booking was cancelled",
        ));
    }
    if row.starts_at <= Utc::now() {
        return Err(ApiError::validation(
            "starts_at",
            FieldCode::Past,
            "this session has begun: it is changed by its host",
        ));
    }
    Ok(row)
}

/// Move a booking to another free slot of its host (422 when it is not
/// one, 409 `host_busy` when it was just taken). A member moves the
/// bookings they made; staff any.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The booked session's id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "The session, moved", body = SessionView),
        (status = 409, description = "The slot was taken", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["bookings:write"]), ("api_key" = ["bookings:write"]))
)]
#[post("/bookings/{id}/reschedule")]
pub async fn reschedule(
    mut db: Db,
    caller: Authz<perm::BookingsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<RescheduleRequest>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let zone = caller.workspace.time_zone.clone();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = own_booking(conn, &caller, &scope, id).await?;
            if row.capacity.is_some() && !caller.allows(Permission::SessionsWrite) {
                return Err(ApiError::Forbidden(
                    "a group session is moved by its host or staff".into(),
                ));
            }
            let Some(host) = row.host_id else {
                return Err(ApiError::conflict(
                    Code::Cancelled,
                    "this booking has no host any more",
                ));
            };
            let kind = row.kind;
            let minutes = (row.ends_at - row.starts_at).num_minutes() as i32;
            let (rules, rule, _) = rules_for(conn, ws, kind, Some(minutes)).await?;
            check_slot(conn, ws, &zone, host, body.starts_at, &rules, Some(&row)).await?;
            let staff = caller.allows(Permission::SessionsWrite);
            let before = super::Session::of(conn, row).await?;
            let changes = SessionChanges {
                starts_at: Some(body.starts_at),
                ends_at: Some(body.starts_at + rules.duration),
                // A member's move waits for the host again where the host
                // confirms bookings.
                status: (!staff && rule.requires_confirmation)
                    .then(|| SessionStatus::Pending.as_str().to_string()),
                // An occurrence moved alone is an exception of its series.
                exception: before.row.series_id.map(|_| true),
                ..Default::default()
            };
            let after = before.change(conn, &ctx, "updated", &changes).await?;
            Ok(after)
        })
        .await?;
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}

/// Cancel a booking, with a reason: a booked slot is cancelled (its time
/// freed); a seat of a group session is given up (the session goes on). A
/// member cancels their own; staff any.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The booked session's id")),
    request_body = CancelSessionRequest,
    responses((status = 200, description = "The session as it is after", body = SessionView)),
    security(("bearer" = ["bookings:write"]), ("api_key" = ["bookings:write"]))
)]
#[post("/bookings/{id}/cancel")]
pub async fn cancel(
    mut db: Db,
    caller: Authz<perm::BookingsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<CancelSessionRequest>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = own_booking(conn, &caller, &scope, id).await?;
            let before = super::Session::of(conn, row).await?;
            let seat = before.row.capacity.is_some();
            let changes = if seat {
                // Their seat only; staff name whose through the session.
                let user = caller.user_id().unwrap_or_default();
                let own = rapport_db::scheduling::linked_people(conn, ws, user).await?;
                let mine: Vec<Uuid> = before
                    .participants
                    .iter()
                    .filter(|p| own.contains(p))
                    .copied()
                    .collect();
                if mine.is_empty() {
                    return Err(ApiError::validation(
                        "id",
                        FieldCode::Unknown,
                        "you have no seat of this session",
                    ));
                }
                for p in &mine {
                    rapport_db::scheduling::remove_participant(conn, ws, id, *p).await?;
                }
                SessionChanges::default()
            } else {
                SessionChanges {
                    status: Some(SessionStatus::Cancelled.as_str().to_string()),
                    cancel_reason: Some(Some(body.reason.trim().to_string())),
                    ..Default::default()
                }
            };
            let row = rapport_db::scheduling::update(conn, ws, id, before.row.version, &changes)
                .await?
                .current()?;
            let after = super::Session::of(conn, row).await?;
            let verb = if seat { "updated" } else { "cancelled" };
            ctx.changed(conn, ws, verb, &before, &after).await?;
            if !seat {
                super::tell_cancelled(conn, &ctx, &after.row).await?;
            }
            Ok(after)
        })
        .await?;
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}

/// Confirm a pending booking: it then holds its host's time, if the host is
/// still free (409 `host_busy` otherwise: of two pending requests for one
/// hour, only one can be confirmed). The host or staff confirm.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session, scheduled", body = SessionView),
        (status = 409, description = "The host is no longer free then, or it is not pending", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["bookings:write"]), ("api_key" = ["bookings:write"]))
)]
#[post("/sessions/{id}/confirm")]
pub async fn confirm(
    mut db: Db,
    caller: Authz<perm::BookingsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            let hosts = row.host_id.is_some() && row.host_id == caller.user_id();
            if !hosts && !caller.allows(Permission::SessionsWrite) {
                return Err(ApiError::Forbidden(
                    "the host or staff confirm a booking".into(),
                ));
            }
            if row.status != SessionStatus::Pending {
                return Err(ApiError::conflict(
                    Code::NotPending,
                    "this session is not waiting to be confirmed",
                ));
            }
            if let Some(h) = row.host_id {
                rapport_db::scheduling::hold_host(conn, ws, h).await?;
            }
            let before = super::Session::of(conn, row).await?;
            let changes = SessionChanges {
                status: Some(SessionStatus::Scheduled.as_str().to_string()),
                ..Default::default()
            };
            let after = before.change(conn, &ctx, "updated", &changes).await?;
            Ok(after)
        })
        .await?;
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}
