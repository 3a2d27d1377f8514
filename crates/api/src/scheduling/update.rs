use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SessionChanges;
use rapport_domain::api::{ApplyTo, SessionStatus, SessionView, UpdateSessionRequest};
use rapport_domain::problem::Code;
use rapport_domain::validate::{tidy, Validate};
use uuid::Uuid;

/// Change a session: move it, give it to another host, change who it is
/// for, or mark it `completed` or `no_show`. Only the fields sent change,
/// `null` clears one. A move must find the host free (409 `host_busy`); a
/// cancelled session is changed no more (409 `cancelled`). With `If-Match`,
/// only the version it names.
///
/// An occurrence of a series changes alone by default, and becomes an
/// exception that later changes to its series leave as it is. With
/// `apply_to` `following`, the series is split here and this and the
/// following occurrences change; with `all`, every occurrence that has not
/// begun changes. A move then shifts each by the same wall-clock time.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, description = "The session as changed", body = SessionView),
        (status = 409, description = "The host already has a session at that time, or the session was cancelled", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[patch("/sessions/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateSessionRequest>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // A change of several occurrences locks the series first, then
            // the rows, as every change of a series does.
            if body.apply_to.is_some_and(|a| a != ApplyTo::This) {
                let series = rapport_db::scheduling::find(conn, &scope, id)
                    .await?
                    .and_then(|r| r.series_id);
                if let Some(series_id) = series {
                    rapport_db::scheduling::lock_series(conn, ws, series_id).await?;
                }
            }
            let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if if_match.0.is_some_and(|v| v != row.version) {
                return Err(ApiError::PreconditionFailed);
            }
            if row.status == SessionStatus::Cancelled {
                return Err(ApiError::conflict(
                    Code::Cancelled,
                    "this session was cancelled; schedule a new one",
                ));
            }
            let before = super::Session::of(conn, row).await?;
            let changes = changes(&body);
            // The pair it will have must hold together.
            let starts_at = changes.starts_at.unwrap_or(before.row.starts_at);
            let ends_at = changes.ends_at.unwrap_or(before.row.ends_at);
            let mut errors = vec![];
            rapport_domain::api::CreateSessionRequest {
                kind: before.row.kind,
                title: before.row.title.clone(),
                starts_at,
                ends_at,
                host_id: None,
                location: None,
                online_url: None,
                notes: None,
                fee: None,
                capacity: None,
                buffer_before_min: 0,
                buffer_after_min: 0,
                participant_ids: vec![],
                group_ids: vec![],
                recurrence: None,
            }
            .check(&mut errors);
            let marked = matches!(
                body.status,
                Some(SessionStatus::Completed | SessionStatus::NoShow)
            );
            if marked && starts_at > chrono::Utc::now() {
                errors.push(rapport_domain::problem::FieldError::new(
                    "status",
                    rapport_domain::problem::FieldCode::Range,
                    "a session is marked completed or no-show once it has begun",
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            if let Some(host) = body.host_id.filter(|h| Some(*h) != before.row.host_id) {
                super::check_host(conn, ws, host).await?;
            }
            let participants = match &body.participant_ids {
                Some(ids) => {
                    let mut given = super::check_participants(conn, ws, &scope, ids).await?;
                    // A moderator limited to branches changes the people of
                    // theirs: those of other branches, which they do not
                    // see, stay.
                    if let crate::extract::Scope::Branches { .. } = scope {
                        let seen =
                            rapport_db::people::seen_live(conn, &scope, &before.participants)
                                .await?;
                        given.extend(before.participants.iter().filter(|p| !seen.contains(p)));
                    }
                    given
                }
                None => before.participants.clone(),
            };
            let groups = match &body.group_ids {
                Some(ids) => super::check_groups(conn, ws, ids).await?,
                None => before.groups.clone(),
            };
            let moved_people = participants != before.participants;
            let moved_groups = groups != before.groups;
            let apply_to = body.apply_to.unwrap_or_default();
            // Nothing to change here; but this occurrence may already hold
            // what its series is being given (it was changed alone before).
            let alone = before.row.series_id.is_none() || apply_to == ApplyTo::This;
            if alone && !changes.changes_anything(&before.row) && !moved_people && !moved_groups {
                return Ok(before);
            }
            if let (Some(series_id), true) = (before.row.series_id, apply_to != ApplyTo::This) {
                let series = rapport_db::scheduling::lock_series(conn, ws, series_id)
                    .await?
                    .found()?;
                let tz = super::recurrence::zone(&series.time_zone)
                    .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
                let wall = |t| super::recurrence::wall(tz, t);
                let shift = wall(starts_at) - wall(before.row.starts_at);
                // Another day would no longer be the days the rule names.
                let by_days = ["BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS"]
                    .iter()
                    .any(|p| series.rrule.contains(p));
                if by_days && wall(starts_at).date() != wall(before.row.starts_at).date() {
                    return Err(ApiError::validation(
                        "starts_at",
                        rapport_domain::problem::FieldCode::Invalid,
                        "this series repeats on given days: move its sessions within their day, or this one alone",
                    ));
                }
                let timed = changes.starts_at.is_some() || changes.ends_at.is_some();
                let duration_min = timed.then(|| (ends_at - starts_at).num_minutes() as i32);
                let template = SessionChanges {
                    starts_at: None,
                    ends_at: None,
                    status: None,
                    ..changes
                };
                let through = super::series::Through {
                    series,
                    occurrence: before.row.clone(),
                };
                super::series::change(
                    conn,
                    &ctx,
                    through,
                    apply_to == ApplyTo::Following,
                    shift,
                    duration_min,
                    template,
                    body.participant_ids.as_ref().map(|_| participants.clone()),
                    body.group_ids.as_ref().map(|_| groups.clone()),
                )
                .await?;
                let row = rapport_db::scheduling::find(conn, &scope, id)
                    .await?
                    .found()?;
                return super::Session::of(conn, row).await;
            }
            // An occurrence changed on its own is an exception of its series.
            let changes = SessionChanges {
                exception: before.row.series_id.map(|_| true),
                ..changes
            };
            let takes_time = changes.starts_at.is_some()
                || changes.ends_at.is_some()
                || changes.host_id.is_some()
                || changes.buffer_before_min.is_some()
                || changes.buffer_after_min.is_some();
            if let (true, Some(host)) =
                (takes_time, changes.host_id.flatten().or(before.row.host_id))
            {
                rapport_db::scheduling::hold_host(conn, ws, host).await?;
            }
            let row = rapport_db::scheduling::update(conn, ws, id, before.row.version, &changes)
                .await?
                .current()?;
            if moved_people {
                rapport_db::scheduling::set_participants(conn, ws, id, &participants).await?;
            }
            if moved_groups {
                rapport_db::scheduling::set_groups(conn, ws, id, &groups).await?;
            }
            if moved_people || moved_groups || changes.starts_at.is_some() {
                // Whoever the session is no longer for takes their record
                // with them (a new day may change a class's members).
                for gone in rapport_db::scheduling::drop_stray_attendance(conn, ws, id).await? {
                    ctx.removed(conn, ws, "deleted", &gone).await?;
                }
            }
            let after = super::Session {
                row,
                participants,
                groups,
            };
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    // As the caller sees it (a limited moderator, their branches' people).
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}

fn changes(body: &UpdateSessionRequest) -> SessionChanges {
    let tidied = |v: &Option<Option<String>>| v.as_ref().map(|v| tidy(v.as_deref()));
    SessionChanges {
        kind: body.kind.map(|k| k.as_str().to_string()),
        title: body.title.as_deref().map(|t| t.trim().to_string()),
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        location: tidied(&body.location),
        online_url: tidied(&body.online_url),
        host_id: body.host_id.map(Some),
        status: body.status.map(|s| s.as_str().to_string()),
        cancel_reason: None,
        notes: tidied(&body.notes),
        fee_minor: body
            .fee
            .as_ref()
            .map(|f| f.as_ref().map(|f| f.amount_minor)),
        fee_currency: body
            .fee
            .as_ref()
            .map(|f| f.as_ref().map(|f| f.currency.clone())),
        capacity: body.capacity,
        buffer_before_min: body.buffer_before_min,
        buffer_after_min: body.buffer_after_min,
        series_id: None,
        recurrence_id: None,
        exception: None,
    }
}
