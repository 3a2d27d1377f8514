use super::{Charge, CHARGE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{ChargeView, VoidCharge};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Waive a charge: its entry on the ledger is compensated, and it no
/// longer counts toward what the student owes. A charge waived already
/// answers 409 `already_corrected`. The month is not charged again.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The charge's id")),
    request_body = VoidCharge,
    responses(
        (status = 200, description = "The charge, waived", body = ChargeView),
        (status = 409, description = "Waived already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[post("/charges/{id}/void")]
pub async fn void(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<VoidCharge>,
) -> ApiResult<Reply<ChargeView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let reason = body.reason.trim().to_string();
    let conn = db.conn().await?;
    let charge = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = rapport_db::payments::lock_charge(conn, ws, id)
                .await?
                .found()?;
            if row.voided_at.is_some() {
                return Err(ApiError::conflict(
                    Code::AlreadyCorrected,
                    "this charge is waived already",
                ));
            }
            rapport_db::payments::hold(conn, ws, row.person_id).await?;
            let entry = crate::ledger::post(
                conn,
                &ctx,
                ws,
                crate::ledger::Posting {
                    person_id: row.person_id,
                    amount_minor: row.amount_minor,
                    currency: &row.currency,
                    reason: &format!("Waived: {reason}"),
                    cause: Some((CHARGE.into(), row.id.to_string())),
                    corrects: Some(row.entry_id),
                },
            )
            .await?;
            let after = rapport_db::payments::void_charge(conn, ws, id, &reason).await?;
            let before = Charge {
                row,
                subject: entry.subject,
            };
            let after = Charge {
                row: after,
                subject: entry.subject,
            };
            ctx.changed(conn, ws, "voided", &before, &after).await?;
            Ok(after.row)
        })
        .await?;
    Ok(Reply::ok(&charge.view()).etag(charge.version))
}
