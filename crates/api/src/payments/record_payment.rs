use super::{spoken, Payment, PAYMENT};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::payments::{PaymentRow, Standing};
use rapport_db::Conn;
use rapport_domain::api::{Applied, PaymentMethod, PaymentView, RecordPayment};
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// What is still open of each of `charges` (newest first) when `debt` is
/// owed: the debt falls on the newest, as far as it goes.
pub fn open(debt: i64, charges: &[Standing]) -> Vec<(&Standing, i64)> {
    let mut left = debt.max(0);
    let mut open = Vec::new();
    for c in charges {
        if left <= 0 {
            break;
        }
        let o = left.min(c.amount_minor);
        left -= o;
        open.push((c, o));
    }
    open
}

/// How `amount` settles the open charges and invoices: what is owed
/// (`debt`) is owed on the newest ones it covers (`charges` newest first),
/// and a payment goes to the oldest of those first. The rest is paid in
/// advance.
pub fn apply(amount: i64, debt: i64, charges: &[Standing]) -> Vec<Applied> {
    let open = open(debt, charges);
    let mut pay = amount;
    let mut applied = Vec::new();
    for (c, o) in open.into_iter().rev() {
        if pay <= 0 {
            break;
        }
        let a = pay.min(o);
        pay -= a;
        applied.push(Applied {
            charge_id: c.id,
            month: c.month,
            description: c.description.clone(),
            amount_minor: a,
        });
    }
    applied
}

/// The receipt, e-mailed as a PDF to the guardians who receive mail.
async fn send_receipt(conn: &mut Conn, ws: Uuid, p: &PaymentRow) -> Result<(), ApiError> {
    let to = rapport_db::people::guardian_addresses(conn, ws, p.person_id).await?;
    if to.is_empty() {
        return Ok(());
    }
    let who = super::receipt::parties(conn, ws, p).await?;
    let pdf = super::receipt::render(p, &who);
    let subject = format!("Receipt No. {} — {}", p.receipt_number, who.school);
    let body = format!(
        "Thank you. We received {} for {} on {}.\nThe receipt is attached.\n",
        spoken(p.amount_minor, &p.currency),
        who.student,
        p.paid_on.format("%-d %B %Y"),
    );
    let name = format!("receipt-{}.pdf", p.receipt_number);
    for address in &to {
        crate::mail::queue_attached(conn, ws, address, &subject, &body, (&name, &pdf)).await?;
    }
    Ok(())
}

/// A payment as it is recorded.
pub struct Taken<'a> {
    pub person: Uuid,
    pub amount: i64,
    pub currency: &'a str,
    pub method: PaymentMethod,
    pub paid_on: NaiveDate,
    pub note: Option<String>,
}

/// Records payment `t` in the caller's transaction: under the student's
/// hold, applied to their oldest open charges, numbered after the last
/// receipt, credited on the ledger, audited and announced, and its
/// receipt mailed to the guardians.
pub async fn take(conn: &mut Conn, ctx: &Ctx, ws: Uuid, t: Taken<'_>) -> Result<Payment, ApiError> {
    let Taken {
        person,
        amount,
        currency,
        method,
        paid_on,
        note,
    } = t;
    rapport_db::payments::hold(conn, ws, person).await?;
    let balance = rapport_db::payments::balance(conn, ws, person, currency).await?;
    let charges: Vec<Standing> = rapport_db::payments::standing(conn, ws, &[person])
        .await?
        .into_iter()
        .filter(|c| c.currency == currency)
        .collect();
    let applied = apply(amount, -balance, &charges);
    let id = Uuid::now_v7();
    let number = rapport_db::payments::next_receipt_number(conn, ws).await?;
    let entry = crate::ledger::post(
        conn,
        ctx,
        ws,
        crate::ledger::Posting {
            person_id: person,
            amount_minor: amount,
            currency,
            reason: &format!("Payment, receipt No. {number}"),
            cause: Some((PAYMENT.into(), id.to_string())),
            corrects: None,
        },
    )
    .await?;
    let row = rapport_db::payments::insert_payment(
        conn,
        &PaymentRow {
            workspace_id: ws,
            id,
            person_id: person,
            amount_minor: amount,
            currency: currency.to_string(),
            method,
            paid_on,
            note,
            receipt_number: number,
            applied: serde_json::to_value(&applied).unwrap_or_default(),
            entry_id: entry.row.id,
            recorded_by: ctx.actor_id,
            created_at: chrono::Utc::now(),
        },
    )
    .await?;
    send_receipt(conn, ws, &row).await?;
    let payment = Payment {
        row,
        subject: entry.subject,
    };
    ctx.created(conn, ws, &payment).await?;
    Ok(payment)
}

/// Record a payment: credited on the student's ledger, applied to their
/// oldest open charges first (what is left is kept in advance), with a
/// receipt whose number follows the last one without a gap. The receipt is
/// e-mailed as a PDF to the guardians. Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "payments",
    request_body = RecordPayment,
    responses((status = 201, description = "The payment", body = PaymentView)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[post("/payments")]
pub async fn record(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<RecordPayment>,
) -> ApiResult<Reply<PaymentView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let paid_on = match body.paid_on {
        Some(d) => d,
        None => super::today(conn, ws).await?,
    };
    let person = body.person_id;
    let amount = body.amount.amount_minor;
    let currency = body.amount.currency.clone();
    let note = tidy(body.note.as_deref());
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let payment = take(
                conn,
                &ctx,
                ws,
                Taken {
                    person,
                    amount,
                    currency: &currency,
                    method: body.method,
                    paid_on,
                    note: note.clone(),
                },
            )
            .await?;
            let reply = Reply::created(&payment.row.view())
                .location(format!("/api/v1/payments/{}", payment.row.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
