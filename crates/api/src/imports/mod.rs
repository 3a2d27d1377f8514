//! Imports: a CSV or XLSX file of people or organisations, uploaded,
//! mapped column by
//! column, previewed (a dry run over every row), then run by a background
//! job that announces its progress and keeps a report of the rows it
//! rejected. Running the same file again with the same choices changes
//! nothing: each row written is remembered by a digest of what it wrote.

pub mod cancel;
pub mod file;
pub mod list;
pub mod plan;
pub mod preview;
pub mod read;
pub mod rejected;
pub mod run;
pub mod start;
pub mod upload;

use crate::error::ApiError;
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use crate::record::Found;
use file::Sheet;
use rapport_db::imports::ImportRow;
use rapport_db::Conn;
use rapport_domain::custom_fields::CustomFieldView;
use rapport_domain::imports::{check_settings, normalize, ImportColumn, ImportSettings, SAMPLES};
use rapport_domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload::upload)
        .service(list::list)
        .service(read::read)
        .service(preview::preview)
        .service(start::start)
        .service(cancel::cancel)
        .service(rejected::rejected);
}

impl crate::record::Audited for ImportRow {
    const KIND: &'static str = "import";
    const HEARD_BY: Permission = Permission::ImportsWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    /// What it is and where it stands; never the file's contents.
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "filename": self.filename,
            "record_type": self.record_type,
            "status": self.status,
            "counts": self.counts(),
            "error": self.error,
        })
    }
    fn event(&self) -> serde_json::Value {
        let mut v = self.audited();
        v["id"] = self.id.to_string().into();
        v["finished_at"] = serde_json::to_value(self.finished_at).unwrap_or_default();
        v
    }
}

/// The data rows under header row `header_row` (counted from 1; 0: none),
/// each with its row number in the file, padded to the file's width; empty
/// rows are left out.
pub fn data_rows(sheet: &Sheet, header_row: u32) -> Vec<(u32, Vec<String>)> {
    let width = sheet.width();
    sheet
        .rows
        .iter()
        .enumerate()
        .skip(header_row as usize)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| {
            let mut cells = r.clone();
            cells.resize(width, String::new());
            (i as u32 + 1, cells)
        })
        .collect()
}

/// The columns as the mapping screen shows them: names and first values.
pub fn columns(sheet: &Sheet, header_row: u32) -> Vec<ImportColumn> {
    let header = header_row
        .checked_sub(1)
        .and_then(|i| sheet.rows.get(i as usize));
    let data = data_rows(sheet, header_row);
    (0..sheet.width())
        .map(|i| ImportColumn {
            header: header
                .and_then(|h| h.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            samples: data
                .iter()
                .map(|(_, r)| r[i].trim().to_string())
                .filter(|c| !c.is_empty())
                .take(SAMPLES)
                .collect(),
        })
        .collect()
}

/// The column names as a key: where the mapping last run for such a file
/// is kept.
pub fn signature(columns: &[ImportColumn]) -> String {
    columns
        .iter()
        .map(|c| normalize(&c.header))
        .collect::<Vec<_>>()
        .join("|")
}

/// The import `id` of `ws` and its file read again: 404 when there is none.
pub(crate) async fn loaded(
    conn: &mut Conn,
    ws: Uuid,
    id: Uuid,
) -> Result<(ImportRow, Sheet), ApiError> {
    let import = rapport_db::imports::find(conn, ws, id).await?.found()?;
    if import.status.is_finished() {
        return Err(ApiError::conflict(
            rapport_domain::problem::Code::NotPending,
            format!(
                "this import is {}; its file is no longer kept",
                import.status.as_str()
            ),
        ));
    }
    let bytes = rapport_db::imports::content(conn, ws, id).await?;
    let sheet = file::read_aside(bytes)
        .await
        .map_err(|m| ApiError::validation("file", rapport_domain::problem::FieldCode::Format, m))?;
    Ok((import, sheet))
}

/// The workspace's live fields for the import's records, once `settings`
/// are checked against them and the file: 422 naming the setting otherwise.
pub(crate) async fn checked(
    conn: &mut Conn,
    ws: Uuid,
    import: &ImportRow,
    sheet: &Sheet,
    settings: &ImportSettings,
    caller: &crate::extract::Caller,
) -> Result<Vec<CustomFieldView>, ApiError> {
    let fields = rapport_db::custom_fields::live(conn, ws, import.record_type.fields()).await?;
    let mut errors = check_settings(
        import.record_type,
        settings,
        sheet.width(),
        sheet.rows.len(),
        &fields,
    );
    // Organisations are matched and created only where the caller may.
    let org = settings
        .columns
        .iter()
        .position(|c| c.field.as_deref() == Some("organization"));
    let may = if settings.create_organizations {
        Permission::OrganizationsWrite
    } else {
        Permission::OrganizationsRead
    };
    if let Some(i) = org.filter(|_| !caller.allows(may)) {
        errors.push(rapport_domain::problem::FieldError::new(
            format!("columns.{i}.field"),
            rapport_domain::problem::FieldCode::Invalid,
            "organisations are switched off here, or not yours to change",
        ));
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Removes imports started 30 days ago or more, with their files.
#[derive(Debug, Serialize, Deserialize)]
pub struct Purge {}

impl Job for Purge {
    const NAME: &'static str = "imports.purge";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let n = rapport_db::imports::purge(ctx.conn).await?;
        tracing::info!(imports = n, "purged old imports");
        Ok(())
    }
}

/// The module's job kinds.
pub fn jobs(r: &mut Registry) {
    r.register::<run::Run>().register::<Purge>();
}

/// The module's recurring jobs.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "imports.purge",
        chrono::Duration::hours(6),
        CatchUp::Latest,
        |_| Purge {},
    ));
}

/// What imports keep of a person: the digests of the rows that made them,
/// the rejected rows that hold their e-mail address, and the files of
/// imports not run yet (a finished import keeps no file). A draft whose
/// file holds their address is removed; a queued or running one is left
/// to finish (it writes what its file says, as a new import would).
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "imports",
        tables: &["imports", "import_rejections", "imported_people"],
        export: |conn, s| {
            Box::pin(async move {
                let Some(email) = s.person.email.as_deref() else {
                    return Ok(serde_json::Value::Null);
                };
                let rows =
                    rapport_db::imports::rejections_naming(conn, s.workspace_id, email).await?;
                Ok(serde_json::json!({
                    "rejected_rows": rows
                        .into_iter()
                        .map(|(file, row, reason, cells)| serde_json::json!({
                            "file": file, "row": row, "reason": reason, "cells": cells,
                        }))
                        .collect::<Vec<_>>(),
                }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let mut n = rapport_db::imports::forget_person(conn, ws, s.person.id).await?;
                let Some(email) = s.person.email.as_deref() else {
                    return Ok(n);
                };
                n += rapport_db::imports::forget_rejections(conn, ws, email).await?;
                let email = email.trim().to_lowercase();
                // One file at a time, read off the request threads.
                for id in rapport_db::imports::drafts(conn, ws).await? {
                    let bytes = rapport_db::imports::content(conn, ws, id).await?;
                    let holds = file::read_aside(bytes).await.is_ok_and(|sheet| {
                        sheet
                            .rows
                            .iter()
                            .flatten()
                            .any(|c| c.trim().to_lowercase() == email)
                    });
                    if holds {
                        n += rapport_db::imports::delete(conn, ws, id).await?;
                    }
                }
                Ok(n)
            })
        },
    });
}
