//! An XLSX workbook of one sheet, written as its rows come and sent as it
//! is written: the zip archive is streamed (each entry's sizes follow its
//! data) and the sheet's cells are inline text, so nothing but the current
//! chunk is ever held, and the first bytes leave before the last row is
//! read.

use crate::error::ApiError;
use actix_web::web::Bytes;
use std::io::Write;
use tokio::sync::mpsc;

/// What the reader of the rows hands the writer of the archive.
pub enum Part {
    /// The XML of some rows of the sheet.
    Rows(String),
    /// The last row was written: how many rows and columns the sheet has.
    End { rows: u32, columns: usize },
    /// Reading the rows failed: the file must not look whole.
    Failed(ApiError),
}

/// Bytes sent to the answer in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// The answer's body: what the archive writes, in chunks.
struct Sink {
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
    buf: Vec<u8>,
}

impl Sink {
    fn send(&mut self) -> std::io::Result<()> {
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
pub fn write(mut parts: mpsc::Receiver<Part>, tx: mpsc::Sender<Result<Bytes, ApiError>>) {
    let sink = Sink {
        tx: tx.clone(),
        buf: Vec::with_capacity(CHUNK),
    };
    let written = (|| -> Result<(), ApiError> {
        use zip::write::SimpleFileOptions;
        let failed = |e: zip::result::ZipError| ApiError::internal(anyhow::anyhow!(e));
        let io = |e: std::io::Error| ApiError::internal(anyhow::anyhow!(e));
        let mut zip = zip::ZipWriter::new_stream(sink);
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .map_err(failed)?;
        zip.write_all(SHEET_HEAD.as_bytes()).map_err(io)?;
        let (rows, columns) = loop {
            match parts.blocking_recv() {
                Some(Part::Rows(xml)) => zip.write_all(xml.as_bytes()).map_err(io)?,
                Some(Part::End { rows, columns }) => break (rows, columns),
                Some(Part::Failed(e)) => return Err(e),
                None => return Err(ApiError::internal(anyhow::anyhow!("the rows stopped"))),
            }
        };
        let last = column_name(columns.max(1) - 1);
        let rows = rows.max(1);
        write!(
            zip,
            "</sheetData><autoFilter ref=\"A1:{last}{rows}\"/></worksheet>"
        )
        .map_err(io)?;
        let workbook = format!(
            "{XML}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets>\
             <definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">Sheet1!$A$1:${last}${rows}</definedName></definedNames></workbook>"
        );
        let others = [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
            ("xl/workbook.xml", workbook.as_str()),
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

/// `text` as XML character data: markup escaped, and the characters XML
/// cannot hold at all (controls other than tab and line breaks) left out.
fn escape(xml: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
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

const CONTENT_TYPES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
    "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    "</Types>"
);

const ROOT_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>",
    "</Relationships>"
);

const WORKBOOK_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>",
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>",
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
}
