use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::payments::{PaymentRow, PaymentSort};
use rapport_domain::api::{Page, PaymentView};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    /// The payments of this student.
    pub person_id: Option<Uuid>,
}

impl Filters for PaymentQuery {}

/// Payments, newest first: a student's own, everyone's for admins.
#[utoipa::path(
    tag = "payments",
    params(ListQuery<PaymentSort, PaymentQuery>),
    responses((status = 200, description = "A page of payments", body = Page<PaymentView>)),
    security(("bearer" = ["payments:read"]), ("api_key" = ["payments:read"]))
)]
#[get("/payments")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PaymentsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<PaymentSort, PaymentQuery>,
) -> ApiResult<Json<Page<PaymentView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::payments::payments(conn, &scope, list.filter.person_id, &page).await?;
    Ok(Json(page.answer(rows, |p: PaymentRow| p.view())))
}
