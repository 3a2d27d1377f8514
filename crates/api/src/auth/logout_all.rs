use crate::auth::tokens;
use crate::error::ApiResult;
use crate::extract::UserCaller;
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};

/// Sign out everywhere: revoke every refresh family of the signed-in user.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Every session of the user is revoked")),
    security(("bearer" = []))
)]
#[post("/logout-all")]
pub async fn logout_all(state: web::Data<AppState>, me: UserCaller) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    rapport_db::tokens::revoke_user_families(&mut conn, me.user_id, None).await?;
    Ok(HttpResponse::NoContent()
        .cookie(tokens::refresh_cookie(&state, "", 0))
        .finish())
}
