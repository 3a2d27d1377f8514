//! Payments for invoices: the tuition module's payments, applied to the
//! oldest open invoice first, with a receipt numbered without gaps.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::payments::record_payment::{take, Taken};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_domain::api::{PaymentView, RecordPayment};
use rapport_domain::validate::tidy;

/// Record a payment from a student: credited on their ledger, applied to
/// their oldest open invoices first (what is left is kept in advance for
/// the next), with a receipt whose number follows the last one without a
/// gap, e-mailed as a PDF to their guardians. Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "finance",
    request_body = RecordPayment,
    responses((status = 201, description = "The payment", body = PaymentView)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/finance/payments")]
pub async fn record(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<RecordPayment>,
) -> ApiResult<Reply<PaymentView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let paid_on = match body.paid_on {
        Some(d) => d,
        None => crate::payments::today(conn, ws).await?,
    };
    let note = tidy(body.note.as_deref());
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        let payment = take(
            conn,
            &ctx,
            ws,
            Taken {
                person: body.person_id,
                amount: body.amount.amount_minor,
                currency: &body.amount.currency,
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
    .await
}
