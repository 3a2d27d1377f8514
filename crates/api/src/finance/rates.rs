//! Rates: what a student pays, per hour or per session, with one tutor or
//! for one subject when set.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, IfMatch, Valid};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use crate::respond::{NoContent, Reply};
use actix_web::{delete, get, patch, post, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::finance::{RateChanges, RateRow, RateSort};
use rapport_domain::api::{NewRate, Page, RatePatch, RateView};
use rapport_domain::validate::tidy;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RateQuery {
    /// The rates of this student.
    pub person_id: Option<Uuid>,
}

impl Filters for RateQuery {}

/// The rates students pay, newest first.
#[utoipa::path(
    tag = "finance",
    params(ListQuery<RateSort, RateQuery>),
    responses((status = 200, description = "A page of rates", body = Page<RateView>)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/rates")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    list: ListQuery<RateSort, RateQuery>,
) -> ApiResult<Json<Page<RateView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::finance::rates(conn, ws, list.filter.person_id, &page).await?;
    Ok(Json(page.answer(rows, |r: RateRow| r.view())))
}

/// Give a student a rate: per hour (counted by the minute) or per
/// session, with one tutor (a session's host) or for one subject (a
/// session's title) when set. One rate per student, tutor and subject
/// (409 `duplicate`); an unknown student or tutor is 404.
#[utoipa::path(
    tag = "finance",
    request_body = NewRate,
    responses(
        (status = 201, description = "The rate", body = RateView),
        (status = 409, description = "The student has this rate already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/rates")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<NewRate>,
) -> ApiResult<Reply<RateView>> {
    let ws = caller.workspace_id();
    let now = chrono::Utc::now();
    let row = RateRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        person_id: body.person_id,
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
        let rate = rapport_db::finance::insert_rate(conn, &row).await?;
        ctx.created(conn, ws, &rate).await?;
        let reply = Reply::created(&rate.view())
            .etag(rate.version)
            .location(format!("/api/v1/rates/{}", rate.id));
        idem.keep(conn, reply).await
    })
    .await
}

/// Change a rate's unit or amount. Sessions invoiced already keep their
/// price. With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The rate's id")),
    request_body = RatePatch,
    responses((status = 200, description = "The rate as changed", body = RateView)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[patch("/rates/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<RatePatch>,
) -> ApiResult<Reply<RateView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = RateChanges {
        unit: body.unit,
        amount: body.amount.map(|a| (a.amount_minor, a.currency)),
    };
    let conn = db.conn().await?;
    let rate = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::finance::find_rate(conn, ws, id)
                .await?
                .found()?;
            let version = if_match.0.unwrap_or(before.version);
            let after = rapport_db::finance::update_rate(conn, ws, id, version, &before, &changes)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&rate.view()).etag(rate.version))
}

/// Delete a rate. Sessions invoiced already keep their price.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The rate's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[delete("/rates/{id}")]
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
        let before = rapport_db::finance::find_rate(conn, ws, id)
            .await?
            .found()?;
        let version = if_match.0.unwrap_or(before.version);
        rapport_db::finance::delete_rate(conn, ws, id, version)
            .await?
            .current()?;
        ctx.removed(conn, ws, "deleted", &before).await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
