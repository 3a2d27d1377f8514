use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::record::Found;
use crate::respond::File;
use actix_web::{get, web};
use uuid::Uuid;

/// The rows the run rejected, as CSV: the row's number in the file, the
/// reason, then the row's cells under the file's column names — fix them
/// and import this file again.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import's id")),
    responses((status = 200, description = "The rejected rows", content_type = "text/csv", body = String)),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[get("/imports/{id}/rejected.csv")]
pub async fn rejected(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let import = rapport_db::imports::find(conn, ws, id.into_inner())
        .await?
        .found()?;
    // The rejected rows are the file's own cells: only for those who may
    // write its kind of record.
    caller.authorize(import.record_type.permission())?;
    let rows = rapport_db::imports::rejections(conn, ws, import.id).await?;
    let mut header = vec!["row".to_string(), "reason".to_string()];
    header.extend(import.columns().into_iter().map(|c| c.header));
    let lines = rows
        .into_iter()
        .map(|(row, reason, cells)| {
            let mut line = vec![row.to_string(), reason];
            line.extend(cells);
            line
        })
        .collect();
    let stem = import
        .filename
        .rsplit_once('.')
        .map_or(import.filename.as_str(), |(s, _)| s);
    let name: String = format!("{stem}-rejected.csv")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    Ok(crate::export::csv_whole(&name, &header, lines))
}
