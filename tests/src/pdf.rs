//! The text of a PDF as a reader sees it: each string the page shows,
//! read through its font's map back to Unicode (`ToUnicode`), one line per
//! string. Enough for the documents Rapport writes (uncompressed page
//! contents, fonts of two-byte glyph ids); a test reads a receipt with it as
//! a person would, by what is printed on it.

use std::collections::HashMap;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Object `n`'s body, from `n 0 obj` to `endobj`.
fn object(pdf: &[u8], n: u32) -> &[u8] {
    let head = format!("\n{n} 0 obj");
    let start = find(pdf, head.as_bytes(), 0).unwrap_or_else(|| panic!("no object {n}"));
    let end = find(pdf, b"endobj", start).expect("endobj");
    &pdf[start + head.len()..end]
}

/// A stream object's data.
fn stream(obj: &[u8]) -> &[u8] {
    let start = find(obj, b"stream\n", 0).expect("a stream") + 7;
    let end = find(obj, b"\nendstream", start).expect("endstream");
    &obj[start..end]
}

/// The object that `key` refers to in `dict` (`/Key n 0 R`).
fn reference(dict: &[u8], key: &str) -> Option<u32> {
    let at = find(dict, key.as_bytes(), 0)? + key.len();
    let digits: String = dict[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == b'[')
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().ok()
}

fn hex(s: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = s.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("0"), 16).unwrap_or(0))
        .collect()
}

/// A `ToUnicode` map: glyph id to text.
fn unicode_map(cmap: &[u8]) -> HashMap<u16, String> {
    let mut map = HashMap::new();
    let text = String::from_utf8_lossy(cmap);
    for block in text.split("beginbfchar").skip(1) {
        let block = block.split("endbfchar").next().unwrap_or("");
        let codes: Vec<&str> = block
            .split(['<', '>'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        for pair in codes.chunks(2) {
            let [glyph, unicode] = pair else { continue };
            let glyph = u16::from_str_radix(glyph, 16).unwrap_or(0);
            let units: Vec<u16> = hex(unicode.as_bytes())
                .chunks(2)
                .map(|b| u16::from_be_bytes([b[0], *b.get(1).unwrap_or(&0)]))
                .collect();
            map.insert(glyph, String::from_utf16_lossy(&units));
        }
    }
    map
}

/// A literal string `(…)` starting at `s[0]`: its bytes and its length.
fn literal(s: &[u8]) -> (Vec<u8>, usize) {
    let (mut out, mut depth, mut i) = (Vec::new(), 0, 1);
    while i < s.len() {
        let b = s[i];
        match b {
            b'\\' => {
                i += 1;
                let e = s[i];
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'0'..=b'7' => {
                        let mut v = 0u32;
                        let mut n = 0;
                        while n < 3 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                            v = v * 8 + u32::from(s[i] - b'0');
                            i += 1;
                            n += 1;
                        }
                        out.push(v as u8);
                        continue;
                    }
                    other => out.push(other),
                }
            }
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => return (out, i + 1),
            b')' => {
                depth -= 1;
                out.push(b);
            }
            _ => out.push(b),
        }
        i += 1;
    }
    (out, i)
}

/// Every string the first page shows, decoded, one per line.
pub fn text(pdf: &[u8]) -> String {
    let catalog_pages = find(pdf, b"/Type /Pages", 0).expect("a page tree");
    let page = reference(&pdf[catalog_pages..], "/Kids").expect("a page");
    let page = object(pdf, page);
    let contents = stream(object(
        pdf,
        reference(page, "/Contents").expect("page contents"),
    ));
    // The page's fonts, by resource name, and their maps.
    let fonts_at = find(page, b"/Font <<", 0).expect("fonts");
    let fonts_end = find(page, b">>", fonts_at + 8).expect("end of fonts");
    let mut maps: HashMap<String, HashMap<u16, String>> = HashMap::new();
    let fonts = String::from_utf8_lossy(&page[fonts_at + 8..fonts_end]).to_string();
    let words: Vec<&str> = fonts.split_whitespace().collect();
    for w in words.windows(4) {
        if let [name, n, "0", "R"] = w {
            let font = object(pdf, n.parse().expect("font object"));
            let map = reference(font, "/ToUnicode")
                .map(|m| unicode_map(stream(object(pdf, m))))
                .unwrap_or_default();
            maps.insert(name.trim_start_matches('/').to_string(), map);
        }
    }

    let (mut lines, mut font, mut last): (Vec<String>, String, Vec<u8>) =
        (Vec::new(), String::new(), Vec::new());
    let mut i = 0;
    while i < contents.len() {
        match contents[i] {
            b'(' => {
                let (bytes, len) = literal(&contents[i..]);
                last = bytes;
                i += len;
            }
            b'<' => {
                let end = find(contents, b">", i).expect("end of hex string");
                last = hex(&contents[i + 1..end]);
                i = end + 1;
            }
            b'/' => {
                let end = contents[i + 1..]
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(contents.len(), |p| p + i + 1);
                font = String::from_utf8_lossy(&contents[i + 1..end]).to_string();
                i = end;
            }
            b'T' if contents[i..].starts_with(b"Tj") => {
                let map = maps.get(&font).cloned().unwrap_or_default();
                let line: String = last
                    .chunks(2)
                    .map(|g| {
                        let id = u16::from_be_bytes([g[0], *g.get(1).unwrap_or(&0)]);
                        map.get(&id).cloned().unwrap_or_else(|| "\u{fffd}".into())
                    })
                    .collect();
                lines.push(line);
                i += 2;
            }
            _ => i += 1,
        }
    }
    lines.join("\n")
}
