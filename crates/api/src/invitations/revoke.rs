use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch};
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_domain::Permission;
use serde_json::json;
use uuid::Uuid;

/// Revoke a pending invitation; its link stops working.
#[utoipa::path(
    tag = "invitations",
    params(("id" = Uuid, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 409, description = "The invitation is no longer pending", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["invitations:manage"]))
)]
#[delete("/invitations/{id}")]
pub async fn revoke(
    mut db: Db,
    caller: Authz<perm::InvitationsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let id = id.into_inner();
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let existing = rapport_db::invitations::find(conn, ws, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if existing.accepted_at.is_some() || existing.revoked_at.is_some() {
            return Err(ApiError::conflict(
                "not_pending",
                "the invitation is no longer pending",
            ));
        }
        let inv = rapport_db::invitations::revoke(conn, ws, id, if_match.0)
            .await?
            .ok_or(ApiError::PreconditionFailed)?;
        ctx.record(
            conn,
            Change {
                workspace_id: ws,
                action: "invitation.revoked",
                record_type: "invitation",
                record_id: Some(id.to_string()),
                changes: json!({"status": {"before": "pending", "after": "revoked"}}),
                data: Some(serde_json::to_value(inv.view()).unwrap_or_default()),
                permission: Permission::InvitationsManage,
                subject_user_id: None,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
