use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SessionChanges;
use rapport_domain::api::{CancelSessionRequest, SessionStatus, SessionView};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Cancel a session, with a reason: it stays in the calendar, marked, and
/// its host's time is free again. With `If-Match`, only the version it
/// names; a session cancelled already answers 409 `cancelled`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    request_body = CancelSessionRequest,
    responses(
        (status = 200, description = "The session, cancelled", body = SessionView),
        (status = 409, description = "The session was cancelled already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[post("/sessions/{id}/cancel")]
pub async fn cancel(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<CancelSessionRequest>,
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
                    "this session was cancelled already",
                ));
            }
            let before = super::Session::of(conn, row).await?;
            let changes = SessionChanges {
                status: Some(SessionStatus::Cancelled.as_str().to_string()),
                cancel_reason: Some(Some(body.reason.trim().to_string())),
                ..Default::default()
            };
            let row = rapport_db::scheduling::update(conn, ws, id, before.row.version, &changes)
                .await?
                .current()?;
            let after = super::Session {
                row,
                participants: before.participants.clone(),
                groups: before.groups.clone(),
            };
            ctx.changed(conn, ws, "cancelled", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&session.view()).etag(session.row.version))
}
