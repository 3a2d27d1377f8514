use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{CorrectLedgerEntry, LedgerEntryView};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Correct an entry: a compensating entry with the opposite amount, the
/// same person and currency, that names it; the entry itself stays as it
/// was. An entry is corrected once, and a correction is not corrected
/// (409 `already_corrected`; add a new entry instead). Reversing a medal
/// that was spent answers 409 `insufficient`.
#[utoipa::path(
    tag = "ledger",
    params(("id" = Uuid, Path, description = "The entry's id")),
    request_body = CorrectLedgerEntry,
    responses(
        (status = 201, description = "The compensating entry", body = LedgerEntryView),
        (status = 409, description = "Corrected already, a correction itself, or the medals were spent", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ledger:write"]), ("api_key" = ["ledger:write"]))
)]
#[post("/ledger/{id}/correct")]
pub async fn correct(
    mut db: Db,
    caller: Authz<perm::LedgerWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<CorrectLedgerEntry>,
) -> ApiResult<Reply<LedgerEntryView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let entry = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // One correction at a time per entry.
            let entry = rapport_db::ledger::lock(conn, ws, id).await?.found()?;
            let corrected = rapport_db::ledger::corrections_of(conn, ws, &[id]).await?;
            if entry.corrects.is_some() || !corrected.is_empty() {
                return Err(ApiError::conflict(
                    Code::AlreadyCorrected,
                    "this entry was corrected already, or is a correction: add a new entry instead",
                ));
            }
            super::post(
                conn,
                &ctx,
                ws,
                super::Posting {
                    person_id: entry.person_id,
                    amount_minor: -entry.amount_minor,
                    currency: &entry.currency,
                    reason: &body.reason,
                    cause: entry.cause_type.clone().zip(entry.cause_id.clone()),
                    corrects: Some(entry.id),
                },
            )
            .await
        })
        .await?;
    Ok(Reply::created(&entry.row.view(None)).location(format!("/api/v1/ledger/{}", entry.row.id)))
}
