use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid, Visible};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_domain::api::{ExchangeRequest, LedgerEntryView, Medal};
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use uuid::Uuid;

/// Exchange bronze for silver at the workspace's rate (`bronze_per_silver`):
/// both entries in one transaction, the bronze never below zero (409
/// `insufficient`). A student exchanges their own; staff name the person.
/// Answers the silver's entry.
#[utoipa::path(
    tag = "medals",
    request_body = ExchangeRequest,
    responses(
        (status = 201, description = "The silver, on the ledger", body = LedgerEntryView),
        (status = 409, description = "Not enough bronze", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["medals:exchange"]), ("api_key" = ["medals:exchange"]))
)]
#[post("/medals/exchange")]
pub async fn exchange(
    mut db: Db,
    caller: Authz<perm::MedalsExchange>,
    Visible(scope, ..): Visible<crate::people::Policy>,
    ctx: Ctx,
    Valid(body): Valid<ExchangeRequest>,
) -> ApiResult<Reply<LedgerEntryView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let person = match (caller.allows(Permission::MedalsAward), body.person_id) {
        (true, Some(p)) => {
            crate::people::within_branches(conn, &scope, &[p], "person_id").await?;
            p
        }
        (true, None) => {
            return Err(ApiError::validation(
                "person_id",
                FieldCode::Required,
                "staff name whose medals are exchanged",
            ))
        }
        (false, asked) => {
            let user = caller.user_id().unwrap_or_default();
            let own = rapport_db::scheduling::linked_people(conn, ws, user).await?;
            match asked {
                Some(p) if own.contains(&p) => p,
                Some(_) => {
                    return Err(ApiError::Forbidden(
                        "a student exchanges their own medals".into(),
                    ))
                }
                None => own.first().copied().ok_or_else(|| {
                    ApiError::validation(
                        "person_id",
                        FieldCode::Unknown,
                        "no person is linked to you in this workspace",
                    )
                })?,
            }
        }
    };
    let entry = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let settings = rapport_db::medals::settings(conn, ws).await?;
            let Some(rate) = settings.bronze_per_silver else {
                return Err(ApiError::validation(
                    "silver",
                    FieldCode::Invalid,
                    "this workspace does not exchange medals",
                ));
            };
            let id = Uuid::now_v7().to_string();
            let cause = || Some((rapport_db::medals::EXCHANGE.to_string(), id.clone()));
            let reason = format!("{} bronze for {} silver", rate * body.silver, body.silver);
            crate::ledger::post(
                conn,
                &ctx,
                ws,
                crate::ledger::Posting {
                    person_id: person,
                    amount_minor: -(rate as i64) * body.silver as i64,
                    currency: Medal::Bronze.currency(),
                    reason: &reason,
                    cause: cause(),
                    corrects: None,
                },
            )
            .await?;
            crate::ledger::post(
                conn,
                &ctx,
                ws,
                crate::ledger::Posting {
                    person_id: person,
                    amount_minor: body.silver as i64,
                    currency: Medal::Silver.currency(),
                    reason: &reason,
                    cause: cause(),
                    corrects: None,
                },
            )
            .await
        })
        .await?;
    Ok(Reply::created(&entry.row.view(None)).location(format!("/api/v1/ledger/{}", entry.row.id)))
}
