use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Valid};
use crate::members::{check_rank, check_template_role};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::invitations::NewInvitation;
use rapport_db::users::normalize_email;
use rapport_domain::api::{CreateInvitationRequest, InvitationCreated};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Invite someone with a role. The one-use token, valid 7 days, is e-mailed
/// and returned here. With `person_id` (a student added to the workspace,
/// invited to sign in), accepting links the new member to that person.
#[utoipa::path(
    tag = "invitations",
    request_body = CreateInvitationRequest,
    responses(
        (status = 201, description = "The invitation and its token", body = InvitationCreated),
        (status = 409, description = "The person is already a member, or has a pending invitation, or the record named by `person_id` already signs in", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),

    ),
    security(("bearer" = ["invitations:manage"]))
)]
#[post("/invitations")]
pub async fn create(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::InvitationsManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateInvitationRequest>,
) -> ApiResult<Reply<InvitationCreated>> {
    check_template_role(&caller, body.role, "role")?;
    check_rank(&caller, body.role)?;
    let email = normalize_email(&body.email);
    let token = secrets::random_token(32);
    let expires_at = chrono::Utc::now() + chrono::Duration::days(state.config.invitation_ttl_days);
    let ws = caller.workspace.clone();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            // One pending invitation per address: concurrent invitations of one
            // address queue on this lock, and the second finds the first.
            rapport_db::invitations::lock_address(conn, ws.id, &email).await?;
            if rapport_db::invitations::pending_for(conn, ws.id, &email)
                .await?
                .is_some()
            {
                return Err(ApiError::conflict(
                    Code::AlreadyInvited,
                    "this address has a pending invitation; resend it instead",
                ));
            }
            if let Some(user) = rapport_db::users::find_by_email(conn, &email).await? {
                if rapport_db::members::find(conn, ws.id, user.id)
                    .await?
                    .is_some()
                {
                    return Err(ApiError::conflict(
                        Code::AlreadyMember,
                        "this person is already a member",
                    ));
                }
            }
            if let Some(person) = body.person_id {
                invitable(conn, ws.id, person).await?;
            }
            let inv = rapport_db::invitations::insert(
                conn,
                NewInvitation {
                    id: Uuid::now_v7(),
                    workspace_id: ws.id,
                    email: &email,
                    role: body.role,
                    token_hash: &rapport_db::sha256(&token),
                    invited_by: caller.user_id(),
                    expires_at,
                    person_id: body.person_id,
                },
            )
            .await?;
            ctx.created(conn, ws.id, &inv).await?;
            super::send(&state, conn, &ws, &inv, &token, caller.user_id()).await?;
            let created = InvitationCreated {
                id: inv.id,
                email: inv.email.clone(),
                role: inv.role(),
                person_id: inv.person_id,
                expires_at: inv.expires_at,
                token: token.clone(),
            };
            // The answer holds a live token: never cached, never kept for a replay.
            let reply = Reply::created(&created)
                .location(format!("/api/v1/invitations/{}", inv.id))
                .secret();
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}

/// That person `id` of `ws` is there, signs in as nobody yet and has no
/// pending invitation: 422 on `person_id` when there is no such person, 409
/// `duplicate` when the person already signs in, 409 `already_invited`
/// when an invitation to them waits (to another address: accepting both
/// would link only one). The person is locked until the transaction ends,
/// so two invitations of one person at once queue here and the second
/// finds the first.
async fn invitable(conn: &mut rapport_db::Conn, ws: Uuid, id: Uuid) -> Result<(), ApiError> {
    let person = crate::people::live_locked(conn, ws, id, "person_id").await?;
    if person.user_id.is_some() {
        return Err(ApiError::conflict(
            Code::Duplicate,
            "this person already signs in as a member",
        ));
    }
    if let Some(waiting) = rapport_db::invitations::pending_for_person(conn, ws, id).await? {
        return Err(ApiError::conflict(
            Code::AlreadyInvited,
            format!(
                "this person has a pending invitation, sent to {}; resend or revoke it instead",
                waiting.email
            ),
        ));
    }
    Ok(())
}
