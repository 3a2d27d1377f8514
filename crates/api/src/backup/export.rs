//! `GET /workspace/export`: everything the workspace holds, as a zip.
//!
//! - `workspace.json` and `members.json`/`.csv`;
//! - one `<kind>.json` (an array, one record a line) and `<kind>.csv` (a
//!   header of the table's columns, nested values as JSON) per kind of
//!   record ([`rapport_db::export::KINDS`]), the audit log included with
//!   its hash chain;
//! - `attachments/<id>/<name>`: the files attached to messages;
//!   `store/<item>.<ext>`: the store's pictures;
//! - `manifest.json` last: when, what, how many rows each file holds, and
//!   what is left out and why.
//!
//! All of it is read in one read-only, repeatable-read transaction (one
//! moment of the workspace) a chunk at a time, and written into the zip as
//! it comes: constant memory whatever the workspace's size.

use crate::backup::crypt::Key;
use crate::error::{ApiError, ApiResult};
use crate::export::archive::{self, Piece};
use crate::export::Slot;
use crate::extract::ctx::Change;
use crate::extract::{perm, Authz, Ctx, Db};
use crate::respond::File;
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{get, web};
use diesel_async::AsyncConnection;
use rapport_db::export::{Kind, KEPT_BACK, KINDS, MEMBER_COLUMNS};
use rapport_db::Conn;
use rapport_domain::Permission;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Rows read from a table at a time.
const ROWS: u32 = 500;
/// Bytes of a file read at a time.
const FILE_CHUNK: usize = 64 * 1024;

/// Download everything the workspace holds: a zip of one JSON and one CSV
/// file per kind of record (the audit log with its hash chain among them),
/// the files attached to messages and the store's pictures, and a
/// `manifest.json` saying what each file holds. Secrets (key and token
/// hashes) and figures derived from the records are left out; the manifest
/// lists them. Read as of one moment and streamed as it is written.
#[utoipa::path(
    tag = "workspaces",
    responses(
        (status = 200, description = "The archive", body = Vec<u8>, content_type = "application/zip"),
        (status = 429, description = "As many exports as the server streams at once are running; try again after `Retry-After`", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["workspace:export"]), ("api_key" = ["export:read"]))
)]
#[get("/workspace/export")]
pub async fn export(
    state: web::Data<AppState>,
    db: Db,
    caller: Authz<perm::WorkspaceExport>,
    ctx: Ctx,
    slot: Slot,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let mut conn = db.into_owned().await?;
    // The export is in the history it exports, sealed like the rest.
    conn.transaction::<_, ApiError, _>(async |conn| {
        ctx.record(
            conn,
            Change {
                workspace_id: ws,
                action: "workspace.exported",
                record_type: "workspace",
                record_id: Some(ws.to_string()),
                changes: json!({}),
                data: None,
                permission: Permission::AuditRead,
                subject_user_id: None,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    rapport_db::audit::seal(&mut conn, ws).await?;

    let (tx, rx) = mpsc::channel::<Result<Bytes, ApiError>>(2);
    let (pieces, received) = mpsc::channel::<Piece>(4);
    tokio::task::spawn_blocking(move || archive::write(received, tx));
    let files = state.files.clone();
    // Sensitive values are opened for those who may see them, and left
    // out for the others (a key with `export:read` alone).
    let fields_key = caller
        .allows(Permission::SensitiveRead)
        .then(|| state.config.fields_key.clone());
    actix_web::rt::spawn(async move {
        let _slot = slot;
        let mut conn = conn;
        let out = Out(pieces);
        let written = conn
            .build_transaction()
            .read_only()
            .repeatable_read()
            .run::<_, ApiError, _>(async |conn| {
                write_all(conn, &out, ws, &files, &fields_key).await
            })
            .await;
        match written {
            Ok(()) => out.send(Piece::End).await.ok(),
            Err(e) => out.send(Piece::Failed(e)).await.ok(),
        };
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map_err(actix_web::Error::from), rx))
    });
    let name = format!("workspace-{}.zip", chrono::Utc::now().format("%Y-%m-%d"));
    Ok(File(
        crate::export::attachment(&name, "application/zip").streaming(body),
    ))
}

/// The archive's writer, seen from the reader.
struct Out(mpsc::Sender<Piece>);

impl Out {
    async fn send(&self, p: Piece) -> Result<(), ApiError> {
        // The writer stops only when the client went away or it failed:
        // either way, stop reading.
        self.0
            .send(p)
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the export's client went away")))
    }

    async fn file(&self, name: String, packed: bool) -> Result<(), ApiError> {
        self.send(Piece::File { name, packed }).await
    }

    async fn bytes(&self, b: impl Into<Vec<u8>>) -> Result<(), ApiError> {
        self.send(Piece::Bytes(b.into())).await
    }
}

async fn write_all(
    conn: &mut Conn,
    out: &Out,
    ws: Uuid,
    files: &crate::files::Files,
    fields_key: &Option<Key>,
) -> Result<(), ApiError> {
    let mut counts = Map::new();
    out.file("workspace.json".into(), false).await?;
    let workspace: Value = serde_json::from_str(&rapport_db::export::workspace(conn, ws).await?)
        .map_err(ApiError::internal)?;
    out.bytes(serde_json::to_vec_pretty(&workspace).map_err(ApiError::internal)?)
        .await?;

    let members = rapport_db::export::members(conn, ws).await?;
    let columns: Vec<String> = MEMBER_COLUMNS.iter().map(|c| c.to_string()).collect();
    out.file("members.json".into(), false).await?;
    out.bytes(json_lines(&members, true, true)).await?;
    out.file("members.csv".into(), false).await?;
    out.bytes(csv_lines(&columns, &members, true)?).await?;
    counts.insert("members".into(), members.len().into());

    for kind in KINDS {
        let rows = table(conn, out, ws, kind, fields_key).await?;
        counts.insert(kind.file.into(), rows.into());
    }

    let attachments = attachments(conn, out, ws, files).await?;
    let pictures = pictures(conn, out, ws).await?;

    out.file("manifest.json".into(), false).await?;
    let kept_back: Map<String, Value> = KEPT_BACK
        .iter()
        .map(|(t, why)| (t.to_string(), Value::from(*why)))
        .collect();
    let manifest = json!({
        "format": "rapport-export/1",
        "workspace": workspace,
        "exported_at": chrono::Utc::now(),
        "rows": counts,
        "attachments": attachments,
        "store_pictures": pictures,
        "left_out": kept_back,
    });
    out.bytes(serde_json::to_vec_pretty(&manifest).map_err(ApiError::internal)?)
        .await
}

/// One kind of record as `<file>.json` then `<file>.csv`, read twice
/// through a cursor; the number of rows.
async fn table(
    conn: &mut Conn,
    out: &Out,
    ws: Uuid,
    kind: &Kind,
    fields_key: &Option<Key>,
) -> Result<u64, ApiError> {
    let mut columns = rapport_db::export::columns(conn, kind).await?;
    let sealed = columns.iter().any(|c| c == SEALED);
    if sealed && fields_key.is_none() {
        columns.retain(|c| c != SEALED);
    }
    let next = async |conn: &mut Conn| -> Result<Vec<String>, ApiError> {
        let chunk = rapport_db::export::next(conn, ROWS).await?;
        if sealed {
            chunk.iter().map(|r| opened(r, ws, fields_key)).collect()
        } else {
            Ok(chunk)
        }
    };
    out.file(format!("{}.json", kind.file), false).await?;
    rapport_db::export::open(conn, kind, ws).await?;
    let mut rows = 0u64;
    loop {
        let chunk = next(conn).await?;
        let last = (chunk.len() as u32) < ROWS;
        out.bytes(json_lines(&chunk, rows == 0, last)).await?;
        rows += chunk.len() as u64;
        if last {
            break;
        }
    }
    out.file(format!("{}.csv", kind.file), false).await?;
    rapport_db::export::open(conn, kind, ws).await?;
    let mut first = true;
    loop {
        let chunk = next(conn).await?;
        out.bytes(csv_lines(&columns, &chunk, first)?).await?;
        first = false;
        if (chunk.len() as u32) < ROWS {
            break;
        }
    }
    Ok(rows)
}

/// The column of a person's sealed sensitive values.
const SEALED: &str = "sensitive_fields";

/// A row (a JSON object) with its sealed sensitive values opened with
/// `key`, or left out without one.
fn opened(row: &str, ws: Uuid, key: &Option<Key>) -> Result<String, ApiError> {
    let mut v: Map<String, Value> = serde_json::from_str(row).map_err(ApiError::internal)?;
    let Some(key) = key else {
        v.remove(SEALED);
        return serde_json::to_string(&v).map_err(ApiError::internal);
    };
    let Some(Value::String(hex)) = v.get(SEALED) else {
        return Ok(row.to_string());
    };
    let bytes = hex::decode(hex.trim_start_matches("\\x")).map_err(ApiError::internal)?;
    let id = v
        .get("id")
        .and_then(|i| i.as_str())
        .and_then(|i| i.parse::<Uuid>().ok())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a row without its id")))?;
    let values = crate::people::sensitive::open(key, ws, id, &bytes)?;
    v.insert(SEALED.into(), Value::Object(values));
    serde_json::to_string(&v).map_err(ApiError::internal)
}

/// Rows (JSON objects) as part of a JSON array, one a line: `first` opens
/// the array, `last` closes it.
fn json_lines(rows: &[String], first: bool, last: bool) -> Vec<u8> {
    let mut s = String::with_capacity(rows.iter().map(|r| r.len() + 2).sum::<usize>() + 4);
    for (i, row) in rows.iter().enumerate() {
        s.push_str(if first && i == 0 { "[\n" } else { ",\n" });
        s.push_str(row);
    }
    if last {
        s.push_str(if first && rows.is_empty() {
            "[]\n"
        } else {
            "\n]\n"
        });
    }
    s.into_bytes()
}

/// Rows (JSON objects) as CSV lines of `columns`; `first` starts the file
/// (a byte-order mark, so that spreadsheets read accents right, and the
/// header). A text is as it is (a formula's start guarded), a nested value
/// its JSON, nothing an empty cell.
fn csv_lines(columns: &[String], rows: &[String], first: bool) -> Result<Vec<u8>, ApiError> {
    use crate::export::cell;
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128 + 64));
    let io = |e: csv::Error| ApiError::internal(anyhow::anyhow!(e));
    if first {
        w.write_record(columns.iter().map(|c| cell(c)))
            .map_err(io)?;
    }
    for row in rows {
        let row: Map<String, Value> = serde_json::from_str(row).map_err(ApiError::internal)?;
        w.write_record(columns.iter().map(|c| {
            cell(&match row.get(c) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            })
        }))
        .map_err(io)?;
    }
    let mut bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e.to_string())))?;
    if first {
        bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    Ok(bytes)
}

/// A file's name as a path in the archive: one part, nothing that climbs
/// out of its folder or that an unpacker refuses.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(120)
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

/// The files attached to messages, as `attachments/<id>/<name>`, each read
/// a piece at a time; how many. One whose bytes are gone is left out.
async fn attachments(
    conn: &mut Conn,
    out: &Out,
    ws: Uuid,
    files: &crate::files::Files,
) -> Result<u64, ApiError> {
    use tokio::io::AsyncReadExt;
    let mut after = None;
    let mut n = 0;
    loop {
        let page = rapport_db::export::attachments(conn, ws, after, 100).await?;
        let Some(last) = page.last() else {
            return Ok(n);
        };
        after = Some(last.id);
        for a in &page {
            let Some(mut f) = files.open(ws, a.id).await.map_err(ApiError::internal)? else {
                tracing::warn!(id = %a.id, "an attached file's bytes are missing");
                continue;
            };
            out.file(
                format!("attachments/{}/{}", a.id, safe_name(&a.file_name)),
                packed(&a.file_name),
            )
            .await?;
            let mut buf = vec![0u8; FILE_CHUNK];
            loop {
                let read = f.read(&mut buf).await.map_err(ApiError::internal)?;
                if read == 0 {
                    break;
                }
                out.bytes(&buf[..read]).await?;
            }
            n += 1;
        }
    }
}

/// The store's pictures, as `store/<item>.<ext>`; how many.
async fn pictures(conn: &mut Conn, out: &Out, ws: Uuid) -> Result<u64, ApiError> {
    let mut after = None;
    let mut n = 0;
    while let Some(p) = rapport_db::export::picture(conn, ws, after).await? {
        after = Some(p.item_id);
        let ext = match p.content_type.as_str() {
            "image/png" => "png",
            "image/jpeg" => "jpg",
            "image/webp" => "webp",
            "image/gif" => "gif",
            _ => "bin",
        };
        out.file(format!("store/{}.{ext}", p.item_id), true).await?;
        out.bytes(p.bytes).await?;
        n += 1;
    }
    Ok(n)
}

/// Whether a file of this name is compressed already (not worth deflating).
fn packed(name: &str) -> bool {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "webp"
            | "pdf"
            | "zip"
            | "gz"
            | "mp4"
            | "mp3"
            | "docx"
            | "xlsx"
            | "pptx"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_make_one_json_array_across_chunks() {
        let a = vec![r#"{"a":1}"#.to_string(), r#"{"a":2}"#.to_string()];
        let b = vec![r#"{"a":3}"#.to_string()];
        let mut s = json_lines(&a, true, false);
        s.extend(json_lines(&b, false, false));
        s.extend(json_lines(&[], false, true));
        let v: Value = serde_json::from_slice(&s).unwrap();
        assert_eq!(v, json!([{"a": 1}, {"a": 2}, {"a": 3}]));
        let v: Value = serde_json::from_slice(&json_lines(&[], true, true)).unwrap();
        assert_eq!(v, json!([]));
    }

    #[test]
    fn a_csv_line_holds_each_column_and_guards_formulas() {
        let cols = vec![
            "id".to_string(),
            "tags".to_string(),
            "name".to_string(),
            "gone".to_string(),
        ];
        let rows = vec![r#"{"id":7,"tags":["a","b"],"name":"=cmd","gone":null}"#.to_string()];
        let bytes = csv_lines(&cols, &rows, true).unwrap();
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "id,tags,name,gone\n7,\"[\"\"a\"\",\"\"b\"\"]\",'=cmd,\n"
        );
    }

    #[test]
    fn a_file_name_stays_in_its_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("..."), "file");
        assert_eq!(safe_name("report.pdf"), "report.pdf");
        assert!(packed("Photo.JPG") && !packed("notes.txt"));
    }
}
