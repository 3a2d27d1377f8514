//! A payment's receipt as a PDF: one A4 page in DejaVu Sans, embedded
//! with only the glyphs the receipt uses, so that names in any script the
//! font has (Latin, Greek, Cyrillic, ...) are printed as written.

use super::{month_name, spoken};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pdf::{Font, BOLD, REGULAR};
use crate::record::Found;
use crate::respond::File;
use actix_web::{get, http::header, web, HttpResponse};
use pdf_writer::{Content, Finish, Name, Rect, Ref};
use rapport_db::payments::PaymentRow;
use rapport_db::Conn;
use uuid::Uuid;

/// What a receipt names besides its payment.
pub struct Parties {
    pub school: String,
    pub student: String,
    pub recorded_by: Option<String>,
}

/// The parties of payment `p` of `ws`.
pub async fn parties(conn: &mut Conn, ws: Uuid, p: &PaymentRow) -> Result<Parties, ApiError> {
    let school = rapport_db::workspaces::find(conn, ws)
        .await?
        .map(|w| w.name)
        .unwrap_or_default();
    let scope = crate::extract::Scope::Workspace(ws);
    let student = rapport_db::people::find(conn, &scope, p.person_id)
        .await?
        .map(|s| format!("{} {}", s.first_name, s.last_name))
        .unwrap_or_default();
    let recorded_by = match p.recorded_by {
        Some(u) => rapport_db::members::find(conn, ws, u)
            .await?
            .map(|m| m.name),
        None => None,
    };
    Ok(Parties {
        school,
        student,
        recorded_by,
    })
}

/// The receipt of `p` as a PDF document.
pub fn render(p: &PaymentRow, who: &Parties) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    let (catalog, tree, page_id, content_id, regular_id, bold_id) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(10),
        Ref::new(20),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    page.parent(tree);
    page.contents(content_id);
    {
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular_id);
        fonts.pair(Name(b"F2"), bold_id);
    }
    page.finish();
    let mut regular = Font::new(&REGULAR, b"F1");
    let mut bold = Font::new(&BOLD, b"F2");

    let mut c = Content::new();
    let mut text = |c: &mut Content, x: f32, y: f32, size: f32, strong: bool, s: &str| {
        let font = if strong { &mut bold } else { &mut regular };
        font.show(c, x, y, size, s);
    };
    let right = 525.0;
    // Figures end at the right margin.
    let at_right =
        |strong: bool, s: &str| right - if strong { &BOLD } else { &REGULAR }.width(s, 11.0);
    let cur = p.currency.as_str();

    text(&mut c, 70.0, 770.0, 20.0, true, &who.school);
    text(
        &mut c,
        70.0,
        735.0,
        14.0,
        true,
        &format!("Receipt No. {}", p.receipt_number),
    );
    let mut y = 700.0;
    for (label, value) in [
        ("Received from", who.student.clone()),
        ("Date paid", p.paid_on.format("%-d %B %Y").to_string()),
        ("Paid by", p.method.as_str().to_string()),
        ("Amount", spoken(p.amount_minor, cur)),
    ] {
        text(&mut c, 70.0, y, 11.0, false, label);
        text(&mut c, 190.0, y, 11.0, label == "Amount", &value);
        y -= 18.0;
    }

    y -= 20.0;
    text(&mut c, 70.0, y, 11.0, true, "Applied to");
    text(&mut c, at_right(true, "Amount"), y, 11.0, true, "Amount");
    c.set_line_width(0.5);
    c.move_to(70.0, y - 6.0);
    c.line_to(right, y - 6.0);
    c.stroke();
    y -= 24.0;
    let applied = p.applied();
    for a in &applied {
        let label = if a.description.is_empty() {
            month_name(a.month)
        } else {
            a.description.clone()
        };
        text(&mut c, 70.0, y, 11.0, false, &label);
        let amount = spoken(a.amount_minor, cur);
        text(&mut c, at_right(false, &amount), y, 11.0, false, &amount);
        y -= 18.0;
    }
    let advance = p.amount_minor - applied.iter().map(|a| a.amount_minor).sum::<i64>();
    if advance > 0 {
        text(
            &mut c,
            70.0,
            y,
            11.0,
            false,
            "In advance, for the next charges",
        );
        let amount = spoken(advance, cur);
        text(&mut c, at_right(false, &amount), y, 11.0, false, &amount);
        y -= 18.0;
    }
    c.move_to(70.0, y + 8.0);
    c.line_to(right, y + 8.0);
    c.stroke();
    y -= 10.0;
    text(&mut c, 70.0, y, 11.0, true, "Total received");
    let total = spoken(p.amount_minor, cur);
    text(&mut c, at_right(true, &total), y, 11.0, true, &total);

    y -= 40.0;
    if let Some(note) = &p.note {
        text(&mut c, 70.0, y, 10.0, false, &format!("Note: {note}"));
        y -= 16.0;
    }
    if let Some(by) = &who.recorded_by {
        text(&mut c, 70.0, y, 10.0, false, &format!("Recorded by {by}"));
    }
    text(&mut c, 70.0, 60.0, 8.0, false, &format!("Payment {}", p.id));
    pdf.stream(content_id, &c.finish());
    regular.write(&mut pdf, regular_id);
    bold.write(&mut pdf, bold_id);
    pdf.finish()
}

/// A payment's receipt, as a PDF: its gapless number, the student, the
/// amount and how it was paid, and the charges it paid, oldest first.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The payment's id")),
    responses((status = 200, description = "The receipt", content_type = "application/pdf", body = String)),
    security(("bearer" = ["payments:read"]), ("api_key" = ["payments:read"]))
)]
#[get("/payments/{id}/receipt")]
pub async fn receipt(
    mut db: Db,
    caller: Authz<perm::PaymentsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let p = rapport_db::payments::find_payment(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let who = parties(conn, ws, &p).await?;
    let bytes = render(&p, &who);
    Ok(File(
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"receipt-{}.pdf\"", p.receipt_number),
            ))
            .body(bytes),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    #[test]
    fn names_in_any_script_are_printed_as_written() {
        let p = PaymentRow {
            workspace_id: Uuid::nil(),
            id: Uuid::nil(),
            person_id: Uuid::nil(),
            amount_minor: 12_345,
            currency: "EUR".into(),
            method: rapport_domain::api::PaymentMethod::Cash,
            paid_on: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            note: Some("Ευχαριστώ".into()),
            receipt_number: 7,
            applied: serde_json::json!([]),
            entry_id: Uuid::nil(),
            recorded_by: None,
            created_at: Utc::now(),
        };
        let who = Parties {
            school: "Школа Код".into(),
            student: "Юлия Łukasiewicz".into(),
            recorded_by: Some("Zoë".into()),
        };
        let pdf = render(&p, &who);
        let text = String::from_utf8_lossy(&pdf);
        // The fonts are embedded, as subsets, with maps back to Unicode.
        assert!(text.contains("+DejaVuSans"), "no embedded font");
        assert!(text.contains("/FontFile2"));
        assert!(text.contains("/ToUnicode"));
        // Far smaller than the whole fonts (1.4 MB).
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
        // Every letter of the names is in the maps: Ю is U+042E, Ł U+0141,
        // Ε U+0395, Ш U+0428.
        for code in ["<042E>", "<0141>", "<0395>", "<0428>"] {
            assert!(text.contains(code), "{code} is missing from the maps");
        }
    }
}
