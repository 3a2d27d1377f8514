//! Invoices and credit notes as PDFs: A4 pages in DejaVu Sans, embedded
//! with only the glyphs they use, so that names in any script the font has
//! are printed as written. Lines run on to further pages as needed.

use crate::error::ApiError;
use crate::payments::{month_name, spoken};
use crate::pdf::{Font, BOLD, REGULAR};
use pdf_writer::{Content, Finish, Name, Rect, Ref};
use rapport_db::finance::{CreditNoteRow, InvoiceRow, LineRow};
use rapport_db::Conn;
use uuid::Uuid;

/// Lines on one page.
const PER_PAGE: usize = 32;

/// What a document names besides its figures.
pub struct Parties {
    pub business: String,
    pub student: String,
}

/// The business (the workspace) and student `person` of `ws`.
pub async fn parties(conn: &mut Conn, ws: Uuid, person: Uuid) -> Result<Parties, ApiError> {
    let business = rapport_db::workspaces::find(conn, ws)
        .await?
        .map(|w| w.name)
        .unwrap_or_default();
    let student = rapport_db::people::names(conn, ws, &[person])
        .await?
        .remove(&person)
        .map(|(f, l)| format!("{f} {l}").trim().to_string())
        .unwrap_or_default();
    Ok(Parties { business, student })
}

/// A document: a title, a few facts, lines with amounts, the totals and a
/// footnote.
struct Doc<'a> {
    title: String,
    facts: Vec<(&'a str, String)>,
    heading: &'a str,
    lines: Vec<(String, String)>,
    totals: Vec<(&'a str, String)>,
    foot: String,
}

fn render(who: &Parties, d: &Doc<'_>) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    // Each font takes five objects from its first.
    let (catalog, tree, regular_id, bold_id) =
        (Ref::new(1), Ref::new(2), Ref::new(10), Ref::new(20));
    let chunks: Vec<&[(String, String)]> = if d.lines.is_empty() {
        vec![&[]]
    } else {
        d.lines.chunks(PER_PAGE).collect()
    };
    let pages: Vec<(Ref, Ref)> = (0..chunks.len() as i32)
        .map(|i| (Ref::new(100 + 2 * i), Ref::new(101 + 2 * i)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().map(|p| p.0))
        .count(pages.len() as i32);
    let mut regular = Font::new(&REGULAR, b"F1");
    let mut bold = Font::new(&BOLD, b"F2");
    let right = 525.0;
    for (n, (chunk, (page_id, content_id))) in chunks.iter().zip(&pages).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        page.parent(tree);
        page.contents(*content_id);
        {
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Name(b"F1"), regular_id);
            fonts.pair(Name(b"F2"), bold_id);
        }
        page.finish();
        let mut c = Content::new();
        let mut text = |c: &mut Content, x: f32, y: f32, size: f32, strong: bool, s: &str| {
            let font = if strong { &mut bold } else { &mut regular };
            font.show(c, x, y, size, s);
        };
        let at_right =
            |strong: bool, s: &str| right - if strong { &BOLD } else { &REGULAR }.width(s, 11.0);
        let mut y = 770.0;
        text(&mut c, 70.0, y, 20.0, true, &who.business);
        y -= 35.0;
        text(&mut c, 70.0, y, 14.0, true, &d.title);
        y -= 35.0;
        if n == 0 {
            for (label, value) in &d.facts {
                text(&mut c, 70.0, y, 11.0, false, label);
                text(&mut c, 190.0, y, 11.0, false, value);
                y -= 18.0;
            }
            y -= 20.0;
        }
        text(&mut c, 70.0, y, 11.0, true, d.heading);
        text(&mut c, at_right(true, "Amount"), y, 11.0, true, "Amount");
        c.set_line_width(0.5);
        c.move_to(70.0, y - 6.0);
        c.line_to(right, y - 6.0);
        c.stroke();
        y -= 24.0;
        for (label, amount) in chunk.iter() {
            let label: String = label.chars().take(80).collect();
            text(&mut c, 70.0, y, 10.0, false, &label);
            text(&mut c, at_right(false, amount), y, 11.0, false, amount);
            y -= 16.0;
        }
        if n + 1 == chunks.len() {
            c.move_to(70.0, y + 6.0);
            c.line_to(right, y + 6.0);
            c.stroke();
            y -= 12.0;
            for (label, amount) in &d.totals {
                text(&mut c, 70.0, y, 11.0, true, label);
                text(&mut c, at_right(true, amount), y, 11.0, true, amount);
                y -= 18.0;
            }
            text(&mut c, 70.0, 60.0, 8.0, false, &d.foot);
        } else {
            text(
                &mut c,
                70.0,
                60.0,
                8.0,
                false,
                &format!("Page {} of {}", n + 1, chunks.len()),
            );
        }
        pdf.stream(*content_id, &c.finish());
    }
    regular.write(&mut pdf, regular_id);
    bold.write(&mut pdf, bold_id);
    pdf.finish()
}

/// Invoice `i` with its lines as a PDF document.
pub fn invoice(i: &InvoiceRow, lines: &[LineRow], who: &Parties) -> Vec<u8> {
    let cur = i.currency.as_str();
    let mut facts = vec![
        ("Billed to", who.student.clone()),
        ("Issued", i.issued_on.format("%-d %B %Y").to_string()),
        ("Due by", i.due_on.format("%-d %B %Y").to_string()),
    ];
    if let Some(m) = i.month {
        facts.push(("For", month_name(m)));
    }
    let mut totals = vec![("Total", spoken(i.total_minor, cur))];
    if i.credited_minor > 0 {
        totals.push(("Credited", spoken(-i.credited_minor, cur)));
        totals.push((
            "Total after credits",
            spoken(i.total_minor - i.credited_minor, cur),
        ));
    }
    render(
        who,
        &Doc {
            title: format!("Invoice No. {}", i.number),
            facts,
            heading: "Sessions",
            lines: lines
                .iter()
                .map(|l| (l.description.clone(), spoken(l.amount_minor, cur)))
                .collect(),
            totals,
            foot: format!("Invoice {}", i.id),
        },
    )
}

/// Credit note `c` of invoice `i` as a PDF document.
pub fn credit_note(c: &CreditNoteRow, i: &InvoiceRow, lines: &[LineRow], who: &Parties) -> Vec<u8> {
    let cur = c.currency.as_str();
    let given: Vec<rapport_domain::api::CreditLine> =
        serde_json::from_value(c.lines.clone()).unwrap_or_default();
    render(
        who,
        &Doc {
            title: format!("Credit note No. {}", c.number),
            facts: vec![
                ("Credited to", who.student.clone()),
                ("Issued", c.created_at.format("%-d %B %Y").to_string()),
                ("Corrects", format!("Invoice No. {}", i.number)),
                ("Reason", c.reason.clone()),
            ],
            heading: "Given back",
            lines: given
                .iter()
                .map(|g| {
                    let d = lines
                        .iter()
                        .find(|l| l.line == g.line)
                        .map(|l| l.description.clone())
                        .unwrap_or_default();
                    (d, spoken(g.amount_minor.unwrap_or(0), cur))
                })
                .collect(),
            totals: vec![("Total credited", spoken(c.amount_minor, cur))],
            foot: format!("Credit note {}", c.id),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    fn line(n: i32) -> LineRow {
        LineRow {
            workspace_id: Uuid::nil(),
            invoice_id: Uuid::nil(),
            line: n,
            person_id: Uuid::nil(),
            session_id: Some(Uuid::nil()),
            description: format!("Алгебра {n} — 3 Dec 2026, 60 min"),
            month: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            minutes: 60,
            tutor_id: None,
            branch_id: None,
            unit: "hour".into(),
            unit_minor: 4000,
            amount_minor: 4000,
            cost_minor: 2000,
            credited_minor: 0,
            released: false,
            package_id: None,
        }
    }

    #[test]
    fn a_long_invoice_runs_on_to_more_pages() {
        let i = InvoiceRow {
            workspace_id: Uuid::nil(),
            id: Uuid::nil(),
            number: 42,
            person_id: Uuid::nil(),
            currency: "EUR".into(),
            total_minor: 4000 * 70,
            credited_minor: 0,
            month: NaiveDate::from_ymd_opt(2026, 12, 1),
            issued_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            due_on: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            entry_id: Uuid::nil(),
            created_by: None,
            created_at: Utc::now(),
            sent_at: None,
        };
        let lines: Vec<LineRow> = (1..=70).map(line).collect();
        let who = Parties {
            business: "Tutoring Ltd".into(),
            student: "Zoë Łukasiewicz".into(),
        };
        let pdf = invoice(&i, &lines, &who);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "70 lines take three pages");
        assert!(text.contains("/ToUnicode"));
        // А and л of Алгебра are in the maps.
        assert!(text.contains("<0410>") && text.contains("<043B>"));
    }
}
