use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::organizations::OrganizationRow;
use rapport_domain::api::OrganizationView;
use uuid::Uuid;

/// Bring back a deleted organisation, as it was.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The organisation's id")),
    responses((status = 200, description = "The organisation, restored", body = OrganizationView)),
    security(("bearer" = ["organizations:delete"]), ("api_key" = ["organizations:write"]))
)]
#[post("/organizations/{id}/restore")]
pub async fn restore(
    mut db: Db,
    caller: Authz<perm::OrganizationsDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<OrganizationView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let org = conn
        .transaction::<_, ApiError, _>(async |conn| {
            ctx.restore::<OrganizationRow>(conn, ws, &scope, id, if_match.0)
                .await
        })
        .await?;
    Ok(Reply::ok(&org.view()).etag(org.version))
}
