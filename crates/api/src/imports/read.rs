use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_domain::api::ImportView;
use uuid::Uuid;

/// One import: its settings and where its run stands. Only for those who
/// may write its kind of record.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import's id")),
    responses((status = 200, description = "The import", body = ImportView)),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[get("/imports/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<ImportView>> {
    let ws = caller.workspace_id();
    let import = rapport_db::imports::find(db.conn().await?, ws, id.into_inner())
        .await?
        .found()?;
    caller.authorize(import.record_type.permission())?;
    Ok(Json(import.view()))
}
