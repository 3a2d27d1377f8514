use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

/// Delete a field: it is archived, and its values are hidden and kept, so
/// that bringing it back brings them back.
#[utoipa::path(
    tag = "custom-fields",
    params(("id" = Uuid, Path, description = "The field's id")),
    responses((status = 204, description = "Archived")),
    security(("bearer" = ["custom_fields:manage"]), ("api_key" = ["custom_fields:manage"]))
)]
#[delete("/custom-fields/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::CustomFieldsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    // A sensitive field is none of theirs to those who may not see it.
    let sees = caller.allows(rapport_domain::Permission::SensitiveRead);
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::custom_fields::lock(conn, ws, id)
            .await?
            .filter(|f| f.archived_at.is_none())
            .filter(|f| !f.sensitive || sees)
            .found()?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let after = rapport_db::custom_fields::set_archived(conn, ws, &before, true)
            .await?
            .current()?;
        ctx.changed(conn, ws, "deleted", &before, &after).await
    })
    .await?;
    Ok(NoContent)
}
