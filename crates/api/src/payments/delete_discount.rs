use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Remove a student's discount; charges made already keep theirs.
#[utoipa::path(
    tag = "payments",
    params(("person_id" = Uuid, Path, description = "The student's id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = ["payments:manage"]), ("api_key" = ["payments:manage"]))
)]
#[delete("/fee-discounts/{person_id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::PaymentsManage>,
    ctx: Ctx,
    person: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let person = person.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::payments::lock_discount(conn, ws, person)
            .await?
            .found()?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        rapport_db::payments::delete_discount(conn, ws, person).await?;
        ctx.removed(conn, ws, "deleted", &before).await?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}
