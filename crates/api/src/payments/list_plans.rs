use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::payments::{PlanRow, PlanSort};
use rapport_domain::api::{FeePlanView, Page};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The plans of this class.
    pub group_id: Option<Uuid>,
    /// The plans of this student.
    pub person_id: Option<Uuid>,
}

impl Filters for PlanQuery {}

/// Fee plans, by name.
#[utoipa::path(
    tag = "payments",
    params(ListQuery<PlanSort, PlanQuery>),
    responses((status = 200, description = "A page of fee plans", body = Page<FeePlanView>)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[get("/fee-plans")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    list: ListQuery<PlanSort, PlanQuery>,
) -> ApiResult<Json<Page<FeePlanView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows =
        rapport_db::payments::plans(conn, ws, list.filter.group_id, list.filter.person_id, &page)
            .await?;
    Ok(Json(page.answer(rows, |p: PlanRow| p.view())))
}
