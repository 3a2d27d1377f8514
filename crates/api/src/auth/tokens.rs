//! Issuing a session: an access token, a refresh token of a family, and the cookie.

use crate::auth::{jwt, secrets};
use crate::error::ApiError;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use rapport_db::users::User;
use rapport_db::workspaces::Workspace;
use rapport_db::Conn;
use rapport_domain::api::TokenResponse;
use rapport_domain::Role;
use uuid::Uuid;

pub const REFRESH_COOKIE: &str = "rapport_refresh";
/// A cookie without a secret that tells the app a refresh cookie is likely
/// there, so that it does not try to restore a session that does not exist.
pub const HINT_COOKIE: &str = "rapport_signed_in";
pub const COOKIE_PATH: &str = super::SCOPE;

/// Issues tokens for `user` in `workspace`, continuing `family` or starting one.
pub async fn issue(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    workspace: &Workspace,
    role: Role,
    family: Option<Uuid>,
) -> Result<TokenResponse, ApiError> {
    Ok(issue_with_id(state, conn, user, workspace, role, family)
        .await?
        .0)
}

/// Issues the next tokens of the family of `used`, and records the succession.
pub async fn rotate(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    workspace: &Workspace,
    role: Role,
    used: &rapport_db::tokens::RefreshToken,
) -> Result<TokenResponse, ApiError> {
    let (tokens, id) =
        issue_with_id(state, conn, user, workspace, role, Some(used.family_id)).await?;
    rapport_db::tokens::set_replaced_by(conn, used.id, id).await?;
    Ok(tokens)
}

async fn issue_with_id(
    state: &AppState,
    conn: &mut Conn,
    user: &User,
    workspace: &Workspace,
    role: Role,
    family: Option<Uuid>,
) -> Result<(TokenResponse, Uuid), ApiError> {
    let family = family.unwrap_or_else(Uuid::now_v7);
    let refresh = secrets::random_token(32);
    let expires_at = chrono::Utc::now() + chrono::Duration::days(state.config.refresh_ttl_days);
    let id = rapport_db::tokens::insert_refresh(
        conn,
        family,
        user.id,
        workspace.id,
        &rapport_db::sha256(&refresh),
        expires_at,
    )
    .await?;
    let tokens = TokenResponse {
        access_token: jwt::issue_access(state, user.id, workspace.id, role, family)?,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: state.config.access_ttl_secs,
        user: user.view(),
        workspace: workspace.view(),
        role,
    };
    Ok((tokens, id))
}

/// The token answer, with the refresh token also set as an `HttpOnly` cookie
/// for browsers. It holds secrets: never cached, never kept for a replay.
pub fn reply(
    state: &AppState,
    status: actix_web::http::StatusCode,
    tokens: &TokenResponse,
) -> Reply<TokenResponse> {
    let max_age = state.config.refresh_ttl_days * 86400;
    Reply::json(status, tokens)
        .cookie(refresh_cookie(state, &tokens.refresh_token, max_age))
        .cookie(hint_cookie(state, max_age))
        .secret()
}

pub fn refresh_cookie(state: &AppState, value: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value.to_string())
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

pub fn hint_cookie(state: &AppState, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(HINT_COOKIE, if max_age_secs > 0 { "1" } else { "" })
        .path("/")
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// 204, clearing both cookies (sign-out).
pub fn signed_out(state: &AppState) -> Reply<()> {
    Reply::kept(actix_web::http::StatusCode::NO_CONTENT, Vec::new())
        .cookie(refresh_cookie(state, "", 0))
        .cookie(hint_cookie(state, 0))
}

/// The refresh token from the body, else from the cookie.
pub fn presented(req: &actix_web::HttpRequest, body: Option<String>) -> Option<String> {
    body.filter(|t| !t.is_empty())
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()))
        .filter(|t| t.len() <= 200)
}
