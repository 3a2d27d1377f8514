use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_domain::api::{LedgerEntryView, NewLedgerEntry};

/// Add an entry by hand: an opening balance, a refund, an adjustment of
/// medals, with its reason. A medal balance never goes below zero (409
/// `insufficient`). Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "ledger",
    request_body = NewLedgerEntry,
    responses(
        (status = 201, description = "The entry", body = LedgerEntryView),
        (status = 409, description = "Not enough medals", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ledger:write"]), ("api_key" = ["ledger:write"]))
)]
#[post("/ledger")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::LedgerWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<NewLedgerEntry>,
) -> ApiResult<Reply<LedgerEntryView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let entry = super::post(
                conn,
                &ctx,
                ws,
                super::Posting {
                    person_id: body.person_id,
                    amount_minor: body.amount_minor,
                    currency: &body.currency,
                    reason: &body.reason,
                    cause: None,
                    corrects: None,
                },
            )
            .await?;
            let reply = Reply::created(&entry.row.view(None))
                .location(format!("/api/v1/ledger/{}", entry.row.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
