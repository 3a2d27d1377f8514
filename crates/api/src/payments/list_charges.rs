use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::NaiveDate;
use rapport_db::payments::{ChargeFilter, ChargeRow, ChargeSort};
use rapport_domain::api::{ChargeView, Page};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChargeQuery {
    /// The charges of this student.
    pub person_id: Option<Uuid>,
    /// The charges made by this plan.
    pub plan_id: Option<Uuid>,
    /// The charges of this month (its first day).
    pub month: Option<NaiveDate>,
}

impl Filters for ChargeQuery {}

/// Tuition charges, newest first: a student's own, everyone's for admins.
#[utoipa::path(
    tag = "payments",
    params(ListQuery<ChargeSort, ChargeQuery>),
    responses((status = 200, description = "A page of charges", body = Page<ChargeView>)),
    security(("bearer" = ["payments:read"]), ("api_key" = ["payments:read"]))
)]
#[get("/charges")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PaymentsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<ChargeSort, ChargeQuery>,
) -> ApiResult<Json<Page<ChargeView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let f = ChargeFilter {
        person_id: list.filter.person_id,
        plan_id: list.filter.plan_id,
        month: list.filter.month,
    };
    let rows = rapport_db::payments::charges(conn, &scope, &f, &page).await?;
    Ok(Json(page.answer(rows, |c: ChargeRow| c.view())))
}
