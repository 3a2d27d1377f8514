use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::payments::PlanChanges;
use rapport_domain::api::{FeePlanView, UpdateFeePlan};
use uuid::Uuid;

/// Change a plan: its name, amount, first month, or whether it charges.
/// Charges made already keep their amounts. With `If-Match`, only the
/// version it names.
#[utoipa::path(
    tag = "payments",
    params(("id" = Uuid, Path, description = "The plan's id")),
    request_body = UpdateFeePlan,
    responses((status = 200, description = "The plan as changed", body = FeePlanView)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[patch("/fee-plans/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateFeePlan>,
) -> ApiResult<Reply<FeePlanView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = PlanChanges {
        name: body.name.as_deref().map(|n| n.trim().to_string()),
        amount_minor: body.amount.as_ref().map(|a| a.amount_minor),
        currency: body.amount.as_ref().map(|a| a.currency.clone()),
        first_month: body.first_month,
        active: body.active,
    };
    let conn = db.conn().await?;
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::payments::find_plan(conn, ws, id)
                .await?
                .found()?;
            let version = if_match.0.unwrap_or(before.version);
            let after = rapport_db::payments::update_plan(conn, ws, id, version, &changes)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&plan.view()).etag(plan.version))
}
