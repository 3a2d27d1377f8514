use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_db::tokens::Redeemed;
use rapport_domain::api::{RefreshRequest, TokenResponse};

/// Rotate a refresh token: the old one is spent, a new pair is issued.
///
/// The refresh token comes in the body or, from browsers, in the `HttpOnly`
/// cookie. Presenting a spent token revokes its whole family, with one
/// exception for a client that lost the answer of its rotation: within a few
/// seconds of the rotation (`RAPPORT_REFRESH_REUSE_GRACE_SECS`, 5 by default),
/// while the new token has not been used, the old one is honoured once more
/// and the unused new one is revoked.
#[utoipa::path(
    tag = "auth",
    request_body(content = RefreshRequest, description = "May be empty when the cookie is sent"),
    responses(
        (status = 200, description = "A new access and refresh token", body = TokenResponse),
        (status = 401, description = "Unknown, expired or reused refresh token", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    mut db: Db,
    req: HttpRequest,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<Reply<TokenResponse>> {
    let presented = tokens::presented(&req, body.and_then(|b| b.into_inner().refresh_token))
        .ok_or_else(|| ApiError::Unauthorized("no refresh token".into()))?;
    let hash = rapport_db::sha256(&presented);
    let conn = db.conn().await?;
    let answer = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // Under the person's session lock: a sign-out running at the same
            // time either sees the new token or ends the family before it.
            if let Some((_, user_id, _)) = rapport_db::tokens::family_of(conn, &hash).await? {
                rapport_db::tokens::lock_sessions(conn, user_id).await?;
            }
            match rapport_db::tokens::redeem_refresh(
                conn,
                &hash,
                state.config.refresh_reuse_grace_secs,
            )
            .await?
            {
                Redeemed::Fresh(t) => {
                    let user = rapport_db::users::find(conn, t.user_id).await?;
                    let membership =
                        rapport_db::workspaces::membership(conn, t.workspace_id, t.user_id).await?;
                    match (user, membership) {
                        (Some(user), Some((ws, role))) => Ok(Some(
                            tokens::rotate(&state, conn, &user, &ws, role, &t).await?,
                        )),
                        _ => Ok(None),
                    }
                }
                // The family's revocation must commit even though the request fails.
                Redeemed::Reused | Redeemed::Invalid => Ok(None),
            }
        })
        .await?;
    match answer {
        Some(tokens) => Ok(tokens::reply(&state, StatusCode::OK, &tokens)),
        None => Err(ApiError::Unauthorized(
            "the refresh token is not valid; sign in again".into(),
        )),
    }
}
