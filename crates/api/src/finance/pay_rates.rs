//! Pay rates: what a tutor earns, per hour or per session, for one subject
//! when set.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, IfMatch, Valid};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use crate::respond::{NoContent, Reply};
use actix_web::{delete, get, patch, post, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::finance::{PayRateRow, PayRateSort, RateChanges};
use rapport_domain::api::{NewPayRate, Page, PayRateView, RatePatch};
use rapport_domain::validate::tidy;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PayRateQuery {
    /// The pay rates of this tutor.
    pub tutor_id: Option<Uuid>,
}

impl Filters for PayRateQuery {}

/// What tutors earn, newest first.
#[utoipa::path(
    tag = "finance",
    params(ListQuery<PayRateSort, PayRateQuery>),
    responses((status = 200, description = "A page of pay rates", body = Page<PayRateView>)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/pay-rates")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    list: ListQuery<PayRateSort, PayRateQuery>,
) -> ApiResult<Json<Page<PayRateView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::finance::pay_rates(conn, ws, list.filter.tutor_id, &page).await?;
    Ok(Json(page.answer(rows, |r: PayRateRow| r.view())))
}

/// Give a tutor a pay rate: per hour (counted by the minute) or per
/// session, for one subject (a session's title) when set. A session with
/// several students is shared out between their invoice lines. One pay
/// rate per tutor and subject (409 `duplicate`); an unknown tutor is 404.
#[utoipa::path(
    tag = "finance",
    request_body = NewPayRate,
    responses(
        (status = 201, description = "The pay rate", body = PayRateView),
        (status = 409, description = "The tutor has this pay rate already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/pay-rates")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<NewPayRate>,
) -> ApiResult<Reply<PayRateView>> {
    let ws = caller.workspace_id();
    let now = chrono::Utc::now();
    let row = PayRateRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        tutor_id: body.tutor_id,
        subject: tidy(body.subject.as_deref()),
        unit: body.unit,
        amount_minor: body.amount.amount_minor,
        currency: body.amount.currency.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        let rate = rapport_db::finance::insert_pay_rate(conn, &row).await?;
        ctx.created(conn, ws, &rate).await?;
        let reply = Reply::created(&rate.view())
            .etag(rate.version)
            .location(format!("/api/v1/pay-rates/{}", rate.id));
        idem.keep(conn, reply).await
    })
    .await
}

/// Change a pay rate's unit or amount. Sessions invoiced already keep
/// their cost. With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The pay rate's id")),
    request_body = RatePatch,
    responses((status = 200, description = "The pay rate as changed", body = PayRateView)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[patch("/pay-rates/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<RatePatch>,
) -> ApiResult<Reply<PayRateView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = RateChanges {
        unit: body.unit,
        amount: body.amount.map(|a| (a.amount_minor, a.currency)),
    };
    let conn = db.conn().await?;
    let rate = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::finance::find_pay_rate(conn, ws, id)
                .await?
                .found()?;
            let version = if_match.0.unwrap_or(before.version);
            let after =
                rapport_db::finance::update_pay_rate(conn, ws, id, version, &before, &changes)
                    .await?
                    .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&rate.view()).etag(rate.version))
}

/// Delete a pay rate. Sessions invoiced already keep their cost.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The pay rate's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[delete("/pay-rates/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::finance::find_pay_rate(conn, ws, id)
            .await?
            .found()?;
        let version = if_match.0.unwrap_or(before.version);
        rapport_db::finance::delete_pay_rate(conn, ws, id, version)
            .await?
            .current()?;
        ctx.removed(conn, ws, "deleted", &before).await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
