//! Lists exported as files: the rows are read a thousand at a time along
//! the list's own keyset and written as they come, so an export of a
//! million rows holds one chunk in memory, never the whole list. A CSV file
//! and an XLSX workbook ([`xlsx`]) are both streamed as they are written.

pub mod archive;
pub mod xlsx;

use crate::error::ApiError;
use crate::respond::File;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use futures::future::BoxFuture;
use rapport_db::list::{ListResult, PageRequest, Sorts};
use rapport_db::{Conn, OwnedConn};

/// A place among the exports streaming at once, held until the file is
/// sent: an export holds a database connection all that time, so only a
/// few may run at once (`RAPPORT_EXPORT_CONCURRENCY`), and one more answers
/// 429 with `Retry-After` rather than starving the other requests.
pub struct Slot(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl actix_web::FromRequest for Slot {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<actix_web::web::Data<crate::state::AppState>>();
        std::future::ready(match state {
            None => Err(ApiError::internal(anyhow::anyhow!("no application state"))),
            Some(s) => s
                .exports
                .clone()
                .try_acquire_owned()
                .map(Slot)
                .map_err(|_| ApiError::TooManyRequests {
                    retry_after: 5,
                    detail: "as many exports as this server streams at once are being sent; try again when one has finished".into(),
                    limit: None,
                }),
        })
    }
}

/// Rows read per query.
const CHUNK: i64 = 1000;

/// Reads the rows after `page.after`, as the list does.
pub type Fetch<S> = Box<
    dyn for<'a> Fn(
            &'a mut Conn,
            PageRequest<S>,
        ) -> BoxFuture<'a, ListResult<Vec<<S as Sorts>::Row>>>
        + Send,
>;

/// Turns rows into lines of cells.
pub type Write<S> = Box<
    dyn for<'a> Fn(
            &'a mut Conn,
            &'a [<S as Sorts>::Row],
        ) -> BoxFuture<'a, Result<Vec<Vec<String>>, ApiError>>
        + Send,
>;

/// One kind of record as a file: its columns and how a row fills them.
pub struct Table<S: Sorts> {
    /// The file's name, without the date and extension: `people`.
    pub name: &'static str,
    pub header: Vec<String>,
    /// Reads the rows after `page.after`, as the list does.
    pub fetch: Fetch<S>,
    /// Reads what the rows point at (organisations' names) and writes them.
    pub write: Write<S>,
}

/// A cell as a spreadsheet should take it: one that starts like a formula
/// (`=`, `+`, `-`, `@`) gets a leading `'`, so that opening the file never
/// runs it. Imports take the `'` off again.
pub fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// The answer: `text/csv`, UTF-8 with a byte-order mark (so that
/// spreadsheets read accents right), streamed chunk by chunk from `conn`
/// along `sort` from the start.
pub fn csv<S: Sorts>(
    conn: OwnedConn,
    sort: rapport_db::list::Sort<S>,
    file: Table<S>,
    slot: Slot,
) -> File
where
    S::Row: Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ApiError>>(2);
    let name = format!(
        "{}-{}.csv",
        file.name,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    actix_web::rt::spawn(async move {
        let _slot = slot;
        let mut conn = conn;
        let mut first = vec![0xEF, 0xBB, 0xBF];
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(file.header.iter().map(|h| cell(h)));
        first.extend(w.into_inner().unwrap_or_default());
        if tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        let mut page = PageRequest {
            sort,
            after: None,
            limit: CHUNK,
        };
        loop {
            let rows = match (file.fetch)(&mut conn, page.clone()).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(ApiError::from(e))).await;
                    return;
                }
            };
            let next = page.next_key(&rows);
            let lines = match (file.write)(&mut conn, &rows).await {
                Ok(lines) => lines,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
            for line in lines {
                let _ = w.write_record(line.iter().map(|v| cell(v)));
            }
            // The client went away: stop reading.
            if tx
                .send(Ok(Bytes::from(w.into_inner().unwrap_or_default())))
                .await
                .is_err()
            {
                return;
            }
            match next {
                Some(key) => page.after = Some(key),
                None => return,
            }
        }
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map_err(actix_web::Error::from), rx))
    });
    File(attachment(&name, CSV).streaming(body))
}

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The header of an exported list, its `standard` columns then one per
/// live custom field (its label), and those fields' keys in the same order
/// for [`custom_cell`].
pub fn header(
    standard: &[&str],
    fields: Vec<rapport_domain::api::CustomFieldView>,
) -> (Vec<String>, std::sync::Arc<Vec<String>>) {
    let mut header: Vec<String> = standard.iter().map(|c| c.to_string()).collect();
    header.extend(fields.iter().map(|f| f.label.clone()));
    let keys = fields.into_iter().map(|f| f.key).collect();
    (header, std::sync::Arc::new(keys))
}

/// `table` as the file `format` asks for.
pub async fn send<S: Sorts>(
    format: rapport_domain::api::ExportFormat,
    conn: OwnedConn,
    sort: rapport_db::list::Sort<S>,
    table: Table<S>,
    slot: Slot,
) -> Result<File, ApiError>
where
    S::Row: Send + 'static,
{
    use rapport_domain::api::ExportFormat;
    Ok(match format {
        ExportFormat::Csv => csv(conn, sort, table, slot),
        ExportFormat::Xlsx => xlsx(conn, sort, table, slot),
    })
}

/// The same rows as [`csv`], as an XLSX workbook ([`xlsx`]):
/// every cell a text cell (nothing in it is ever run as a formula), the
/// header row bold and frozen, the columns filtered. Streamed as it is
/// written; a failure midway breaks the file off, as it does a CSV's.
pub fn xlsx<S: Sorts>(
    conn: OwnedConn,
    sort: rapport_db::list::Sort<S>,
    file: Table<S>,
    slot: Slot,
) -> File
where
    S::Row: Send + 'static,
{
    use xlsx::Part;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ApiError>>(2);
    let (parts_tx, parts) = tokio::sync::mpsc::channel::<Part>(2);
    tokio::task::spawn_blocking(move || xlsx::write(parts, tx));
    let name = format!(
        "{}-{}.xlsx",
        file.name,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    actix_web::rt::spawn(async move {
        let _slot = slot;
        let mut conn = conn;
        if parts_tx.send(Part::Header(file.header)).await.is_err() {
            return;
        }
        let mut page = PageRequest {
            sort,
            after: None,
            limit: CHUNK,
        };
        loop {
            let lines = match (file.fetch)(&mut conn, page.clone()).await {
                Ok(rows) => {
                    let next = page.next_key(&rows);
                    (file.write)(&mut conn, &rows).await.map(|l| (l, next))
                }
                Err(e) => Err(ApiError::from(e)),
            };
            let (lines, next) = match lines {
                Ok(l) => l,
                Err(e) => {
                    let _ = parts_tx.send(Part::Failed(e)).await;
                    return;
                }
            };
            // The client went away: stop reading.
            if parts_tx.send(Part::Lines(lines)).await.is_err() {
                return;
            }
            match next {
                Some(key) => page.after = Some(key),
                None => break,
            }
        }
        let _ = parts_tx.send(Part::End).await;
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map_err(actix_web::Error::from), rx))
    });
    File(attachment(&name, XLSX).streaming(body))
}

/// A custom value as a cell: a text, a number, `true` or `false`, the
/// options of a multi-select joined by `; `.
pub fn custom_cell(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| custom_cell(Some(i)))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

/// A download named `name` in the browser, of type `content_type`.
pub(crate) fn attachment(name: &str, content_type: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type(content_type).insert_header((
        "content-disposition",
        format!("attachment; filename=\"{name}\""),
    ));
    r
}

/// A small CSV file built whole (a report): the same form as [`csv`].
pub fn csv_whole(name: &str, header: &[String], lines: Vec<Vec<String>>) -> File {
    let mut body = vec![0xEF, 0xBB, 0xBF];
    let mut w = csv::Writer::from_writer(Vec::with_capacity(lines.len() * 128));
    let _ = w.write_record(header.iter().map(|v| cell(v)));
    for line in lines {
        let _ = w.write_record(line.iter().map(|v| cell(v)));
    }
    body.extend(w.into_inner().unwrap_or_default());
    File(attachment(name, CSV).body(body))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_cell_never_starts_a_formula() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+1 555 0100"), "'+1 555 0100");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Ada"), "Ada");
        assert_eq!(cell(""), "");
    }
}
