use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::http::StatusCode;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{ImportSettings, ImportView};
use rapport_domain::imports::ImportStatus;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Run the import with these settings: a background job writes the rows
/// and announces its progress as `import.updated` events. The settings are
/// kept as the mapping for the next file with the same columns. An import
/// runs once: start a new one to run a file again.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import's id")),
    request_body = ImportSettings,
    responses(
        (status = 202, description = "The import, queued", body = ImportView),
        (status = 409, description = "The import has run or is running", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Settings that do not fit the file or the fields", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[post("/imports/{id}/run")]
pub async fn start(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(settings): Valid<ImportSettings>,
) -> ApiResult<Reply<ImportView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let (import, sheet) = super::loaded(conn, ws, id).await?;
    caller.authorize(import.record_type.permission())?;
    super::checked(conn, ws, &import, &sheet, &settings, &caller).await?;
    let columns = super::columns(&sheet, settings.header_row);
    let total = super::data_rows(&sheet, settings.header_row).len() as u32;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::imports::lock(conn, ws, id).await?.found()?;
            if before.status != ImportStatus::Draft {
                return Err(ApiError::conflict(
                    Code::NotPending,
                    format!("this import is {} already", before.status.as_str()),
                ));
            }
            rapport_db::imports::set_settings(conn, ws, id, &columns, &settings, total).await?;
            rapport_db::imports::save_mapping(
                conn,
                ws,
                before.record_type,
                &super::signature(&columns),
                &settings,
            )
            .await?;
            let after =
                rapport_db::imports::set_status(conn, ws, id, ImportStatus::Queued, None).await?;
            crate::jobs::enqueue(
                conn,
                &super::run::Run {
                    workspace_id: ws,
                    import_id: id,
                    actor_kind: ctx.actor_kind,
                    actor_id: ctx.actor_id,
                    request_id: ctx.request_id.clone(),
                },
            )
            .await?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(Reply::json(StatusCode::ACCEPTED, &after.view()))
        })
        .await?;
    Ok(reply)
}
