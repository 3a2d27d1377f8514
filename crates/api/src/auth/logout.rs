use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::caller::{caller_of, Principal};
use crate::extract::ctx::Change;
use crate::extract::Ctx;
use crate::extract::Db;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{post, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_domain::api::RefreshRequest;
use rapport_domain::Permission;
use serde_json::json;

/// Sign out: revoke this refresh family and clear the cookie.
///
/// Names the family by the refresh token (body or cookie) or by the access token.
#[utoipa::path(
    tag = "auth",
    request_body(content = RefreshRequest, description = "May be empty when the cookie or an access token is sent"),
    responses((status = 204, description = "Signed out")),
    security((), ("bearer" = []))
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    mut db: Db,
    req: HttpRequest,
    ctx: Ctx,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<Reply<()>> {
    let conn = db.conn().await?;
    let presented = tokens::presented(&req, body.and_then(|b| b.into_inner().refresh_token));
    let session = match presented {
        Some(t) => rapport_db::tokens::family_of(conn, &rapport_db::sha256(t)).await?,
        None => None,
    };
    let session = session.or_else(|| {
        caller_of(&req).and_then(|c| match c.principal {
            Principal::User { id, family, .. } => Some((family, id, c.workspace_id())),
            Principal::ApiKey { .. } => None,
        })
    });
    if let Some((family, user_id, workspace_id)) = session {
        conn.transaction::<_, ApiError, _>(async |conn| {
            if rapport_db::tokens::revoke_family(conn, family).await? > 0 {
                ctx.as_user(user_id)
                    .record(
                        conn,
                        Change {
                            workspace_id,
                            action: "session.ended",
                            record_type: "user",
                            record_id: Some(user_id.to_string()),
                            changes: json!({}),
                            data: None,
                            permission: Permission::AuditRead,
                            subject_user_id: None,
                        },
                    )
                    .await?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(tokens::signed_out(&state))
}
