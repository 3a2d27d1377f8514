use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::{UserCaller, Valid};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel_async::AsyncConnection;
use rapport_domain::api::{SwitchRequest, TokenResponse};

/// Tokens for another workspace of the signed-in user.
///
/// The session continues in the other workspace: its refresh family is kept,
/// and the refresh token it had is spent (presenting it again is a reuse).
#[utoipa::path(
    tag = "auth",
    request_body = SwitchRequest,
    responses(
        (status = 200, description = "Tokens for the other workspace", body = TokenResponse),
        (status = 404, description = "Not a workspace of the user", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/switch")]
pub async fn switch(
    state: web::Data<AppState>,
    me: UserCaller,
    Valid(body): Valid<SwitchRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let (ws, role) = rapport_db::workspaces::membership(&mut conn, body.workspace_id, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let user = rapport_db::users::find(&mut conn, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The session goes on in the other workspace: same family, so that signing
    // out (anywhere) still ends it, and its earlier refresh token is spent.
    let tokens = conn
        .transaction::<_, ApiError, _>(async |conn| {
            tokens::switch_family(&state, conn, &user, &ws, role, me.family).await
        })
        .await?;
    Ok(tokens::respond(&state, StatusCode::OK, &tokens))
}
