use crate::auth::passwords::{self, Checked};
use crate::auth::register::member_added;
use crate::auth::{secrets, tokens};
use crate::error::{ApiError, ApiResult};
use crate::extract::caller::caller_of;
use crate::extract::{Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_db::users::NewUser;
use rapport_domain::api::{AcceptInvitationRequest, TokenResponse};
use rapport_domain::problem::{Code, FieldCode};
use uuid::Uuid;

/// Accept an invitation.
///
/// A person who has an account sends their access token, or its `password`;
/// a new person sends `name` and `password` and gets an account. Only the
/// account of the invited address can accept (403 for another signed-in
/// account). The password is checked as at sign-in (rate limit, lockout), and
/// a wrong password answers the same whether or not the address has an
/// account. The membership is added and tokens for the workspace returned.
#[utoipa::path(
    tag = "invitations",
    params(("token" = String, Path, description = "The invitation token from the e-mail")),
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, description = "Joined; tokens for the workspace", body = TokenResponse),
        (status = 401, description = "Wrong password (or no account yet and no name given)", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Signed in as another address than the invited one", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used, revoked or expired invitation", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts: the address is locked for a while", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
#[post("/invitations/{token}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    mut db: Db,
    req: HttpRequest,
    ctx: Ctx,
    idem: Idempotent,
    token: web::Path<String>,
    Valid(body): Valid<AcceptInvitationRequest>,
) -> ApiResult<Reply<TokenResponse>> {
    let token_hash = rapport_db::sha256(token.trim());
    let signed_in = caller_of(&req).and_then(|c| c.user_id());
    // Look first, so that a password can be checked before anything changes.
    let invited = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use rapport_db::schema::invitations::dsl as i;
        i::invitations
            .filter(i::token_hash.eq(&token_hash))
            .filter(rapport_db::invitations::pending())
            .select(i::email)
            .first::<String>(db.conn().await?)
            .await
            .optional()?
            .ok_or(ApiError::NotFound)?
    };
    let wrong = || {
        ApiError::Unauthorized(
            "the password is wrong, or this address has no account yet: to create one, give a name too"
                .into(),
        )
    };
    let (existing, new_hash) = match signed_in {
        Some(id) => {
            let user = rapport_db::users::find(db.conn().await?, id)
                .await?
                .ok_or(ApiError::NotFound)?;
            // Only the person the invitation was sent to may take it.
            if user.email != rapport_db::users::normalize_email(&invited) {
                return Err(ApiError::Forbidden(
                    "this invitation was sent to another address".into(),
                ));
            }
            (Some(user), None)
        }
        None => {
            let password = body.password.clone().ok_or_else(|| {
                ApiError::validation("password", FieldCode::Required, "is required")
            })?;
            // The same check as a sign-in: rate limit, lockout, and the same
            // answer whether or not the address has an account.
            match passwords::check(
                &state,
                &mut db,
                ctx.ip.as_deref(),
                &invited,
                password.clone(),
            )
            .await?
            {
                Checked::Right(user) => (Some(user), None),
                Checked::Wrong if body.name.is_some() => {
                    (None, Some(secrets::hash_password(&state, password).await?))
                }
                Checked::Wrong => return Err(wrong()),
            }
        }
    };
    let reply = db
        .conn()
        .await?
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
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
                    // The address has an account and the password was not its own:
                    // the same answer as a wrong password.
                    if rapport_db::is_unique_violation(&e) {
                        wrong()
                    } else {
                        e.into()
                    }
                })?,
                (None, None) => return Err(ApiError::NotFound),
            };
            if new_hash.is_some() {
                // The check above counted a failure for the then-unknown address.
                rapport_db::users::clear_failed_passwords(conn, &inv.email).await?;
            }
            let ws = rapport_db::workspaces::find(conn, inv.workspace_id).await?.ok_or(ApiError::NotFound)?;
            rapport_db::members::add(conn, ws.id, user.id, inv.role()).await.map_err(|e| {
                if rapport_db::is_unique_violation(&e) {
                    ApiError::conflict(Code::AlreadyMember, "you are already a member of this workspace")
                } else {
                    e.into()
                }
            })?;
            let ctx = ctx.as_user(user.id);
            ctx.record(conn, member_added(ws.id, &user, inv.role())).await?;
            if let Some(person) = inv.person_id {
                crate::people::link_user(conn, &ctx, ws.id, person, user.id).await?;
            }
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
            let tokens = tokens::issue(&state, conn, &user, &ws, inv.role(), None).await?;
            idem.keep(conn, tokens::reply(&state, StatusCode::OK, &tokens)).await
        })
        .await?;
    Ok(reply)
}
