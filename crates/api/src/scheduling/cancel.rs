use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SessionChanges;
use rapport_domain::api::{ApplyTo, CancelSessionRequest, SessionStatus, SessionView};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Cancel a session, with a reason: it stays in the calendar, marked, and
/// its host's time is free again. With `If-Match`, only the version it
/// names; a session cancelled already answers 409 `cancelled`.
///
/// For an occurrence of a series, `apply_to` `following` cancels this one
/// and every one after it, `all` every one that has not begun, exceptions
/// included, and the series ends: no more are made.
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
                    "this session was cancelled already",
                ));
            }
            let reason = body.reason.trim().to_string();
            let apply_to = body.apply_to.unwrap_or_default();
            if let (Some(series_id), true) = (row.series_id, apply_to != ApplyTo::This) {
                let series = rapport_db::scheduling::lock_series(conn, ws, series_id)
                    .await?
                    .found()?;
                let through = super::series::Through {
                    series,
                    occurrence: row.clone(),
                };
                let following = apply_to == ApplyTo::Following;
                super::series::cancel(conn, &ctx, &through, following, &reason).await?;
            }
            // This one, whether or not it has begun (the series' others are
            // those that have not).
            let row = rapport_db::scheduling::find(conn, &scope, id)
                .await?
                .found()?;
            let before = super::Session::of(conn, row).await?;
            if before.row.status == SessionStatus::Cancelled {
                return Ok(before);
            }
            let changes = SessionChanges {
                status: Some(SessionStatus::Cancelled.as_str().to_string()),
                cancel_reason: Some(Some(reason)),
                exception: before.row.series_id.map(|_| true),
                ..Default::default()
            };
            let after = before.change(conn, &ctx, "cancelled", &changes).await?;
            Ok(after)
        })
        .await?;
    // As the caller sees it (a limited moderator, their branches' people).
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}
