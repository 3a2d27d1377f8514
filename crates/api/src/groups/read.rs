use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::GroupView;
use uuid::Uuid;

/// One group (a deleted one too, until it is purged), with how many belong to it today.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    responses((status = 200, description = "The group", body = GroupView)),
    security(("bearer" = ["groups:read"]), ("api_key" = ["groups:read"]))
)]
#[get("/groups/{id}")]
pub async fn read(
    mut db: Db,
    _caller: Authz<perm::GroupsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<GroupView>> {
    let conn = db.conn().await?;
    let group = rapport_db::groups::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let view = super::view(conn, &group).await?;
    Ok(Reply::ok(&view).etag(group.version))
}
