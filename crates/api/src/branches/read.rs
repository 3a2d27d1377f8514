use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::BranchView;
use uuid::Uuid;

/// One branch.
#[utoipa::path(
    tag = "branches",
    params(("id" = Uuid, Path, description = "The branch's id")),
    responses((status = 200, description = "The branch", body = BranchView)),
    security(("bearer" = ["branches:read"]), ("api_key" = ["branches:read"]))
)]
#[get("/branches/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::BranchesRead>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<BranchView>> {
    let conn = db.conn().await?;
    let row = rapport_db::branches::find(conn, caller.workspace_id(), id.into_inner())
        .await?
        .found()?;
    let counts = super::counts(conn, &caller, std::slice::from_ref(&row)).await?;
    Ok(Reply::ok(&super::view(&row, &counts)).etag(row.version))
}
