use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SessionChanges;
use rapport_domain::api::{SessionStatus, SessionView, UpdateSessionRequest};
use rapport_domain::problem::Code;
use rapport_domain::validate::{tidy, Validate};
use uuid::Uuid;

/// Change a session: move it, give it to another host, change who it is
/// for, or mark it `completed` or `no_show`. Only the fields sent change,
/// `null` clears one. A move must find the host free (409 `host_busy`); a
/// cancelled session is changed no more (409 `cancelled`). With `If-Match`,
/// only the version it names.
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
                Some(ids) => super::check_participants(conn, ws, ids).await?,
                None => before.participants.clone(),
            };
            let groups = match &body.group_ids {
                Some(ids) => super::check_groups(conn, ws, ids).await?,
                None => before.groups.clone(),
            };
            let moved_people = participants != before.participants;
            let moved_groups = groups != before.groups;
            if !changes.changes_anything(&before.row) && !moved_people && !moved_groups {
                return Ok(before);
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
            let after = super::Session {
                row,
                participants,
                groups,
            };
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&session.view()).etag(session.row.version))
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
    }
}
