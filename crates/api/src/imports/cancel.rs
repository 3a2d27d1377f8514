use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db};
use crate::record::Found;
use actix_web::{post, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::ImportView;
use rapport_domain::imports::ImportStatus;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Stop an import. A draft or a queued one is cancelled at once; a running
/// one stops before its next batch of rows (those written stay, and the
/// answer says `running` until it has stopped).
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import's id")),
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 409, description = "The import has ended already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[post("/imports/{id}/cancel")]
pub async fn cancel(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Json<ImportView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let view = db
        .conn()
        .await?
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::imports::lock(conn, ws, id).await?.found()?;
            caller.authorize(before.record_type.permission())?;
            match before.status {
                s if s.is_finished() => Err(ApiError::conflict(
                    Code::NotPending,
                    format!("this import is {} already", s.as_str()),
                )),
                ImportStatus::Running => {
                    rapport_db::imports::request_cancel(conn, ws, id).await?;
                    Ok(before.view())
                }
                _ => {
                    let after = rapport_db::imports::set_status(
                        conn,
                        ws,
                        id,
                        ImportStatus::Cancelled,
                        None,
                    )
                    .await?;
                    ctx.changed(conn, ws, "updated", &before, &after).await?;
                    Ok(after.view())
                }
            }
        })
        .await?;
    Ok(Json(view))
}
