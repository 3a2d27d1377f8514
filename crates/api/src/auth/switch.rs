use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{UserCaller, Valid};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_db::tokens::Redeemed;
use rapport_domain::api::{SwitchRequest, TokenResponse};
use rapport_domain::problem::FieldCode;

/// Tokens for another workspace of the signed-in user.
///
/// The session goes on in the other workspace: this is a rotation of the
/// session's refresh token (the cookie, or `refresh_token` in the body) into
/// that workspace, so an access token alone can never mint a refresh token,
/// and signing out still ends the whole session.
#[utoipa::path(
    tag = "auth",
    request_body = SwitchRequest,
    responses(
        (status = 200, description = "Tokens for the other workspace", body = TokenResponse),
        (status = 401, description = "The refresh token is not this session's, or was spent", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a workspace of the user", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No refresh token was sent", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/switch")]
pub async fn switch(
    state: web::Data<AppState>,
    mut db: Db,
    req: HttpRequest,
    me: UserCaller,
    Valid(body): Valid<SwitchRequest>,
) -> ApiResult<Reply<TokenResponse>> {
    let presented = tokens::presented(&req, body.refresh_token.clone()).ok_or_else(|| {
        ApiError::validation(
            "refresh_token",
            FieldCode::Required,
            "send this session's refresh token (browsers send the cookie)",
        )
    })?;
    let hash = rapport_db::sha256(&presented);
    let not_this_session =
        || ApiError::Unauthorized("the refresh token is not this session's; sign in again".into());
    let conn = db.conn().await?;
    let (ws, role) = rapport_db::workspaces::membership(conn, body.workspace_id, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let user = rapport_db::users::find(conn, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The token must belong to the caller's own session before it is spent.
    match rapport_db::tokens::family_of(conn, &hash).await? {
        Some((family, user_id, _)) if family == me.family && user_id == me.user_id => {}
        _ => return Err(not_this_session()),
    }
    let tokens = conn
        .transaction::<_, ApiError, _>(async |conn| {
            rapport_db::tokens::lock_sessions(conn, me.user_id).await?;
            match rapport_db::tokens::redeem_refresh(
                conn,
                &hash,
                state.config.refresh_reuse_grace_secs,
            )
            .await?
            {
                Redeemed::Fresh(t) => Ok(Some(
                    tokens::rotate(&state, conn, &user, &ws, role, &t).await?,
                )),
                // A spent token: the family is revoked, and that must commit.
                Redeemed::Reused | Redeemed::Invalid => Ok(None),
            }
        })
        .await?
        .ok_or_else(not_this_session)?;
    Ok(tokens::reply(&state, StatusCode::OK, &tokens))
}
