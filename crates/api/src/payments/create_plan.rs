use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::payments::PlanRow;
use rapport_db::Conn;
use rapport_domain::api::{CreateFeePlan, FeePlanView};
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// Whom a plan charges: a class of `ws` (not deleted), or a person of it.
pub(super) async fn check_whom(
    conn: &mut Conn,
    ws: Uuid,
    group: Option<Uuid>,
    person: Option<Uuid>,
) -> Result<(), ApiError> {
    let scope = crate::extract::Scope::Workspace(ws);
    if let Some(g) = group {
        let found = rapport_db::groups::find(conn, &scope, g).await?;
        if found.is_none_or(|g| g.deleted_at.is_some()) {
            return Err(ApiError::validation(
                "group_id",
                FieldCode::Unknown,
                "no such class in this workspace",
            ));
        }
    }
    if let Some(p) = person {
        let found = rapport_db::people::find(conn, &scope, p).await?;
        if found.is_none_or(|p| p.deleted_at.is_some()) {
            return Err(ApiError::validation(
                "person_id",
                FieldCode::Unknown,
                "no such person in this workspace",
            ));
        }
    }
    Ok(())
}

/// Add a fee plan: a monthly amount for every student of a class, or for
/// one student, from its first month (this month when left out). The
/// monthly run charges it on the first of each month in the workspace's
/// time zone.
#[utoipa::path(
    tag = "payments",
    request_body = CreateFeePlan,
    responses((status = 201, description = "The plan", body = FeePlanView)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[post("/fee-plans")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    Valid(body): Valid<CreateFeePlan>,
) -> ApiResult<Reply<FeePlanView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    check_whom(conn, ws, body.group_id, body.person_id).await?;
    let first_month = match body.first_month {
        Some(m) => m,
        None => rapport_domain::payments::month_of(super::today(conn, ws).await?),
    };
    let now = chrono::Utc::now();
    let row = PlanRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        name: body.name.trim().to_string(),
        amount_minor: body.amount.amount_minor,
        currency: body.amount.currency.clone(),
        group_id: body.group_id,
        person_id: body.person_id,
        first_month,
        active: body.active,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let plan = rapport_db::payments::insert_plan(conn, &row).await?;
            ctx.created(conn, ws, &plan).await?;
            Ok(plan)
        })
        .await?;
    Ok(Reply::created(&plan.view())
        .etag(plan.version)
        .location(format!("/api/v1/fee-plans/{}", plan.id)))
}
