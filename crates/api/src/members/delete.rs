use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch};
use crate::members::check_rank;
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Remove a member from the workspace; their sessions here end at once.
/// The last owner cannot be removed.
#[utoipa::path(
    tag = "members",
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "It would leave the workspace without an owner", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["members:manage"]))
)]
#[delete("/members/{user_id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::MembersManage>,
    ctx: Ctx,
    user_id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let user_id = user_id.into_inner();
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::members::find(conn, ws, user_id)
            .await?
            .found()?;
        check_rank(&caller, before.role())?;
        rapport_db::members::remove(conn, ws, user_id, if_match.0)
            .await?
            .then_some(())
            .current()?;
        rapport_db::tokens::revoke_user_in_workspace(conn, user_id, ws).await?;
        ctx.removed(conn, ws, "removed", &before).await
    })
    .await?;
    Ok(NoContent)
}
