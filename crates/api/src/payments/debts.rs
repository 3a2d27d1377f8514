use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use actix_web::{get, web, web::Json};
use rapport_domain::api::{DebtReport, DebtTotal, DebtView};
use rapport_domain::payments::aging;
use rapport_domain::problem::FieldCode;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DebtQuery {
    /// Debts in this currency only.
    pub currency: Option<String>,
    /// The debt of this student only.
    pub person_id: Option<Uuid>,
    /// The most debtors listed (the totals count them all); 100 unless
    /// asked, at most 1000.
    pub limit: Option<i64>,
}

/// Who owes what and since when: each debtor's debt, aged by the months
/// of the charges still open (0–30, 31–60, 61–90, 90+ days), the largest
/// debts first, with the totals per currency. A student sees their own.
#[utoipa::path(
    tag = "payments",
    params(DebtQuery),
    responses((status = 200, description = "The debts", body = DebtReport)),
    security(("bearer" = ["payments:read"]), ("api_key" = ["payments:read"]))
)]
#[get("/debts")]
pub async fn debts(
    mut db: Db,
    caller: Authz<perm::PaymentsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    q: web::Query<DebtQuery>,
) -> ApiResult<Json<DebtReport>> {
    let ws = caller.workspace_id();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(crate::error::ApiError::validation(
            "limit",
            FieldCode::Range,
            "from 1 to 1000",
        ));
    }
    if let Some(c) = &q.currency {
        if !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(crate::error::ApiError::validation(
                "currency",
                FieldCode::Format,
                "three capital letters, such as EUR",
            ));
        }
    }
    let conn = db.conn().await?;
    let today = super::today(conn, ws).await?;
    // All of them for the totals; the first `limit` listed.
    let rows = rapport_db::payments::debtors(
        conn,
        &scope,
        q.currency.as_deref(),
        q.person_id,
        i64::from(u16::MAX),
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
    let mut charges: HashMap<(Uuid, String), Vec<_>> = HashMap::new();
    for (person, currency, month, amount) in
        rapport_db::payments::charges_of(conn, ws, &ids).await?
    {
        charges
            .entry((person, currency))
            .or_default()
            .push((month, amount));
    }
    let mut totals: Vec<DebtTotal> = Vec::new();
    let mut data = Vec::new();
    for r in rows {
        let debt = -r.balance_minor;
        let open = charges
            .get(&(r.person_id, r.currency.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (a, oldest) = aging(debt, open, today);
        match totals.iter_mut().find(|t| t.currency == r.currency) {
            Some(t) => {
                t.debt_minor += debt;
                t.debtors += 1;
                t.aging.add(&a);
            }
            None => totals.push(DebtTotal {
                currency: r.currency.clone(),
                debt_minor: debt,
                debtors: 1,
                aging: a,
            }),
        }
        if (data.len() as i64) < limit {
            data.push(DebtView {
                person_id: r.person_id,
                first_name: r.first_name,
                last_name: r.last_name,
                currency: r.currency,
                debt_minor: debt,
                aging: a,
                oldest_open_month: oldest,
            });
        }
    }
    totals.sort_by(|a, b| a.currency.cmp(&b.currency));
    Ok(Json(DebtReport {
        as_of: today,
        totals,
        data,
    }))
}
