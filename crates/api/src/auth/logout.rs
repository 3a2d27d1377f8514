use crate::auth::tokens;
use crate::error::ApiResult;
use crate::extract::caller::{caller_of, Principal};
use crate::state::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};
use rapport_domain::api::RefreshRequest;

/// Sign out: revoke this refresh family and clear the cookie.
///
/// Names the family by the refresh token (body or cookie) or by the access token.
#[utoipa::path(
    tag = "auth",
    request_body(content = RefreshRequest, description = "May be empty when the cookie or an access token is sent"),
    responses((status = 204, description = "Signed out")),
    security((), ("bearer" = []))
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let presented = tokens::presented(&req, body.and_then(|b| b.into_inner().refresh_token));
    let family = match presented {
        Some(t) => rapport_db::tokens::family_of(&mut conn, &rapport_db::sha256(t))
            .await?
            .map(|(f, _)| f),
        None => None,
    };
    let family = family.or_else(|| match caller_of(&req).map(|c| c.principal.clone()) {
        Some(Principal::User { family, .. }) => Some(family),
        _ => None,
    });
    if let Some(family) = family {
        rapport_db::tokens::revoke_family(&mut conn, family).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(tokens::refresh_cookie(&state, "", 0))
        .finish())
}
