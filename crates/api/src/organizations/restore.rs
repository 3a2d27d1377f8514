use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
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
            let before = rapport_db::organizations::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if before.deleted_at.is_none() {
                // Restoring what is not deleted changes nothing.
                return Ok(before);
            }
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let after = rapport_db::organizations::set_deleted(conn, ws, id, before.version, false)
                .await?
                .current()?;
            ctx.changed(conn, ws, "restored", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&org.view()).etag(org.version))
}
