use crate::auth::register::member_added;
use crate::auth::{secrets, tokens};
use crate::error::{ApiError, ApiResult};
use crate::extract::caller::caller_of;
use crate::extract::{Ctx, Valid};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use rapport_db::users::NewUser;
use rapport_domain::api::{AcceptInvitationRequest, TokenResponse};
use rapport_domain::problem::FieldError;
use uuid::Uuid;

/// Accept an invitation.
///
/// A new person sends `name` and `password` and gets an account. A person who
/// has an account sends their access token, or their `password`. Either way
/// the membership is added and tokens for the workspace are returned.
#[utoipa::path(
    tag = "invitations",
    path = "/invitations/{token}/accept",
    params(("token" = String, Path, description = "The invitation token from the e-mail")),
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, description = "Joined; tokens for the workspace", body = TokenResponse),
        (status = 404, description = "Unknown, used, revoked or expired invitation", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
#[post("/invitations/{token}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: Ctx,
    token: web::Path<String>,
    Valid(body): Valid<AcceptInvitationRequest>,
) -> ApiResult<HttpResponse> {
    let token_hash = rapport_db::sha256(token.trim());
    let signed_in = caller_of(&req).and_then(|c| c.user_id());
    let mut conn = state.conn().await?;
    // Look first, so that a password can be checked before anything changes.
    let pending = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use rapport_db::schema::invitations::dsl as i;
        i::invitations
            .filter(i::token_hash.eq(&token_hash))
            .filter(i::accepted_at.is_null())
            .filter(i::revoked_at.is_null())
            .filter(i::expires_at.gt(diesel::dsl::now))
            .select(i::email)
            .first::<String>(&mut conn)
            .await
            .optional()?
            .ok_or(ApiError::NotFound)?
    };
    let existing = match signed_in {
        Some(id) => Some(
            rapport_db::users::find(&mut conn, id)
                .await?
                .ok_or(ApiError::NotFound)?,
        ),
        None => rapport_db::users::find_by_email(&mut conn, &pending).await?,
    };
    let new_hash = match (&existing, signed_in) {
        (Some(_), Some(_)) => None,
        (Some(user), None) => {
            let pw = body.password.clone().ok_or_else(|| {
                ApiError::validation(
                    "password",
                    "required",
                    "this e-mail has an account: give its password, or sign in first",
                )
            })?;
            if !secrets::verify_password(pw, Some(user.password_hash.clone())).await? {
                return Err(ApiError::Unauthorized("the password is wrong".into()));
            }
            None
        }
        (None, _) => {
            let mut errors = Vec::new();
            if body.name.is_none() {
                errors.push(FieldError::new(
                    "name",
                    "required",
                    "is required for a new account",
                ));
            }
            if body.password.is_none() {
                errors.push(FieldError::new(
                    "password",
                    "required",
                    "is required for a new account",
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            Some(secrets::hash_password(body.password.clone().unwrap_or_default()).await?)
        }
    };
    let answer = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let inv = rapport_db::invitations::accept(conn, &token_hash).await?.ok_or(ApiError::NotFound)?;
            let user = match (&existing, &new_hash) {
                (Some(u), _) => u.clone(),
                (None, Some(hash)) => rapport_db::users::insert(
                    conn,
                    &NewUser {
                        id: Uuid::now_v7(),
                        email: &inv.email,
                        name: body.name.as_deref().unwrap_or_default().trim(),
                        password_hash: hash,
                    },
                )
                .await
                .map_err(|e| {
                    if rapport_db::is_unique_violation(&e) {
                        ApiError::conflict("email_taken", "an account with this e-mail was just created; accept again with its password")
                    } else {
                        e.into()
                    }
                })?,
                (None, None) => return Err(ApiError::NotFound),
            };
            let ws = rapport_db::workspaces::find(conn, inv.workspace_id).await?.ok_or(ApiError::NotFound)?;
            rapport_db::members::add(conn, ws.id, user.id, inv.role()).await.map_err(|e| {
                if rapport_db::is_unique_violation(&e) {
                    ApiError::conflict("already_member", "you are already a member of this workspace")
                } else {
                    e.into()
                }
            })?;
            let ctx = ctx.as_user(user.id);
            ctx.record(conn, member_added(ws.id, &user, inv.role())).await?;
            ctx.record(
                conn,
                crate::extract::ctx::Change {
                    workspace_id: ws.id,
                    action: "invitation.accepted",
                    record_type: "invitation",
                    record_id: Some(inv.id.to_string()),
                    changes: serde_json::json!({"status": {"before": "pending", "after": "accepted"}}),
                    data: Some(serde_json::to_value(inv.view()).unwrap_or_default()),
                    permission: rapport_domain::Permission::InvitationsManage,
                    subject_user_id: None,
                },
            )
            .await?;
            tokens::issue(&state, conn, &user, &ws, inv.role(), None).await
        })
        .await?;
    Ok(tokens::respond(&state, StatusCode::OK, &answer))
}
