use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_domain::api::PaymentView;
use uuid::Uuid;

/// One payment.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The payment's id")),
    responses((status = 200, description = "The payment", body = PaymentView)),
    security(("bearer" = ["payments:read"]), ("api_key" = ["payments:read"]))
)]
#[get("/payments/{id}")]
pub async fn read(
    mut db: Db,
    _caller: Authz<perm::PaymentsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<PaymentView>> {
    let conn = db.conn().await?;
    let p = rapport_db::payments::find_payment(conn, &scope, id.into_inner())
        .await?
        .found()?;
    Ok(Json(p.view()))
}
