use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::redacted_password;
use crate::extract::{Ctx, UserCaller, Valid};
use crate::state::AppState;
use actix_web::{put, web, HttpResponse};
use diesel_async::AsyncConnection;
use rapport_domain::api::{Ack, ChangePasswordRequest};

/// Change one's password; every other session of the user is signed out.
#[utoipa::path(
    tag = "me",
    path = "/me/password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed", body = Ack),
        (status = 422, description = "The current password is wrong or the new one too short", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    me: UserCaller,
    ctx: Ctx,
    Valid(body): Valid<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let user = rapport_db::users::find(&mut conn, me.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !secrets::verify_password(
        body.current_password.clone(),
        Some(user.password_hash.clone()),
    )
    .await?
    {
        return Err(ApiError::validation(
            "current_password",
            "wrong",
            "is not your current password",
        ));
    }
    let hash = secrets::hash_password(body.new_password.clone()).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        rapport_db::users::set_password(conn, me.user_id, &hash).await?;
        rapport_db::tokens::revoke_user_families(conn, me.user_id, Some(me.family)).await?;
        ctx.record_for_user(
            conn,
            me.user_id,
            "user.password_changed",
            redacted_password(),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Ack { ok: true }))
}
