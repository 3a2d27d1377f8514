use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::branches::BranchRow;
use rapport_domain::api::{BranchView, NewBranch};
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Add a branch. Its name is the workspace's only one (409 `duplicate`).
#[utoipa::path(
    tag = "branches",
    request_body = NewBranch,
    responses(
        (status = 201, description = "The branch", body = BranchView),
        (status = 409, description = "Another branch has this name", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["branches:manage"]), ("api_key" = ["branches:manage"]))
)]
#[post("/branches")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::BranchesManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<NewBranch>,
) -> ApiResult<Reply<BranchView>> {
    let ws = caller.workspace_id();
    let now = chrono::Utc::now();
    let row = BranchRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        name: body.name.trim().to_string(),
        address: tidy(body.address.as_deref()),
        archived_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        let branch = rapport_db::branches::insert(conn, &row).await?;
        ctx.created(conn, ws, &branch).await?;
        let reply = Reply::created(&branch.view(Some(0)))
            .etag(branch.version)
            .location(format!("/api/v1/branches/{}", branch.id));
        idem.keep(conn, reply).await
    })
    .await
}
