use crate::auth::passwords::{self, Checked};
use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::Db;
use crate::extract::{Ctx, Valid};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web};
use rapport_domain::api::{LoginRequest, TokenResponse};
use rapport_domain::Permission;
use serde_json::json;

fn wrong() -> ApiError {
    ApiError::Unauthorized("the e-mail or the password is wrong".into())
}

/// Sign in with e-mail and password.
///
/// Answers the same for an unknown e-mail and a wrong password. Five failures
/// within 15 minutes lock the address for 15 minutes (429 with `Retry-After`),
/// whether or not it has an account; a password reset lifts the lock.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of the workspace asked for", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address, or for this e-mail", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many password checks at once; retry after a moment", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    mut db: Db,
    ctx: Ctx,
    Valid(body): Valid<LoginRequest>,
) -> ApiResult<Reply<TokenResponse>> {
    let user = match passwords::check(
        &state,
        &mut db,
        ctx.ip.as_deref(),
        &body.email,
        body.password.clone(),
    )
    .await?
    {
        Checked::Right(user) => user,
        Checked::Wrong => return Err(wrong()),
    };
    let conn = db.conn().await?;
    let memberships = rapport_db::workspaces::of_user(conn, user.id).await?;
    let chosen = match body.workspace_id {
        Some(id) => memberships.into_iter().find(|(w, _)| w.id == id),
        None => memberships.into_iter().next(),
    };
    let Some((ws, role)) = chosen else {
        return Err(ApiError::Forbidden(
            "you are not a member of that workspace".into(),
        ));
    };
    let tokens = {
        use diesel_async::AsyncConnection;
        conn.transaction::<_, ApiError, _>(async |conn| {
            ctx.as_user(user.id)
                .record(
                    conn,
                    Change {
                        workspace_id: ws.id,
                        action: "session.created",
                        record_type: "user",
                        record_id: Some(user.id.to_string()),
                        changes: json!({}),
                        data: None,
                        permission: Permission::AuditRead,
                        subject_user_id: None,
                    },
                )
                .await?;
            tokens::issue(&state, conn, &user, &ws, role, None).await
        })
        .await?
    };
    Ok(tokens::reply(&state, StatusCode::OK, &tokens))
}
