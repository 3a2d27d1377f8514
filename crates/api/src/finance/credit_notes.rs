//! Credit notes: an invoice corrected by giving back some or all of its
//! lines, with a number of their own without gaps.

use super::{CreditNote, CREDIT_NOTE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::payments::spoken;
use crate::record::Found;
use crate::respond::{File, Reply};
use actix_web::{get, http::header, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use rapport_db::finance::CreditNoteRow;
use rapport_domain::api::{CreditLine, CreditNoteView, NewCreditNote};
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// Correct an invoice: give back some or all of its lines (each line's
/// whole rest when no amount is given). A line given back whole frees its
/// session: it may change again and be invoiced anew. A package's line
/// with no amount gives back its unused sessions (at its price per
/// session) and closes it; with none used, all of it, and the package is
/// cancelled; with an amount, its price is lowered and its sessions stay. The credit note has
/// a number of its own without gaps, gives back on the ledger, and is
/// e-mailed as a PDF like the invoice. A line that has less left than
/// asked is 422, naming what is left. Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    request_body = NewCreditNote,
    responses((status = 201, description = "The credit note", body = CreditNoteView)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/invoices/{id}/credit-notes")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    id: web::Path<Uuid>,
    Valid(body): Valid<NewCreditNote>,
) -> ApiResult<Reply<CreditNoteView>> {
    let ws = caller.workspace_id();
    let invoice_id = id.into_inner();
    let reason = body.reason.trim().to_string();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        rapport_db::finance::hold(conn, ws).await?;
        let invoice = rapport_db::finance::lock_invoice(conn, ws, invoice_id)
            .await?
            .found()?;
        let lines = rapport_db::finance::lines_of(conn, ws, invoice.id).await?;
        let mut given = Vec::new();
        let mut total = 0i64;
        for (i, asked) in body.lines.iter().enumerate() {
            let Some(line) = lines.iter().find(|l| l.line == asked.line) else {
                return Err(ApiError::validation(
                    &format!("lines[{i}].line"),
                    FieldCode::OneOf,
                    format!("a line of the invoice, from 1 to {}", lines.len()),
                ));
            };
            let left = line.amount_minor - line.credited_minor;
            let mut amount = asked.amount_minor.unwrap_or(left);
            if let (Some(package), None, true) = (line.package_id, asked.amount_minor, left > 0) {
                // The unused sessions, at what is left of the package's
                // price per session (the used ones' worth rounded up).
                let p = rapport_db::finance::packages::lock(conn, ws, package)
                    .await?
                    .found()?;
                let sessions = i128::from(p.sessions.max(1));
                let used_worth =
                    ((i128::from(left) * i128::from(p.used) + sessions - 1) / sessions) as i64;
                amount = left - used_worth;
                if amount <= 0 {
                    return Err(ApiError::validation(
                        &format!("lines[{i}].amount_minor"),
                        FieldCode::Range,
                        "every session of this package was used: name an amount to give back",
                    ));
                }
                if p.used > 0 {
                    rapport_db::finance::packages::close(conn, ws, package).await?;
                }
            }
            if left <= 0 || amount > left {
                return Err(ApiError::validation(
                    &format!("lines[{i}].amount_minor"),
                    FieldCode::Range,
                    format!(
                        "at most what is left of the line: {}",
                        spoken(left, &invoice.currency)
                    ),
                ));
            }
            let credited = line.credited_minor + amount;
            rapport_db::finance::credit_line(
                conn,
                ws,
                invoice.id,
                line.line,
                credited,
                credited == line.amount_minor,
            )
            .await?;
            total += amount;
            given.push(CreditLine {
                line: line.line,
                amount_minor: Some(amount),
            });
        }
        let id = Uuid::now_v7();
        let number = rapport_db::finance::next_number(conn, ws, "credit_note").await?;
        let entry = crate::ledger::post(
            conn,
            &ctx,
            ws,
            crate::ledger::Posting {
                person_id: invoice.person_id,
                amount_minor: total,
                currency: &invoice.currency,
                reason: &format!("Credit note No. {number} on invoice No. {}", invoice.number),
                cause: Some((CREDIT_NOTE.into(), id.to_string())),
                corrects: None,
            },
        )
        .await?;
        let invoice = rapport_db::finance::credit_invoice(
            conn,
            ws,
            invoice.id,
            invoice.credited_minor + total,
        )
        .await?;
        let note = rapport_db::finance::insert_credit_note(
            conn,
            &CreditNoteRow {
                workspace_id: ws,
                id,
                number,
                invoice_id: invoice.id,
                person_id: invoice.person_id,
                currency: invoice.currency.clone(),
                amount_minor: total,
                reason: reason.clone(),
                lines: serde_json::to_value(&given).unwrap_or_default(),
                entry_id: entry.row.id,
                created_by: ctx.actor_id,
                created_at: chrono::Utc::now(),
            },
        )
        .await?;
        send(conn, ws, &note, &invoice).await?;
        ctx.created(conn, ws, &CreditNote(note.clone(), invoice.number))
            .await?;
        let reply = Reply::created(&note.view(invoice.number))
            .location(format!("/api/v1/credit-notes/{}/pdf", note.id));
        idem.keep(conn, reply).await
    })
    .await
}

/// The credit note, as a PDF, to whom the invoice went.
async fn send(
    conn: &mut rapport_db::Conn,
    ws: Uuid,
    c: &CreditNoteRow,
    i: &rapport_db::finance::InvoiceRow,
) -> Result<(), ApiError> {
    let to = super::recipients(conn, ws, c.person_id).await?;
    if to.is_empty() {
        return Ok(());
    }
    let lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
    let who = super::pdf::parties(conn, ws, c.person_id).await?;
    let document = super::pdf::credit_note(c, i, &lines, &who);
    let subject = format!("Credit note No. {} — {}", c.number, who.business);
    let body = format!(
        "Credit note No. {} gives back {} of invoice No. {}: {}\nThe credit note is attached.\n",
        c.number,
        spoken(c.amount_minor, &c.currency),
        i.number,
        c.reason,
    );
    let name = format!("credit-note-{}.pdf", c.number);
    for address in &to {
        crate::mail::queue_attached(conn, ws, address, &subject, &body, (&name, &document)).await?;
    }
    Ok(())
}

/// A credit note as a PDF.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The credit note's id")),
    responses((status = 200, description = "The credit note", content_type = "application/pdf", body = String)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/credit-notes/{id}/pdf")]
pub async fn pdf(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    id: web::Path<Uuid>,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let c = rapport_db::finance::find_credit_note(conn, ws, id.into_inner())
        .await?
        .found()?;
    let i = rapport_db::finance::find_invoice(conn, ws, c.invoice_id)
        .await?
        .found()?;
    let lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
    let who = super::pdf::parties(conn, ws, c.person_id).await?;
    let bytes = super::pdf::credit_note(&c, &i, &lines, &who);
    Ok(File(
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"credit-note-{}.pdf\"", c.number),
            ))
            .body(bytes),
    ))
}
