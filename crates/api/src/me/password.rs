use crate::auth::passwords::{self, Checked};
use crate::auth::{secrets, tokens};
use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::redacted_password;
use crate::extract::{Ctx, Db, UserCaller, Valid};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{put, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{ChangePasswordRequest, TokenResponse};
use rapport_domain::problem::FieldCode;

/// Change one's password. Every session of the user ends, this one included
/// (every access and refresh token stops working at once); the answer holds
/// fresh tokens for this device. Wrong current passwords count toward the
/// lockout of the address, as failed sign-ins do.
#[utoipa::path(
    tag = "me",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; new tokens for this device", body = TokenResponse),
        (status = 422, description = "The current password is wrong or the new one too short", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords: the address is locked for a while", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    mut db: Db,
    me: UserCaller,
    ctx: Ctx,
    Valid(body): Valid<ChangePasswordRequest>,
) -> ApiResult<Reply<TokenResponse>> {
    let email = rapport_db::users::find(db.conn().await?, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .email;
    let user = match passwords::check(
        &state,
        &mut db,
        ctx.ip.as_deref(),
        &email,
        body.current_password.clone(),
    )
    .await?
    {
        Checked::Right(user) if user.id == me.user_id => user,
        _ => {
            return Err(ApiError::validation(
                "current_password",
                FieldCode::Invalid,
                "is not your current password",
            ))
        }
    };
    let hash = secrets::hash_password(&state, body.new_password.clone()).await?;
    let ws = me.caller.workspace.clone();
    let tokens = db
        .conn()
        .await?
        .transaction::<_, ApiError, _>(async |conn| {
            rapport_db::users::set_password(conn, me.user_id, &hash).await?;
            rapport_db::tokens::revoke_user_families(conn, me.user_id, None).await?;
            ctx.record_for_user(
                conn,
                me.user_id,
                "user.password_changed",
                redacted_password(),
            )
            .await?;
            tokens::issue(&state, conn, &user, &ws, me.caller.role, None).await
        })
        .await?;
    Ok(tokens::reply(&state, StatusCode::OK, &tokens))
}
