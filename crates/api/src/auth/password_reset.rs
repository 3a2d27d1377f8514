use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::Valid;
use crate::mail;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{Ack, PasswordResetRequest};

/// Request a password reset: a one-use link valid one hour is e-mailed.
///
/// Answers 202 whether or not the e-mail has an account.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "If the e-mail has an account, a reset link is on its way", body = Ack)),
    security(())
)]
#[post("/password-reset")]
pub async fn password_reset(
    state: web::Data<AppState>,
    mut db: Db,
    Valid(body): Valid<PasswordResetRequest>,
) -> ApiResult<Reply<Ack>> {
    let conn = db.conn().await?;
    if let Some(user) = rapport_db::users::find_by_email(conn, &body.email).await? {
        let token = secrets::random_token(32);
        let expires_at =
            chrono::Utc::now() + chrono::Duration::seconds(state.config.reset_ttl_secs);
        let link = format!(
            "{}/reset-password?token={token}",
            state.config.public_url.trim_end_matches('/')
        );
        conn.transaction::<_, ApiError, _>(async |conn| {
            rapport_db::tokens::insert_reset(
                conn,
                user.id,
                &rapport_db::sha256(&token),
                expires_at,
            )
            .await?;
            mail::queue(
                conn,
                None,
                &user.email,
                "Reset your Rapport password",
                &format!(
                    "Hello {},\n\nSomeone asked to reset the password of your Rapport account. \
                     If it was you, open this link within the hour:\n\n{link}\n\n\
                     Or use this reset token: {token}\n\nIf it was not you, ignore this message.\n",
                    user.name
                ),
            )
            .await?;
            Ok(())
        })
        .await?;
    }
    Ok(Reply::json(StatusCode::ACCEPTED, &Ack { ok: true }))
}
