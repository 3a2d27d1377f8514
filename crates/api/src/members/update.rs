use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid};
use crate::members::{check_rank, check_template_role};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{MemberView, UpdateMemberRequest};
use uuid::Uuid;

/// Change a member's role. The last owner cannot be demoted.
#[utoipa::path(
    tag = "members",
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, description = "The member with the new role", body = MemberView),
        (status = 409, description = "It would leave the workspace without an owner", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["members:manage"]))
)]
#[patch("/members/{user_id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::MembersManage>,
    ctx: Ctx,
    user_id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateMemberRequest>,
) -> ApiResult<Reply<MemberView>> {
    let user_id = user_id.into_inner();
    let ws = caller.workspace_id();
    check_template_role(&caller, body.role, "role")?;
    check_rank(&caller, body.role)?;
    let conn = db.conn().await?;
    let member = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::members::find(conn, ws, user_id)
                .await?
                .found()?;
            check_rank(&caller, before.role())?;
            if before.role() == body.role && if_match.0.is_none_or(|v| v == before.version) {
                return Ok(before);
            }
            rapport_db::members::set_role(conn, ws, user_id, body.role, if_match.0)
                .await?
                .current()?;
            let after = rapport_db::members::find(conn, ws, user_id)
                .await?
                .found()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&member.view()).etag(member.version))
}
