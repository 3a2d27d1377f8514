use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid, Visible};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_domain::api::{AwardRequest, LedgerEntryView};
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Award a medal by hand, with why. Within the month (in the workspace's
/// time zone) one teacher awards one student at most the workspace's limit
/// of each medal (by default 1 gold, 2 silver, 5 bronze), and a student
/// gets at most the cap of medals from all teachers together; beyond, 409
/// `limit_reached` with the limit in its detail. The limits are counted
/// under a lock per student: fifty awards at once never pass them. A
/// teacher awards their own classes' students only (422 for another).
/// Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "medals",
    request_body = AwardRequest,
    responses(
        (status = 201, description = "The medal, on the ledger", body = LedgerEntryView),
        (status = 409, description = "A monthly limit is reached", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["medals:award"]), ("api_key" = ["medals:award"]))
)]
#[post("/medals/awards")]
pub async fn award(
    mut db: Db,
    caller: Authz<perm::MedalsAward>,
    ctx: Ctx,
    idem: Idempotent,
    Visible(scope, ..): Visible<crate::people::Policy>,
    Valid(body): Valid<AwardRequest>,
) -> ApiResult<Reply<LedgerEntryView>> {
    let ws = caller.workspace_id();
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            // A teacher awards their own classes' students only.
            crate::people::live_in(conn, &scope, body.person_id, "person_id").await?;
            rapport_db::medals::hold(conn, ws, body.person_id).await?;
            let left = super::allowance::left(conn, ws, &zone, ctx.actor_id, body.person_id).await?;
            let medal = body.medal;
            if left.of(medal) <= 0 {
                return Err(ApiError::conflict(
                    Code::LimitReached,
                    format!(
                        "the limit is {} {} a month from one teacher to one student, and this month's are given",
                        left.settings.per_month(medal),
                        medal.as_str()
                    ),
                ));
            }
            if let (Some(cap), Some(0)) = (left.settings.student_cap_per_month, left.cap_left) {
                return Err(ApiError::conflict(
                    Code::LimitReached,
                    format!("the limit is {cap} medals a month for one student from all teachers, and this month's are given"),
                ));
            }
            let entry = crate::ledger::post(
                conn,
                &ctx,
                ws,
                crate::ledger::Posting {
                    person_id: body.person_id,
                    amount_minor: 1,
                    currency: medal.currency(),
                    reason: &body.reason,
                    cause: Some((rapport_db::medals::AWARD.into(), Uuid::now_v7().to_string())),
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
