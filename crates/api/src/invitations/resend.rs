use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent};
use crate::record::Found;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::InvitationCreated;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Send a pending invitation again, with a new token and a new 7-day term.
/// The old link stops working.
#[utoipa::path(
    tag = "invitations",
    params(("id" = Uuid, Path, description = "The invitation's id")),
    responses(
        (status = 200, description = "The invitation with its new token", body = InvitationCreated),
        (status = 409, description = "The invitation is no longer pending", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["invitations:manage"]))
)]
#[post("/invitations/{id}/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::InvitationsManage>,
    ctx: Ctx,
    idem: Idempotent,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<InvitationCreated>> {
    let id = id.into_inner();
    let ws = caller.workspace.clone();
    let token = secrets::random_token(32);
    let expires_at = chrono::Utc::now() + chrono::Duration::days(state.config.invitation_ttl_days);
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let before = rapport_db::invitations::find(conn, ws.id, id)
                .await?
                .found()?;
            let inv = rapport_db::invitations::renew(
                conn,
                ws.id,
                id,
                &rapport_db::sha256(&token),
                expires_at,
            )
            .await?
            .ok_or_else(|| {
                ApiError::conflict(Code::NotPending, "the invitation is no longer pending")
            })?;
            ctx.changed(conn, ws.id, "resent", &before, &inv).await?;
            super::send(&state, conn, &ws, &inv, &token, caller.user_id()).await?;
            let renewed = InvitationCreated {
                id: inv.id,
                email: inv.email.clone(),
                role: inv.role(),
                person_id: inv.person_id,
                expires_at: inv.expires_at,
                token: token.clone(),
            };
            // The answer holds a live token: never cached, never kept for a replay.
            idem.keep(conn, Reply::json(StatusCode::OK, &renewed).secret())
                .await
        })
        .await?;
    Ok(reply)
}
