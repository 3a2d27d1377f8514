use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{get, web};
use rapport_domain::api::PersonView;
use rapport_domain::Permission;
use uuid::Uuid;

/// One person (a deleted one too, until it is purged), with the values of
/// sensitive fields for those who may see them (`sensitive:read`).
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = PersonView)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<PersonView>> {
    let conn = db.conn().await?;
    let person = rapport_db::people::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let mut view = person.view();
    let sees = caller.allows(Permission::SensitiveRead);
    let ws = caller.workspace_id();
    super::sensitive::reveal(conn, &state.config.fields_key, ws, &person, &mut view, sees).await?;
    Ok(Reply::ok(&view).etag(person.version))
}
