use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::respond::Reply;
use actix_web::{put, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{DiscountView, SetDiscount};
use uuid::Uuid;

/// Set a student's discount (a sibling discount, a scholarship), taken off
/// every plan that charges them from the next charge on. With `If-Match`,
/// only the version it names.
#[utoipa::path(
    tag = "payments",
    params(("person_id" = Uuid, Path, description = "The student's id")),
    request_body = SetDiscount,
    responses((status = 200, description = "The discount", body = DiscountView)),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[put("/fee-discounts/{person_id}")]
pub async fn set(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    person: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<SetDiscount>,
) -> ApiResult<Reply<DiscountView>> {
    let ws = caller.workspace_id();
    let person = person.into_inner();
    let conn = db.conn().await?;
    let scope = crate::extract::Scope::Workspace(ws);
    if rapport_db::people::find(conn, &scope, person)
        .await?
        .is_none_or(|p| p.deleted_at.is_some())
    {
        return Err(ApiError::NotFound);
    }
    let reason = body.reason.trim().to_string();
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::payments::lock_discount(conn, ws, person).await?;
            if if_match
                .0
                .is_some_and(|v| Some(v) != before.as_ref().map(|b| b.version))
            {
                return Err(ApiError::PreconditionFailed);
            }
            let after =
                rapport_db::payments::put_discount(conn, ws, person, body.percent, &reason).await?;
            match &before {
                Some(before) => ctx.changed(conn, ws, "updated", before, &after).await?,
                None => ctx.created(conn, ws, &after).await?,
            }
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&row.view()).etag(row.version))
}
