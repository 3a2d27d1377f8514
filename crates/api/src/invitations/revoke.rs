use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_domain::problem::Code;
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
        let before = rapport_db::invitations::find(conn, ws, id).await?.found()?;
        if before.accepted_at.is_some() || before.revoked_at.is_some() {
            return Err(ApiError::conflict(
                Code::NotPending,
                "the invitation is no longer pending",
            ));
        }
        let after = rapport_db::invitations::revoke(conn, ws, id, if_match.0)
            .await?
            .current()?;
        ctx.changed(conn, ws, "revoked", &before, &after).await
    })
    .await?;
    Ok(NoContent)
}
