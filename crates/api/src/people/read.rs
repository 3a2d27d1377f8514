use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::PersonView;
use uuid::Uuid;

/// One person (a deleted one too, until it is purged).
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = PersonView)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/{id}")]
pub async fn read(
    mut db: Db,
    _caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<PersonView>> {
    let person = rapport_db::people::find(db.conn().await?, &scope, id.into_inner())
        .await?
        .found()?;
    Ok(Reply::ok(&person.view()).etag(person.version))
}
