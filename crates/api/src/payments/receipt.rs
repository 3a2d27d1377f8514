//! A payment's receipt as a PDF: one A4 page in Helvetica, written with
//! the PDF's standard fonts (nothing embedded), text in Windows-1252.

use super::{month_name, spoken};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db, Visible};
use crate::record::Found;
use actix_web::{get, http::header, web, HttpResponse};
use pdf_writer::{Content, Finish, Name, Rect, Ref, Str};
use rapport_db::payments::PaymentRow;
use rapport_db::Conn;
use uuid::Uuid;

/// A PDF document, answered as one.
pub struct Pdf(HttpResponse);

impl actix_web::Responder for Pdf {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, _: &actix_web::HttpRequest) -> HttpResponse {
        self.0
    }
}

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

/// `s` in Windows-1252 (what the standard fonts read): what it cannot
/// hold becomes `?`.
fn winansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            'Œ' => 0x8c,
            'œ' => 0x9c,
            'Š' => 0x8a,
            'š' => 0x9a,
            'Ž' => 0x8e,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        })
        .collect()
}

/// The width of `s` in Helvetica at `size`, near enough to right-align
/// figures (digits, the point and capitals).
fn width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| match c {
            '0'..='9' => 556.0,
            '.' | ',' | ' ' => 278.0,
            '-' => 333.0,
            'A'..='Z' => 667.0,
            _ => 556.0,
        })
        .sum::<f32>()
        * size
        / 1000.0
}

/// The receipt of `p` as a PDF document.
pub fn render(p: &PaymentRow, who: &Parties) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    let (catalog, tree, page_id, regular, bold, content_id) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
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
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
    }
    page.finish();
    for (id, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    let mut c = Content::new();
    let text = |c: &mut Content, x: f32, y: f32, size: f32, bold: bool, s: &str| {
        c.begin_text();
        c.set_font(Name(if bold { b"F2" } else { b"F1" }), size);
        c.next_line(x, y);
        c.show(Str(&winansi(s)));
        c.end_text();
    };
    let right = 525.0;
    let figure = |c: &mut Content, y: f32, bold: bool, s: &str| {
        let x = right - width(s, 11.0);
        text(c, x, y, 11.0, bold, s);
    };
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
    figure(&mut c, y, true, "Amount");
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
        figure(&mut c, y, false, &spoken(a.amount_minor, cur));
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
        figure(&mut c, y, false, &spoken(advance, cur));
        y -= 18.0;
    }
    c.move_to(70.0, y + 8.0);
    c.line_to(right, y + 8.0);
    c.stroke();
    y -= 10.0;
    text(&mut c, 70.0, y, 11.0, true, "Total received");
    figure(&mut c, y, true, &spoken(p.amount_minor, cur));

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
) -> ApiResult<Pdf> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let p = rapport_db::payments::find_payment(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let who = parties(conn, ws, &p).await?;
    let bytes = render(&p, &who);
    Ok(Pdf(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"receipt-{}.pdf\"", p.receipt_number),
        ))
        .body(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_written_in_the_fonts_encoding() {
        assert_eq!(winansi("Zoë — 5 €"), b"Zo\xeb \x97 5 \x80".to_vec());
        assert_eq!(winansi("李"), b"?".to_vec());
    }
}
