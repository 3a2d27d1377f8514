use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent};
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::imports::NewImport;
use rapport_domain::api::{ImportRecord, ImportSettings, ImportView};
use rapport_domain::imports::{detect_header, propose, FILE_MAX_BYTES};
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// What the rows are.
    pub record_type: ImportRecord,
    /// The file's name, as the person chose it.
    pub filename: String,
}

/// Upload a file to import: CSV (any of `,` `;` tab `|`, UTF-8 with or
/// without BOM, UTF-16 with BOM, or Latin-1) or XLSX (its first sheet), at
/// most 20 MB, as the request body. The answer has the file's columns and
/// proposed settings: the mapping last run for a file with the same
/// columns, or one guessed from the column names.
#[utoipa::path(
    tag = "imports",
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "The file's bytes (`text/csv` or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`)"),
    responses(
        (status = 201, description = "The import, as a draft", body = ImportView),
        (status = 413, description = "The file is larger than 20 MB", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read as a table", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["imports:write"]), ("api_key" = ["imports:write"]))
)]
#[post("/imports")]
pub async fn upload(
    mut db: Db,
    caller: Authz<perm::ImportsWrite>,
    ctx: Ctx,
    idem: Idempotent,
    query: web::Query<UploadQuery>,
    body: web::Payload,
) -> ApiResult<Reply<ImportView>> {
    caller.authorize(query.record_type.permission())?;
    let ws = caller.workspace_id();
    let filename = query.filename.trim();
    if filename.is_empty() || filename.chars().count() > 255 || filename.contains('\0') {
        return Err(ApiError::validation(
            "filename",
            FieldCode::Format,
            "1 to 255 characters",
        ));
    }
    let bytes = crate::extract::raw::read_at_most(body, FILE_MAX_BYTES).await?;
    let sheet = super::file::read_aside(bytes.clone())
        .await
        .map_err(|m| ApiError::validation("file", FieldCode::Format, m))?;
    let header_row = detect_header(&sheet.rows);
    let columns = super::columns(&sheet, header_row);
    let signature = super::signature(&columns);
    let total = super::data_rows(&sheet, header_row).len() as i32;
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let fields =
                rapport_db::custom_fields::live(conn, ws, query.record_type.fields()).await?;
            let saved = rapport_db::imports::saved_mapping(conn, ws, query.record_type, &signature)
                .await?
                .filter(|s| {
                    s.header_row == header_row
                        && rapport_domain::imports::check_settings(
                            query.record_type,
                            s,
                            sheet.width(),
                            sheet.rows.len(),
                            &fields,
                        )
                        .is_empty()
                });
            let mut settings = saved.unwrap_or_else(|| {
                let headers: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
                let samples: Vec<Vec<String>> = columns.iter().map(|c| c.samples.clone()).collect();
                ImportSettings {
                    header_row,
                    columns: propose(query.record_type, &headers, &samples, &fields),
                    ..Default::default()
                }
            });
            // Nothing proposed that this caller could not run: organisations
            // are matched only where they may read them, made only where
            // they may write them.
            if !caller.allows(Permission::OrganizationsRead) {
                for c in &mut settings.columns {
                    if c.field.as_deref() == Some("organization") {
                        c.field = None;
                    }
                }
            }
            if !caller.allows(Permission::OrganizationsWrite) {
                settings.create_organizations = false;
            }
            let import = rapport_db::imports::insert(
                conn,
                &NewImport {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    record_type: query.record_type.as_str(),
                    filename,
                    format: sheet.format,
                    content: &bytes,
                    signature: &signature,
                    file_columns: serde_json::to_value(&columns).unwrap_or_default(),
                    settings: serde_json::to_value(&settings).unwrap_or_default(),
                    total,
                    created_by: caller.user_id(),
                },
            )
            .await?;
            ctx.created(conn, ws, &import).await?;
            let reply =
                Reply::created(&import.view()).location(format!("/api/v1/imports/{}", import.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
