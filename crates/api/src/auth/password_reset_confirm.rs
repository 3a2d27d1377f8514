use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::redacted_password;
use crate::extract::Db;
use crate::extract::{Ctx, Valid};
use crate::state::AppState;
use actix_web::{post, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::{Ack, PasswordResetConfirm};
use rapport_domain::problem::FieldCode;

/// Set a new password with a reset token; every session of the user is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "The password is changed; sign in with it", body = Ack),
        (status = 422, description = "The token is unknown, used or expired, or the password is too short", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    mut db: Db,
    ctx: Ctx,
    Valid(body): Valid<PasswordResetConfirm>,
) -> ApiResult<Json<Ack>> {
    let hash = secrets::hash_password(&state, body.password.clone()).await?;
    let token_hash = rapport_db::sha256(body.token.trim());
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let user_id = rapport_db::tokens::redeem_reset(conn, &token_hash)
            .await?
            .ok_or_else(|| {
                ApiError::validation(
                    "token",
                    FieldCode::Invalid,
                    "this reset link is unknown, used or expired",
                )
            })?;
        rapport_db::users::set_password(conn, user_id, &hash).await?;
        rapport_db::tokens::revoke_user_families(conn, user_id, None).await?;
        let ctx = ctx.as_user(user_id);
        ctx.record_for_user(conn, user_id, "user.password_reset", redacted_password())
            .await?;
        Ok(())
    })
    .await?;
    Ok(Json(Ack { ok: true }))
}
