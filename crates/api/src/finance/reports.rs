//! Reports: revenue, tutor cost and margin by month, student, tutor or
//! branch, read from the monthly figures the database keeps; and what each
//! tutor earned in a month.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db};
use crate::payments::month_name;
use actix_web::{get, web, web::Json};
use chrono::{Datelike, NaiveDate};
use rapport_db::finance::By;
use rapport_domain::api::{FinanceReport, PayoutReport, PayoutRow, ReportBy, ReportRow};
use rapport_domain::payments::month_of;
use rapport_domain::problem::FieldCode;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

/// The most months a report spans.
const MONTHS_MAX: i32 = 120;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// What the rows are: `month` (the default), `student`, `tutor` or `branch`.
    pub by: Option<ReportBy>,
    /// The first month (its first day); twelve months before `to` when left out.
    pub from: Option<NaiveDate>,
    /// The last month (its first day); this month when left out.
    pub to: Option<NaiveDate>,
    /// Of this branch's students only.
    pub branch_id: Option<Uuid>,
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

/// Revenue (invoiced, less credit notes), tutor cost and margin, with
/// sessions and minutes, by month, student, tutor or branch, over a span
/// of months (by the month each session took place), and a total per
/// currency. Read from monthly figures the database keeps with the
/// invoices, so that years of sessions answer at once.
#[utoipa::path(
    tag = "finance",
    params(ReportQuery),
    responses((status = 200, description = "The report", body = FinanceReport)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/finance/report")]
pub async fn report(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    q: web::Query<ReportQuery>,
) -> ApiResult<Json<FinanceReport>> {
    let ws = caller.workspace_id();
    let q = q.into_inner();
    let conn = db.conn().await?;
    let by = q.by.unwrap_or(ReportBy::Month);
    for (field, d) in [("from", q.from), ("to", q.to)] {
        if d.is_some_and(|d| !(2000..=2100).contains(&d.year())) {
            return Err(ApiError::validation(
                field,
                FieldCode::Range,
                "a date from 2000 to 2100",
            ));
        }
    }
    let to = match q.to {
        Some(t) => month_of(t),
        None => month_of(crate::payments::today(conn, ws).await?),
    };
    let from = month_of(match q.from {
        Some(f) => f,
        None => to.checked_sub_months(chrono::Months::new(11)).unwrap_or(to),
    });
    if from > to {
        return Err(ApiError::validation(
            "from",
            FieldCode::Range,
            "no later than `to`",
        ));
    }
    if months_between(from, to) >= MONTHS_MAX {
        return Err(ApiError::validation(
            "from",
            FieldCode::Range,
            format!("at most {MONTHS_MAX} months before `to`"),
        ));
    }
    let column = match by {
        ReportBy::Month => By::Month,
        ReportBy::Student => By::Person,
        ReportBy::Tutor => By::Tutor,
        ReportBy::Branch => By::Branch,
    };
    let figures = rapport_db::finance::report(conn, ws, column, from, to, q.branch_id).await?;
    let ids: Vec<Uuid> = figures
        .iter()
        .filter_map(|f| f.key.as_deref().and_then(|k| k.parse().ok()))
        .collect();
    let names: HashMap<Uuid, String> = match by {
        ReportBy::Month => HashMap::new(),
        ReportBy::Student => rapport_db::people::names(conn, ws, &ids)
            .await?
            .into_iter()
            .map(|(id, (f, l))| (id, format!("{f} {l}").trim().to_string()))
            .collect(),
        ReportBy::Tutor => rapport_db::finance::member_names(conn, ws, &ids).await?,
        ReportBy::Branch => rapport_db::finance::branch_names(conn, ws, &ids).await?,
    };
    let label = |key: &Option<String>| -> String {
        match (by, key) {
            (ReportBy::Month, Some(k)) => k
                .parse::<NaiveDate>()
                .map(month_name)
                .unwrap_or_else(|_| k.clone()),
            (_, Some(k)) => k
                .parse::<Uuid>()
                .ok()
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "(removed)".into()),
            (ReportBy::Tutor, None) => "(no tutor)".into(),
            (_, None) => "(no branch)".into(),
        }
    };
    let mut rows = Vec::new();
    let mut totals: Vec<ReportRow> = Vec::new();
    for f in figures {
        rows.push(ReportRow {
            label: label(&f.key),
            key: f.key.clone(),
            currency: f.currency.clone(),
            revenue_minor: f.revenue_minor,
            cost_minor: f.cost_minor,
            margin_minor: f.revenue_minor - f.cost_minor,
            sessions: f.sessions,
            minutes: f.minutes,
        });
        match totals.iter_mut().find(|t| t.currency == f.currency) {
            Some(t) => {
                t.revenue_minor += f.revenue_minor;
                t.cost_minor += f.cost_minor;
                t.margin_minor += f.revenue_minor - f.cost_minor;
                t.sessions += f.sessions;
                t.minutes += f.minutes;
            }
            None => totals.push(ReportRow {
                key: None,
                label: "Total".into(),
                currency: f.currency.clone(),
                revenue_minor: f.revenue_minor,
                cost_minor: f.cost_minor,
                margin_minor: f.revenue_minor - f.cost_minor,
                sessions: f.sessions,
                minutes: f.minutes,
            }),
        }
    }
    if by != ReportBy::Month {
        // The biggest first.
        rows.sort_by(|a, b| {
            b.revenue_minor
                .cmp(&a.revenue_minor)
                .then_with(|| a.label.cmp(&b.label))
        });
    }
    totals.sort_by(|a, b| a.currency.cmp(&b.currency));
    Ok(Json(FinanceReport {
        by,
        from,
        to,
        rows,
        totals,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PayoutQuery {
    /// The month (its first day); this month when left out.
    pub month: Option<NaiveDate>,
}

/// What each tutor earned in a month: their completed sessions, minutes
/// and pay at their pay rates, and how many sessions no pay rate prices.
#[utoipa::path(
    tag = "finance",
    params(PayoutQuery),
    responses((status = 200, description = "The payouts", body = PayoutReport)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/finance/payouts")]
pub async fn payouts(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    q: web::Query<PayoutQuery>,
) -> ApiResult<Json<PayoutReport>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    if q.month.is_some_and(|d| !(2000..=2100).contains(&d.year())) {
        return Err(ApiError::validation(
            "month",
            FieldCode::Range,
            "a date from 2000 to 2100",
        ));
    }
    let month = match q.month {
        Some(m) => month_of(m),
        None => month_of(crate::payments::today(conn, ws).await?),
    };
    let rows = rapport_db::finance::payouts(conn, ws, month).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.tutor_id).collect();
    let names = rapport_db::finance::member_names(conn, ws, &ids).await?;
    let mut rows: Vec<PayoutRow> = rows
        .into_iter()
        .map(|r| PayoutRow {
            name: names
                .get(&r.tutor_id)
                .cloned()
                .unwrap_or_else(|| "(removed)".into()),
            tutor_id: r.tutor_id,
            currency: r.currency,
            sessions: r.sessions,
            minutes: r.minutes,
            pay_minor: r.pay_minor,
            unpriced: r.unpriced,
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.tutor_id.cmp(&b.tutor_id)));
    Ok(Json(PayoutReport { month, rows }))
}
