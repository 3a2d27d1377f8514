use super::plan::{Action, Planner};
use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Valid};
use actix_web::{post, web, web::Json};
use rapport_domain::api::{ImportPreview, ImportSettings};
use rapport_domain::imports::{
    faulty_column, ImportCounts, ImportStatus, PreviewRow, RowAction, RowError, PREVIEW_ERRORS,
    PREVIEW_ROWS,
};
use uuid::Uuid;

/// A dry run: what running with these settings would do to every row —
/// created, updated, skipped or rejected, and why — with nothing written.
/// A draft keeps the settings for next time.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path, description = "The import's id")),
    request_body = ImportSettings,
    responses(
        (status = 200, description = "What the run would do", body = ImportPreview),
        (status = 409, description = "The import has finished and no longer keeps its file", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Settings that do not fit the file or the fields", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[post("/imports/{id}/preview")]
pub async fn preview(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    id: web::Path<Uuid>,
    Valid(settings): Valid<ImportSettings>,
) -> ApiResult<Json<ImportPreview>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let (import, sheet) = super::loaded(conn, ws, id.into_inner()).await?;
    // A dry run tells what exists already: as much as importing itself.
    caller.authorize(import.record_type.permission())?;
    let fields = super::checked(conn, ws, &import, &sheet, &settings, &caller).await?;
    let columns = super::columns(&sheet, settings.header_row);
    let rows = super::data_rows(&sheet, settings.header_row);
    if import.status == ImportStatus::Draft {
        rapport_db::imports::set_settings(
            conn,
            ws,
            import.id,
            &columns,
            &settings,
            rows.len() as u32,
        )
        .await?;
    }
    let mut planner = Planner::new(ws, import.record_type, settings.clone(), fields);
    let mut counts = ImportCounts {
        total: rows.len() as u32,
        processed: rows.len() as u32,
        ..Default::default()
    };
    let (mut shown, mut errors) = (Vec::new(), Vec::new());
    for batch in rows.chunks(5000) {
        for p in planner.plan(conn, batch).await? {
            let (action, reason) = match p.action {
                Action::Create(_) | Action::CreateOrganization(_) => (RowAction::Create, None),
                Action::Update { .. } | Action::UpdateOrganization { .. } => {
                    (RowAction::Update, None)
                }
                Action::Skip(why) => (RowAction::Skip, Some(why)),
                Action::Reject(why) => (RowAction::Reject, Some(why)),
            };
            match action {
                RowAction::Create => counts.created += 1,
                RowAction::Update => counts.updated += 1,
                RowAction::Skip => counts.skipped += 1,
                RowAction::Reject => counts.rejected += 1,
            }
            let column = match (action, &reason) {
                (RowAction::Reject, Some(why)) => faulty_column(&settings, why),
                _ => None,
            };
            if action == RowAction::Reject && errors.len() < PREVIEW_ERRORS {
                errors.push(RowError {
                    row: p.row,
                    reason: reason.clone().unwrap_or_default(),
                    column,
                });
            }
            if shown.len() < PREVIEW_ROWS {
                shown.push(PreviewRow {
                    row: p.row,
                    action,
                    values: p.draft.map(|d| d.values()).unwrap_or_default(),
                    reason,
                    cells: p.cells,
                    column,
                });
            }
        }
    }
    Ok(Json(ImportPreview {
        columns,
        rows: shown,
        counts,
        errors,
        new_organizations: planner.new_orgs().len() as u32,
    }))
}
