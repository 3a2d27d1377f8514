use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::OrganizationView;
use uuid::Uuid;

/// One organisation (a deleted one too, until it is purged).
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The organisation's id")),
    responses((status = 200, description = "The organisation", body = OrganizationView)),
    security(("bearer" = ["organizations:read"]), ("api_key" = ["organizations:read"]))
)]
#[get("/organizations/{id}")]
pub async fn read(
    mut db: Db,
    _caller: Authz<perm::OrganizationsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<OrganizationView>> {
    let org = rapport_db::organizations::find(db.conn().await?, &scope, id.into_inner())
        .await?
        .found()?;
    Ok(Reply::ok(&org.view()).etag(org.version))
}
