use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::record::Found;
use actix_web::{get, put, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::MemberBranches;
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// The branches of a member: a tutor's, or those a moderator is limited to
/// (none: every branch).
#[utoipa::path(
    tag = "branches",
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    responses((status = 200, description = "Their branches", body = MemberBranches)),
    security(("bearer" = ["members:read"]), ("api_key" = ["members:read"]))
)]
#[get("/members/{user_id}/branches")]
pub async fn show(
    mut db: Db,
    caller: Authz<perm::MembersRead>,
    user_id: web::Path<Uuid>,
) -> ApiResult<Json<MemberBranches>> {
    let ws = caller.workspace_id();
    let user_id = user_id.into_inner();
    let conn = db.conn().await?;
    rapport_db::members::find(conn, ws, user_id)
        .await?
        .found()?;
    let branch_ids = rapport_db::branches::of_member(conn, ws, user_id).await?;
    Ok(Json(MemberBranches { branch_ids }))
}

/// Give a member their branches, replacing those they had: a moderator
/// given any sees the people of those only. Each must be a branch of the
/// workspace not archived, or one they have already (422 `unknown`
/// otherwise).
#[utoipa::path(
    tag = "branches",
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    request_body = MemberBranches,
    responses((status = 200, description = "Their branches, as set", body = MemberBranches)),
    security(("bearer" = ["members:manage"]))
)]
#[put("/members/{user_id}/branches")]
pub async fn set(
    mut db: Db,
    caller: Authz<perm::MembersManage>,
    ctx: Ctx,
    user_id: web::Path<Uuid>,
    Valid(body): Valid<MemberBranches>,
) -> ApiResult<Json<MemberBranches>> {
    let ws = caller.workspace_id();
    let user_id = user_id.into_inner();
    let mut wanted = body.branch_ids;
    wanted.sort();
    wanted.dedup();
    let conn = db.conn().await?;
    let branch_ids = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // The membership is locked: two changes of one member's
            // branches follow one another.
            rapport_db::members::lock(conn, ws, user_id)
                .await?
                .found()?;
            let before = rapport_db::branches::of_member(conn, ws, user_id).await?;
            // A branch archived since they were given it may stay theirs.
            let open = rapport_db::branches::held_open(conn, ws, &wanted).await?;
            if let Some(missing) = wanted
                .iter()
                .find(|b| !open.contains(b) && !before.contains(b))
            {
                return Err(ApiError::validation(
                    "branch_ids",
                    FieldCode::Unknown,
                    format!("no such branch in this workspace, or it is archived: {missing}"),
                ));
            }
            if before == wanted {
                return Ok(before);
            }
            rapport_db::branches::set_member(conn, ws, user_id, &wanted).await?;
            let record = |branch_ids| super::MemberBranchesRecord {
                user_id,
                branch_ids,
            };
            ctx.changed(
                conn,
                ws,
                "updated",
                &record(before),
                &record(wanted.clone()),
            )
            .await?;
            Ok(wanted)
        })
        .await?;
    Ok(Json(MemberBranches { branch_ids }))
}
