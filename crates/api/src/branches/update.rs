use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::branches::BranchChanges;
use rapport_domain::api::{BranchView, UpdateBranch};
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Rename a branch, change its address, archive it (its people keep it;
/// it is offered no more) or bring it back. With `If-Match`, only the
/// version it names.
#[utoipa::path(
    tag = "branches",
    params(("id" = Uuid, Path, description = "The branch's id")),
    request_body = UpdateBranch,
    responses(
        (status = 200, description = "The branch as changed", body = BranchView),
        (status = 409, description = "Another branch has this name", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["branches:manage"]), ("api_key" = ["branches:manage"]))
)]
#[patch("/branches/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::BranchesManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateBranch>,
) -> ApiResult<Reply<BranchView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let branch = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::branches::lock(conn, ws, id).await?.found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let changes = BranchChanges {
                name: body
                    .name
                    .as_deref()
                    .map(|n| n.trim().to_string())
                    .filter(|n| *n != before.name),
                address: body
                    .address
                    .as_ref()
                    .map(|a| tidy(a.as_deref()))
                    .filter(|a| *a != before.address),
                archived_at: match body.archived {
                    Some(true) if before.archived_at.is_none() => Some(Some(chrono::Utc::now())),
                    Some(false) if before.archived_at.is_some() => Some(None),
                    _ => None,
                },
            };
            if changes.name.is_none() && changes.address.is_none() && changes.archived_at.is_none()
            {
                return Ok(before);
            }
            let after = rapport_db::branches::update(conn, ws, id, before.version, &changes)
                .await?
                .current()?;
            let action = match changes.archived_at {
                Some(Some(_)) => "archived",
                Some(None) => "restored",
                None => "updated",
            };
            ctx.changed(conn, ws, action, &before, &after).await?;
            Ok(after)
        })
        .await?;
    let counts = super::counts(conn, &caller, std::slice::from_ref(&branch)).await?;
    Ok(Reply::ok(&super::view(&branch, &counts)).etag(branch.version))
}
