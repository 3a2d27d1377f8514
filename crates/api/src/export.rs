//! Lists exported as files, streamed: the rows are read a thousand at a
//! time along the list's own keyset and written as they come, so an export
//! of a million rows holds one chunk in memory, never the whole list.

use crate::error::ApiError;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use futures::future::BoxFuture;
use rapport_db::list::{ListResult, PageRequest, Sorts};
use rapport_db::{Conn, OwnedConn};

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

/// One kind of record as a CSV file: its columns and how a row fills them.
pub struct Csv<S: Sorts> {
    /// The file's name, without the date and extension: `people`.
    pub name: &'static str,
    pub header: &'static [&'static str],
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
pub fn csv<S: Sorts>(conn: OwnedConn, sort: rapport_db::list::Sort<S>, file: Csv<S>) -> CsvFile
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
        let mut conn = conn;
        let mut first = vec![0xEF, 0xBB, 0xBF];
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(file.header);
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
    CsvFile(attachment(&name).streaming(body))
}

/// A CSV answer named `name` in the download.
fn attachment(name: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type("text/csv; charset=utf-8").insert_header((
        "content-disposition",
        format!("attachment; filename=\"{name}\""),
    ));
    r
}

/// A small CSV file built whole (a report): the same form as [`csv`].
pub fn csv_whole(name: &str, header: &[String], lines: Vec<Vec<String>>) -> CsvFile {
    let mut body = vec![0xEF, 0xBB, 0xBF];
    let mut w = csv::Writer::from_writer(Vec::with_capacity(lines.len() * 128));
    let _ = w.write_record(header);
    for line in lines {
        let _ = w.write_record(line.iter().map(|v| cell(v)));
    }
    body.extend(w.into_inner().unwrap_or_default());
    CsvFile(attachment(name).body(body))
}

/// A CSV file as the answer (documented as `text/csv`, body `String`).
pub struct CsvFile(HttpResponse);

impl actix_web::Responder for CsvFile {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, _: &actix_web::HttpRequest) -> HttpResponse {
        self.0
    }
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
