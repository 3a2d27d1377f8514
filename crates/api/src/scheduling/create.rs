use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Valid, Visible};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::scheduling::NewSession;
use rapport_domain::api::{CreateSessionRequest, SessionView};
use rapport_domain::problem::FieldCode;
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Schedule a session. Its host (the caller when left out) must be free
/// then, buffers included: otherwise 409 `host_busy`, and of many requests
/// for one time at once exactly one is scheduled. Honours `Idempotency-Key`.
///
/// With `recurrence`, it is the first of a series: its occurrences are made
/// a year ahead (and kept so by a job), each a session of its own, at the
/// same wall-clock time in the series' zone whatever summer time does. A
/// rule or zone that cannot be read answers 422; an occurrence the host
/// cannot take answers 409 `host_busy` naming its day; nothing is written
/// then. Answers the first occurrence, with its `series_id`.
#[utoipa::path(
    tag = "sessions",
    request_body = CreateSessionRequest,
    responses(
        (status = 201, description = "The session", body = SessionView),
        (status = 409, description = "The host already has a session at that time", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[post("/sessions")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateSessionRequest>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let Some(host_id) = body.host_id.or(caller.user_id()) else {
        return Err(ApiError::validation(
            "host_id",
            FieldCode::Required,
            "an API key names the session's host",
        ));
    };
    let new = NewSession {
        workspace_id: ws,
        id: Uuid::now_v7(),
        kind: body.kind.as_str().to_string(),
        title: body.title.trim().to_string(),
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        location: tidy(body.location.as_deref()),
        online_url: tidy(body.online_url.as_deref()),
        host_id: Some(host_id),
        notes: tidy(body.notes.as_deref()),
        fee_minor: body.fee.as_ref().map(|f| f.amount_minor),
        fee_currency: body.fee.as_ref().map(|f| f.currency.clone()),
        capacity: body.capacity,
        buffer_before_min: body.buffer_before_min,
        buffer_after_min: body.buffer_after_min,
        series_id: None,
        recurrence_id: None,
        status: None,
        cancel_reason: None,
        booked_by: None,
    };
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            super::check_host(conn, ws, host_id).await?;
            let participants =
                super::check_participants(conn, ws, &scope, &body.participant_ids).await?;
            let groups = super::check_groups(conn, ws, &body.group_ids).await?;
            let row = match &body.recurrence {
                None => {
                    rapport_db::scheduling::hold_host(conn, ws, host_id).await?;
                    let row = rapport_db::scheduling::insert(conn, &new).await?;
                    rapport_db::scheduling::set_participants(conn, ws, row.id, &participants)
                        .await?;
                    rapport_db::scheduling::set_groups(conn, ws, row.id, &groups).await?;
                    row
                }
                // The first of a series: the series is audited, and stands
                // for the occurrences it makes.
                Some(r) => {
                    let (series, made) =
                        super::series::create(conn, &new, r, &zone, &participants, &groups).await?;
                    ctx.created(conn, ws, &series).await?;
                    let first = made.into_iter().next().ok_or(ApiError::NotFound)?;
                    let session = super::Session::of(conn, first).await?;
                    let reply = Reply::created(&session.view())
                        .etag(session.row.version)
                        .location(format!("/api/v1/sessions/{}", session.row.id));
                    return idem.keep(conn, reply).await;
                }
            };
            let session = super::Session {
                row,
                participants,
                groups,
            };
            ctx.created(conn, ws, &session).await?;
            let reply = Reply::created(&session.view())
                .etag(session.row.version)
                .location(format!("/api/v1/sessions/{}", session.row.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
