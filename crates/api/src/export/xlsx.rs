//! An XLSX workbook, written as its rows come and sent as it is written:
//! the zip archive is streamed (each entry's sizes follow its data) and the
//! sheet's cells are inline text, so nothing but the current chunk is ever
//! held, and the first bytes leave before the last row is read. What a
//! spreadsheet cannot hold is not sent to it: past 1,048,576 rows the rows
//! go on in a second sheet (under the header again), a cell is cut at
//! 32,767 characters, and a sheet may pass 4 GiB (zip64).

use crate::error::ApiError;
use actix_web::web::Bytes;
use std::io::Write;
use tokio::sync::mpsc;

/// What the reader of the rows hands the writer of the archive.
pub enum Part {
    /// The header row, repeated at the top of every sheet.
    Header(Vec<String>),
    /// Some rows' cells.
    Lines(Vec<Vec<String>>),
    /// The last row was sent.
    End,
    /// Reading the rows failed: the file must not look whole.
    Failed(ApiError),
}

/// The rows a sheet can hold, its header included: the rows after them go
/// on to the next sheet, under the header again.
pub const SHEET_ROWS: u32 = 1_048_576;
/// The characters a cell can hold: longer texts are cut there, as a
/// spreadsheet would refuse the file otherwise.
pub const CELL_CHARS: usize = 32_767;

/// Bytes sent to the answer in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// The answer's body: what the archive writes, in chunks.
pub(super) struct Sink {
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
    buf: Vec<u8>,
}

impl Sink {
    pub(super) fn new(tx: mpsc::Sender<Result<Bytes, ApiError>>) -> Sink {
        Sink {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    pub(super) fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            // The client went away.
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the workbook of `parts` into `tx` on the calling (blocking)
/// thread, until the rows end, fail, or the client goes away.
pub fn write(parts: mpsc::Receiver<Part>, tx: mpsc::Sender<Result<Bytes, ApiError>>) {
    write_sheets(parts, tx, SHEET_ROWS)
}

/// [`write`], with at most `per_sheet` rows (the header included) on each
/// sheet.
fn write_sheets(
    mut parts: mpsc::Receiver<Part>,
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
    per_sheet: u32,
) {
    let sink = Sink::new(tx.clone());
    let written = (|| -> Result<(), ApiError> {
        use zip::write::SimpleFileOptions;
        let failed = |e: zip::result::ZipError| ApiError::internal(anyhow::anyhow!(e));
        let io = |e: std::io::Error| ApiError::internal(anyhow::anyhow!(e));
        let mut zip = zip::ZipWriter::new_stream(sink);
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        // A sheet may pass 4 GiB before it is compressed.
        let sheet_options = options.large_file(true);
        let header = match parts.blocking_recv() {
            Some(Part::Header(h)) => h,
            Some(Part::Failed(e)) => return Err(e),
            _ => return Err(ApiError::internal(anyhow::anyhow!("no header came"))),
        };
        let columns = header.len();
        // The sheets written so far, each with its last row.
        let mut sheets: Vec<u32> = Vec::new();
        let mut xml = String::with_capacity(CHUNK);
        let start = |zip: &mut zip::ZipWriter<zip::write::StreamWriter<Sink>>,
                     xml: &mut String,
                     n: usize| {
            zip.start_file(format!("xl/worksheets/sheet{n}.xml"), sheet_options)
                .map_err(failed)?;
            xml.push_str(SHEET_HEAD);
            row(xml, 1, &header, true);
            Ok::<_, ApiError>(1)
        };
        let end = |xml: &mut String, rows: u32| {
            let last = column_name(columns.max(1) - 1);
            xml.push_str(&format!(
                "</sheetData><autoFilter ref=\"A1:{last}{rows}\"/></worksheet>"
            ));
        };
        let mut at = start(&mut zip, &mut xml, 1)?;
        loop {
            match parts.blocking_recv() {
                Some(Part::Lines(lines)) => {
                    for line in lines {
                        if at == per_sheet {
                            end(&mut xml, at);
                            zip.write_all(xml.as_bytes()).map_err(io)?;
                            xml.clear();
                            sheets.push(at);
                            at = start(&mut zip, &mut xml, sheets.len() + 1)?;
                        }
                        at += 1;
                        row(&mut xml, at, &line, false);
                    }
                    zip.write_all(xml.as_bytes()).map_err(io)?;
                    xml.clear();
                }
                Some(Part::End) => break,
                Some(Part::Failed(e)) => return Err(e),
                Some(Part::Header(_)) | None => {
                    return Err(ApiError::internal(anyhow::anyhow!("the rows stopped")))
                }
            }
        }
        end(&mut xml, at);
        zip.write_all(xml.as_bytes()).map_err(io)?;
        sheets.push(at);
        let others = [
            ("[Content_Types].xml", content_types(sheets.len())),
            ("_rels/.rels", ROOT_RELS.to_string()),
            ("xl/_rels/workbook.xml.rels", workbook_rels(sheets.len())),
            ("xl/styles.xml", STYLES.to_string()),
            ("xl/workbook.xml", workbook(&sheets, columns)),
        ];
        for (name, xml) in others {
            zip.start_file(name, options).map_err(failed)?;
            zip.write_all(xml.as_bytes()).map_err(io)?;
        }
        let mut sink = zip.finish().map_err(failed)?.into_inner();
        sink.send().map_err(io)
    })();
    if let Err(e) = written {
        tracing::warn!(error = ?e, "an XLSX export stopped");
        let _ = tx.blocking_send(Err(e));
    }
}

/// The workbook: its sheets (`Sheet1`, `Sheet2`, ... with their last rows)
/// and each one's filter over its rows.
fn workbook(sheets: &[u32], columns: usize) -> String {
    let last = column_name(columns.max(1) - 1);
    let mut names = String::new();
    let mut filters = String::new();
    for (i, rows) in sheets.iter().enumerate() {
        let n = i + 1;
        names.push_str(&format!(
            "<sheet name=\"Sheet{n}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
        ));
        filters.push_str(&format!(
            "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{i}\" hidden=\"1\">Sheet{n}!$A$1:${last}${rows}</definedName>"
        ));
    }
    format!(
        "{XML}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets>{names}</sheets><definedNames>{filters}</definedNames></workbook>"
    )
}

fn content_types(sheets: usize) -> String {
    let mut xml = String::from(CONTENT_TYPES_HEAD);
    for n in 1..=sheets {
        xml.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
    }
    xml.push_str("</Types>");
    xml
}

/// The workbook's parts: its sheets as `rId1`..`rIdN`, then its styles.
fn workbook_rels(sheets: usize) -> String {
    let mut xml = format!(
        "{XML}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    );
    for n in 1..=sheets {
        xml.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
    }
    xml.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
        sheets + 1
    ));
    xml
}

/// Row `at` (counted from 1) of `cells` as sheet XML: every non-empty cell
/// an inline text cell (never a formula), bold when `bold`.
pub fn row(xml: &mut String, at: u32, cells: &[String], bold: bool) {
    use std::fmt::Write;
    let _ = write!(xml, "<row r=\"{at}\">");
    for (c, v) in cells.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let _ = write!(
            xml,
            "<c r=\"{}{at}\" t=\"inlineStr\"{}><is><t xml:space=\"preserve\">",
            column_name(c),
            if bold { " s=\"1\"" } else { "" }
        );
        // Cut where a spreadsheet's cell ends.
        let v = v
            .char_indices()
            .nth(CELL_CHARS)
            .map_or(v.as_str(), |(i, _)| &v[..i]);
        escape(xml, v);
        xml.push_str("</t></is></c>");
    }
    xml.push_str("</row>");
}

/// A column's letters: 0 is `A`, 25 `Z`, 26 `AA`.
pub fn column_name(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// `text` as XML character data: markup escaped, the characters XML
/// cannot hold at all (controls other than tab and line breaks) left out,
/// and a text that reads as a spreadsheet's own escape (`_x000D_`) kept as
/// it is by escaping its underscore (`_x005F_`).
fn escape(xml: &mut String, text: &str) {
    for (i, ch) in text.char_indices() {
        match ch {
            '_' if looks_escaped(&text[i + 1..]) => xml.push_str("_x005F_"),
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\t' | '\n' | '\r' => xml.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => xml.push(c),
        }
    }
}

/// Whether `rest` (what follows an underscore) is `xHHHH_`.
fn looks_escaped(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 6
        && (b[0] == b'x' || b[0] == b'X')
        && b[1..5].iter().all(u8::is_ascii_hexdigit)
        && b[5] == b'_'
}

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The sheet up to its rows: the header row frozen.
const SHEET_HEAD: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">",
    "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>",
    "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>",
    "</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><sheetData>"
);

/// The content types up to the sheets' own.
const CONTENT_TYPES_HEAD: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
);

const ROOT_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>",
    "</Relationships>"
);

/// Two cell formats: plain, and bold for the header.
const STYLES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>",
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>",
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>",
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
    "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>",
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>",
    "</styleSheet>"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn a_row_holds_its_text_escaped_and_leaves_out_what_xml_cannot_hold() {
        let mut xml = String::new();
        let cells = ["a<b & \"c\"".to_string(), String::new(), "bell\u{7}".into()];
        row(&mut xml, 2, &cells, false);
        assert_eq!(
            xml,
            "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">a&lt;b &amp; &quot;c&quot;</t></is></c>\
             <c r=\"C2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">bell</t></is></c></row>"
        );
        let mut bold = String::new();
        row(&mut bold, 1, &["id".to_string()], true);
        assert!(bold.contains(" s=\"1\""));
    }

    #[test]
    fn a_text_that_reads_as_an_escape_is_kept_and_a_long_one_is_cut() {
        let mut xml = String::new();
        let long = "é".repeat(CELL_CHARS + 10);
        row(
            &mut xml,
            2,
            &["a_x000D_b _x12_ _xZZZZ_".to_string(), long],
            false,
        );
        assert!(xml.contains(">a_x005F_x000D_b _x12_ _xZZZZ_<"), "{xml}");
        assert_eq!(xml.matches('é').count(), CELL_CHARS);
    }

    #[test]
    fn rows_past_a_sheet_go_on_in_the_next_one_under_the_header_again() {
        use calamine::Reader;
        let (parts_tx, parts) = mpsc::channel(16);
        let (tx, mut rx) = mpsc::channel(1024);
        parts_tx
            .blocking_send(Part::Header(vec!["n".into(), "name".into()]))
            .unwrap();
        let lines: Vec<Vec<String>> = (1..=5)
            .map(|n| vec![n.to_string(), format!("row {n} _x000D_")])
            .collect();
        parts_tx.blocking_send(Part::Lines(lines)).unwrap();
        parts_tx.blocking_send(Part::End).unwrap();
        write_sheets(parts, tx, 3);
        let mut bytes = Vec::new();
        while let Ok(chunk) = rx.try_recv() {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Sheet1", "Sheet2", "Sheet3"]);
        let sheets: Vec<Vec<Vec<String>>> = book
            .worksheets()
            .into_iter()
            .map(|(_, range)| {
                range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect()
            })
            .collect();
        let first: Vec<&str> = sheets.iter().flatten().map(|r| r[0].as_str()).collect();
        assert_eq!(first, ["n", "1", "2", "n", "3", "4", "n", "5"]);
        assert_eq!(sheets[2][1][1], "row 5 _x000D_", "read back as written");
    }
}
