use super::{month_name, spoken, Charge, CHARGE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::jobs::{Job, JobCtx};
use actix_web::{post, web::Json};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::payments::ChargeRow;
use rapport_db::Conn;
use rapport_domain::api::{ActorKind, ChargeRun, RunCharges};
use rapport_domain::payments::{discounted, month_of};
use rapport_domain::problem::FieldCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Charges `person` for `month` by plan `plan`, once: under the person's
/// hold, a charge made already (by another run) is left alone. False when
/// nothing was charged (charged already, the plan stopped, or a whole
/// discount).
async fn charge_one(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    month: NaiveDate,
    plan: Uuid,
    person: Uuid,
) -> Result<bool, ApiError> {
    rapport_db::payments::hold(conn, ws, person).await?;
    if rapport_db::payments::charged(conn, ws, plan, person, month).await? {
        return Ok(false);
    }
    let Some(plan) = rapport_db::payments::find_plan(conn, ws, plan).await? else {
        return Ok(false);
    };
    if !plan.active || plan.first_month > month {
        return Ok(false);
    }
    let percent = rapport_db::payments::discount_of(conn, ws, person).await?;
    let amount = discounted(plan.amount_minor, percent);
    if amount <= 0 {
        return Ok(false);
    }
    let id = Uuid::now_v7();
    let description = format!("{} — {}", plan.name, month_name(month));
    let entry = crate::ledger::post(
        conn,
        ctx,
        ws,
        crate::ledger::Posting {
            person_id: person,
            amount_minor: -amount,
            currency: &plan.currency,
            reason: &description,
            cause: Some((CHARGE.into(), id.to_string())),
            corrects: None,
        },
    )
    .await?;
    let now = chrono::Utc::now();
    let row = rapport_db::payments::insert_charge(
        conn,
        &ChargeRow {
            workspace_id: ws,
            id,
            person_id: person,
            plan_id: Some(plan.id),
            month,
            description: description.clone(),
            amount_minor: amount,
            currency: plan.currency.clone(),
            discount_percent: percent.min(99),
            entry_id: entry.row.id,
            voided_at: None,
            void_reason: None,
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )
    .await?;
    statement(conn, ws, &row).await?;
    ctx.created(
        conn,
        ws,
        &Charge {
            row,
            subject: entry.subject,
        },
    )
    .await?;
    Ok(true)
}

/// The monthly statement the guardians of a student charged receive.
async fn statement(conn: &mut Conn, ws: Uuid, c: &ChargeRow) -> Result<(), ApiError> {
    let to = rapport_db::people::guardian_addresses(conn, ws, c.person_id).await?;
    if to.is_empty() {
        return Ok(());
    }
    let scope = crate::extract::Scope::Workspace(ws);
    let Some(person) = rapport_db::people::find(conn, &scope, c.person_id).await? else {
        return Ok(());
    };
    let name = format!("{} {}", person.first_name, person.last_name);
    let balance = rapport_db::payments::balance(conn, ws, c.person_id, &c.currency).await?;
    let standing = match balance {
        b if b < 0 => format!("Owed now: {}.", spoken(-b, &c.currency)),
        0 => "Nothing is owed now.".to_string(),
        b => format!("Paid in advance: {}.", spoken(b, &c.currency)),
    };
    let discount = if c.discount_percent > 0 {
        format!(" (after a {}% discount)", c.discount_percent)
    } else {
        String::new()
    };
    let subject = format!("Tuition for {}: {name}", month_name(c.month));
    let body = format!(
        "Tuition statement for {name}, {month}.\n\nCharged: {desc}, {amount}{discount}.\n{standing}\n",
        month = month_name(c.month),
        desc = c.description,
        amount = spoken(c.amount_minor, &c.currency),
    );
    for address in &to {
        crate::mail::queue(conn, Some(ws), address, &subject, &body).await?;
    }
    Ok(())
}

/// Charges every plan of `ws` for `month`, each student once however often
/// it runs: answers how many it charged and how many were charged already.
pub async fn charge_month(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    month: NaiveDate,
) -> Result<ChargeRun, ApiError> {
    let due = rapport_db::payments::due(conn, ws, month).await?;
    let (mut charged, mut already) = (0, 0);
    for d in due {
        if d.charged {
            already += 1;
            continue;
        }
        let made = conn
            .transaction::<_, ApiError, _>(async |conn| {
                charge_one(conn, ctx, ws, month, d.plan_id, d.person_id).await
            })
            .await?;
        if made {
            charged += 1;
        } else {
            already += 1;
        }
    }
    Ok(ChargeRun {
        month,
        charged,
        already,
    })
}

/// Charge a month now: what the monthly run does on the first of each
/// month, for a month that has begun. Idempotent: a student is charged
/// once per plan and month however often it runs.
#[utoipa::path(
    tag = "payments",
    request_body = RunCharges,
    responses((status = 200, description = "What was charged", body = ChargeRun)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[post("/charges/run")]
pub async fn run(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    Valid(body): Valid<RunCharges>,
) -> ApiResult<Json<ChargeRun>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    if body.month > month_of(super::today(conn, ws).await?) {
        return Err(ApiError::validation(
            "month",
            FieldCode::Range,
            "a month that has begun",
        ));
    }
    Ok(Json(charge_month(conn, &ctx, ws, body.month).await?))
}

/// Charges the current month (in its time zone) of one workspace, or of
/// every workspace with a plan.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChargeMonth {
    pub workspace_id: Option<Uuid>,
}

impl Job for ChargeMonth {
    const NAME: &'static str = "payments.charge_month";

    async fn run(self, job: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = job.conn;
        let ctx = Ctx {
            actor_kind: ActorKind::System,
            actor_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
        };
        let workspaces = rapport_db::payments::charging_workspaces(conn).await?;
        for (ws, zone) in workspaces {
            if self.workspace_id.is_some_and(|w| w != ws) {
                continue;
            }
            let month = month_of(super::today_in(&zone));
            let done = charge_month(conn, &ctx, ws, month)
                .await
                .map_err(|e| anyhow::anyhow!("charging {ws}: {e:?}"))?;
            if done.charged > 0 {
                tracing::info!(workspace = %ws, month = %month, charged = done.charged, "charged tuition");
            }
        }
        Ok(())
    }
}
