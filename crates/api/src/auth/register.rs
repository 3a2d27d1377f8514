use crate::auth::{secrets, tokens};
use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::Db;
use crate::extract::{Ctx, Valid};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::users::{normalize_email, NewUser};
use rapport_domain::api::{RegisterRequest, TokenResponse};
use rapport_domain::problem::Code;
use rapport_domain::{Permission, Role};
use serde_json::json;
use uuid::Uuid;

/// Create a workspace from a template, and its owner.
///
/// The e-mail must not have an account yet; a person who has one signs in and
/// creates further workspaces from there.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The workspace, its owner, and their tokens", body = TokenResponse),
        (status = 409, description = "The e-mail already has an account", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/register")]
pub async fn register(
    state: web::Data<AppState>,
    mut db: Db,
    ctx: Ctx,
    Valid(body): Valid<RegisterRequest>,
) -> ApiResult<Reply<TokenResponse>> {
    let hash = secrets::hash_password(&state, body.password.clone()).await?;
    let email = normalize_email(&body.email);
    let conn = db.conn().await?;
    let tokens = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let user_id = Uuid::now_v7();
            let user = rapport_db::users::insert(
                conn,
                &NewUser {
                    id: user_id,
                    email: &email,
                    name: body.name.trim(),
                    password_hash: &hash,
                },
            )
            .await
            .map_err(|e| {
                if rapport_db::is_unique_violation(&e) {
                    ApiError::conflict(
                        Code::EmailTaken,
                        "an account with this e-mail exists; sign in to create another workspace",
                    )
                } else {
                    e.into()
                }
            })?;
            let ws = rapport_db::workspaces::insert(
                conn,
                Uuid::now_v7(),
                body.workspace_name.trim(),
                body.template,
            )
            .await?;
            rapport_db::members::add(conn, ws.id, user.id, Role::Owner).await?;
            let ctx = ctx.as_user(user.id);
            ctx.record(conn, workspace_created(&ws)).await?;
            ctx.record(conn, member_added(ws.id, &user, Role::Owner))
                .await?;
            tokens::issue(&state, conn, &user, &ws, Role::Owner, None).await
        })
        .await?;
    Ok(tokens::reply(&state, StatusCode::CREATED, &tokens))
}

/// The change a new workspace records.
pub fn workspace_created(ws: &rapport_db::workspaces::Workspace) -> Change<'static> {
    Change {
        workspace_id: ws.id,
        action: "workspace.created",
        record_type: "workspace",
        record_id: Some(ws.id.to_string()),
        changes: json!({"name": {"after": ws.name}, "template": {"after": ws.template}}),
        data: Some(json!({"id": ws.id, "name": ws.name, "template": ws.template})),
        permission: Permission::WorkspaceRead,
        subject_user_id: None,
    }
}

/// The change a new membership records.
pub fn member_added(
    workspace_id: Uuid,
    user: &rapport_db::users::User,
    role: Role,
) -> Change<'static> {
    Change {
        workspace_id,
        action: "member.added",
        record_type: "member",
        record_id: Some(user.id.to_string()),
        changes: json!({"role": {"after": role}}),
        data: Some(
            json!({"user_id": user.id, "name": user.name, "email": user.email, "role": role}),
        ),
        permission: Permission::MembersRead,
        subject_user_id: Some(user.id),
    }
}
