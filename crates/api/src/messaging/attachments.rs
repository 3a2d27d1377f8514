//! Files sent with messages. A file is uploaded first (at most 10 MiB),
//! and is then its uploader's alone until a message names it
//! (`attachment_ids`); from then on every member of that conversation may
//! download it, and nobody else. Deleting the message deletes its files;
//! uploads never sent are dropped after a day.

use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::{perm, Authz, Ctx, Db, Idempotent};
use crate::record::Found;
use crate::respond::{File, NoContent, Reply};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_db::messaging::AttachmentRow;
use rapport_domain::api::AttachmentView;
use rapport_domain::messaging::{file_name_ok, ATTACHMENT_MAX_BYTES};
use rapport_domain::problem::{Code, FieldCode};
use rapport_domain::Permission;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

pub(crate) fn view(a: AttachmentRow) -> AttachmentView {
    AttachmentView {
        id: a.id,
        message_id: a.message_id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
        created_at: a.created_at,
    }
}

/// The type an upload says it is, as `type/subtype` in lower case (its
/// parameters dropped); `application/octet-stream` when it says nothing.
fn content_type_of(req: &HttpRequest) -> Result<String, ApiError> {
    let Some(raw) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok("application/octet-stream".into());
    };
    let essence = raw
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let ok = essence.len() <= 100
        && essence.split_once('/').is_some_and(|(t, s)| {
            let part = |p: &str| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
            };
            part(t) && part(s)
        });
    if ok {
        Ok(essence)
    } else {
        Err(ApiError::validation(
            "content_type",
            FieldCode::Format,
            "a media type such as application/pdf",
        ))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name, as the person's device gave it: 1 to 255
    /// characters, no `/`, `\` or control character.
    pub filename: String,
}

/// Upload a file to send with one's next message, as the request body (at
/// most 10 MiB), its type in `Content-Type`. It is the uploader's alone
/// until a message names it in `attachment_ids`; one never sent is
/// dropped after a day.
#[utoipa::path(
    tag = "messaging",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses(
        (status = 201, description = "The upload, not yet sent", body = AttachmentView),
        (status = 413, description = "The file is larger than 10 MiB", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No name, a bad name, or an empty file", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["messages:write"]))
)]
#[post("/attachments")]
#[allow(clippy::too_many_arguments)]
pub async fn upload(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    ctx: Ctx,
    idem: Idempotent,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<Reply<AttachmentView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let file_name = query.filename.trim().to_string();
    if !file_name_ok(&file_name) {
        return Err(ApiError::validation(
            "filename",
            FieldCode::Format,
            "1 to 255 characters, without / \\ or control characters",
        ));
    }
    let content_type = content_type_of(&req)?;
    // Refused before a byte is read when it says it is too large.
    let said = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if said.is_some_and(|n| n > ATTACHMENT_MAX_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = crate::extract::raw::read_at_most(body, ATTACHMENT_MAX_BYTES).await?;
    if bytes.is_empty() {
        return Err(ApiError::validation(
            "file",
            FieldCode::Required,
            "the file is empty",
        ));
    }
    let row = AttachmentRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        message_id: None,
        uploaded_by: Some(me),
        file_name,
        content_type,
        size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(&bytes)),
        created_at: chrono::Utc::now(),
    };
    let files = &state.files;
    let written = std::sync::atomic::AtomicBool::new(false);
    let conn = db.conn().await?;
    let result = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            // The bytes first, then the row that makes them reachable: a
            // row never names a file that is not there.
            files
                .put(ws, row.id, &bytes)
                .await
                .map_err(ApiError::internal)?;
            written.store(true, std::sync::atomic::Ordering::Relaxed);
            rapport_db::messaging::add_attachment(conn, &row).await?;
            ctx.record(
                conn,
                Change {
                    workspace_id: ws,
                    action: "attachment.uploaded",
                    record_type: "attachment",
                    record_id: Some(row.id.to_string()),
                    changes: serde_json::json!({
                        "size": row.size,
                        "content_type": row.content_type,
                    }),
                    data: None,
                    permission: Permission::AuditRead,
                    subject_user_id: None,
                },
            )
            .await?;
            let reply = Reply::created(&view(row.clone()))
                .location(format!("/api/v1/attachments/{}", row.id));
            idem.keep(conn, reply).await
        })
        .await;
    if result.is_err() && written.load(std::sync::atomic::Ordering::Relaxed) {
        if let Err(e) = files.remove(ws, row.id).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "an upload not kept could not be removed"
            );
        }
    }
    result
}

/// A file's name for `Content-Disposition`: as written (UTF-8, encoded),
/// and a plain ASCII stand-in for clients that read only that.
fn disposition(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename*=UTF-8''{encoded}; filename=\"{plain}\"")
}

/// Download a file: one sent in a conversation the caller is in, or their
/// own upload not yet sent. Always as a download, never shown in place.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Not changed since the copy `If-None-Match` names"),
    ),
    security(("bearer" = ["messages:read"]))
)]
#[get("/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let conn = db.conn().await?;
    let a = rapport_db::messaging::attachment(conn, ws, me, id.into_inner())
        .await?
        .found()?;
    let tag = format!("\"{}\"", a.sha256);
    // Asked again each time (a 304 when unchanged): a copy kept would
    // outlive the message deleted, or the member removed.
    let (mut answer, unchanged) = File::tagged(&req, &tag, "private, no-cache");
    if unchanged {
        return Ok(File(answer.finish()));
    }
    let Some(bytes) = state
        .files
        .get(ws, a.id)
        .await
        .map_err(ApiError::internal)?
    else {
        tracing::error!(attachment = %a.id, "an attachment's file is missing from the file store");
        return Err(ApiError::NotFound);
    };
    Ok(File(
        answer
            .content_type(a.content_type.as_str())
            .insert_header((header::CONTENT_DISPOSITION, disposition(&a.file_name)))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ))
            .body(bytes),
    ))
}

/// Discard one's own upload not yet sent. A file sent goes only with its
/// message (409 `attachment_sent`).
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The file's id")),
    responses((status = 204, description = "Discarded")),
    security(("bearer" = ["messages:write"]))
)]
#[delete("/attachments/{id}")]
pub async fn discard(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let id = id.into_inner();
    let conn = db.conn().await?;
    if rapport_db::messaging::discard_attachment(conn, ws, me, id).await? {
        return Ok(NoContent);
    }
    // Sent, and the caller can see it: said so; otherwise not there.
    rapport_db::messaging::attachment(conn, ws, me, id)
        .await?
        .found()?;
    Err(ApiError::conflict(
        Code::AttachmentSent,
        "this file was sent with a message: delete the message to remove it",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_said_twice_and_safely() {
        assert_eq!(
            disposition("report.pdf"),
            "attachment; filename*=UTF-8''report.pdf; filename=\"report.pdf\""
        );
        assert_eq!(
            disposition("Zoé \"final\".pdf"),
            "attachment; filename*=UTF-8''Zo%C3%A9%20%22final%22.pdf; filename=\"Zo_ _final_.pdf\""
        );
    }
}
