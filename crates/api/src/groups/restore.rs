use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::groups::GroupRow;
use rapport_domain::api::GroupView;
use uuid::Uuid;

/// Bring back a deleted group, as it was, with its members.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    responses((status = 200, description = "The group, restored", body = GroupView)),
    security(("bearer" = ["groups:delete"]), ("api_key" = ["groups:write"]))
)]
#[post("/groups/{id}/restore")]
pub async fn restore(
    mut db: Db,
    caller: Authz<perm::GroupsDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<GroupView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let group = conn
        .transaction::<_, ApiError, _>(async |conn| {
            ctx.restore::<GroupRow>(conn, ws, &scope, id, if_match.0)
                .await
        })
        .await?;
    let view = super::view(conn, &group).await?;
    Ok(Reply::ok(&view).etag(group.version))
}
