//! Reading an uploaded file into rows of text: CSV in any usual delimiter
//! and encoding, or the first sheet of an XLSX workbook.

use calamine::{Data, Reader};
use rapport_domain::imports::{CELLS_MAX, COLUMNS_MAX};
use std::io::Cursor;

/// A file's cells, row by row, with trailing empty rows dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// `csv` or `xlsx`.
    pub format: &'static str,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    /// The widest row's number of cells.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Reads `bytes`, or says why it cannot in words for the person who sent it.
pub fn read(bytes: &[u8]) -> Result<Sheet, String> {
    let mut sheet = if bytes.starts_with(b"PK\x03\x04") {
        xlsx(bytes)?
    } else {
        csv(&decode(bytes))?
    };
    while sheet
        .rows
        .last()
        .is_some_and(|r| r.iter().all(|c| c.trim().is_empty()))
    {
        sheet.rows.pop();
    }
    if sheet.rows.is_empty() {
        return Err("the file has no rows".into());
    }
    if sheet.rows.len().saturating_mul(sheet.width()) > CELLS_MAX {
        return Err(format!(
            "the file has more than {CELLS_MAX} cells (rows × columns); split it"
        ));
    }
    Ok(sheet)
}

/// [`read`] on a thread that may block, away from those that answer requests.
pub async fn read_aside(bytes: Vec<u8>) -> Result<Sheet, String> {
    tokio::task::spawn_blocking(move || read(&bytes))
        .await
        .map_err(|e| format!("the file cannot be read: {e}"))?
}

fn too_wide() -> String {
    format!("the file has more than {COLUMNS_MAX} columns")
}

/// Text from bytes: UTF-8 (with or without its BOM) or UTF-16 with a BOM;
/// anything else is read as Windows-1252, the superset of Latin-1 that
/// spreadsheets write.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// The delimiter that splits the first lines into the same number of cells
/// most often (more than one cell): comma, semicolon, tab or bar.
pub fn delimiter(text: &str) -> u8 {
    let sample: String = text.lines().take(50).collect::<Vec<_>>().join("\n");
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let widths: Vec<usize> = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes())
            .records()
            .map_while(Result::ok)
            .map(|r| r.len())
            .collect();
        let mut counts = std::collections::HashMap::new();
        for w in widths.iter().filter(|w| **w > 1) {
            *counts.entry(*w).or_insert(0usize) += 1;
        }
        // Rows agreeing on a width, weighted a little by the width.
        let score = counts.iter().map(|(w, n)| n * 100 + w).max().unwrap_or(0);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn csv(text: &str) -> Result<Sheet, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} cannot be read: {e}", i + 1))?;
        if record.len() > COLUMNS_MAX {
            return Err(too_wide());
        }
        rows.push(record.iter().map(clean).collect());
    }
    Ok(Sheet {
        format: "csv",
        rows,
    })
}

/// A cell without the characters PostgreSQL cannot keep, and without the
/// `'` an export puts before a value that starts like a formula
/// ([`crate::export::cell`]): what is exported imports as it was.
fn clean(s: &str) -> String {
    let s = match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    };
    s.replace('\0', "")
}

/// The first sheet, cell by cell at their own positions (row 1 is the
/// sheet's row 1 even when it is empty), refused as soon as a cell lies
/// beyond what a file may hold: a small workbook may name a far corner.
fn xlsx(bytes: &[u8]) -> Result<Sheet, String> {
    let unreadable = |e: calamine::XlsxError| format!("the workbook cannot be read: {e}");
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the workbook has no sheet")?;
    let mut reader = book.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut width = 0;
    while let Some(c) = reader.next_cell().map_err(unreadable)? {
        let value = cell(&Data::from(c.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        let (r, col) = c.get_position();
        let (r, col) = (r as usize, col as usize);
        if col >= COLUMNS_MAX {
            return Err(too_wide());
        }
        width = width.max(col + 1);
        if rows.len().max(r + 1).saturating_mul(width) > CELLS_MAX {
            return Err(format!(
                "the file has more than {CELLS_MAX} cells (rows × columns); split it"
            ));
        }
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= col {
            row.resize(col + 1, String::new());
        }
        row[col] = value;
    }
    Ok(Sheet {
        format: "xlsx",
        rows,
    })
}

/// A cell as text: whole numbers without `.0`, dates as `YYYY-MM-DD`
/// (with the time when there is one).
fn cell(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => clean(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_too_wide_or_with_too_many_cells_is_refused_before_it_is_padded() {
        let wide = format!("{}\na\n", ",".repeat(COLUMNS_MAX));
        assert_eq!(read(wide.as_bytes()).unwrap_err(), too_wide());
        // One row of 100 columns, then 60,000 rows of one: 6 million cells once padded.
        let mut long = ",".repeat(99);
        long.push('\n');
        long.push_str(&"a\n".repeat(60_000));
        assert!(read(long.as_bytes()).unwrap_err().contains("cells"));
        let fine = format!("{}\n{}", ",".repeat(99), "a\n".repeat(10_000));
        assert_eq!(read(fine.as_bytes()).unwrap().rows.len(), 10_001);
    }

    #[test]
    fn what_an_export_guarded_imports_as_it_was() {
        let sheet = read(b"phone,note\n'+33 6 12,'=1+1\n'plain,it's\n").unwrap();
        assert_eq!(sheet.rows[1], ["+33 6 12", "=1+1"]);
        assert_eq!(sheet.rows[2], ["'plain", "it's"]);
    }

    #[test]
    fn any_usual_delimiter_is_found() {
        assert_eq!(delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(delimiter("name,city\n\"Doe; John\",Paris\n"), b',');
        assert_eq!(delimiter("a|b|c\n"), b'|');
    }

    #[test]
    fn utf8_with_or_without_bom_latin1_and_utf16_read_alike() {
        let expected = "Prénom;Nom\nZoë;Brontë\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(expected.as_bytes());
        assert_eq!(decode(expected.as_bytes()), expected);
        assert_eq!(decode(&bom), expected);
        let latin1: Vec<u8> = expected.chars().map(|c| c as u32 as u8).collect();
        assert_eq!(decode(&latin1), expected);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(expected.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16), expected);
        let sheet = read(&bom).unwrap();
        assert_eq!(sheet.rows, [["Prénom", "Nom"], ["Zoë", "Brontë"]]);
    }

    #[test]
    fn quoted_cells_keep_their_delimiters_and_lines() {
        let sheet = read(b"name,note\n\"Doe, John\",\"two\nlines\"\n\n\n").unwrap();
        assert_eq!(sheet.rows, [["name", "note"], ["Doe, John", "two\nlines"]]);
        assert_eq!(sheet.width(), 2);
    }

    #[test]
    fn what_is_not_a_table_says_so() {
        assert_eq!(read(b"").unwrap_err(), "the file has no rows");
        assert_eq!(read(b"\n\n").unwrap_err(), "the file has no rows");
        let broken = read(b"PK\x03\x04 not really a workbook").unwrap_err();
        assert!(
            broken.starts_with("the workbook cannot be read"),
            "{broken}"
        );
    }
}
