use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::CustomFieldView;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Bring back an archived field with its values.
#[utoipa::path(
    tag = "custom-fields",
    params(("id" = Uuid, Path, description = "The field's id")),
    responses(
        (status = 200, description = "The field, back", body = CustomFieldView),
        (status = 409, description = "It is not archived, or a live field of its kind has its label", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["custom_fields:manage"]), ("api_key" = ["custom_fields:manage"]))
)]
#[post("/custom-fields/{id}/restore")]
pub async fn restore(
    mut db: Db,
    caller: Authz<perm::CustomFieldsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<CustomFieldView>> {
    let ws = caller.workspace_id();
    // A sensitive field is none of theirs to those who may not see it.
    let sees = caller.allows(rapport_domain::Permission::SensitiveRead);
    let id = id.into_inner();
    let conn = db.conn().await?;
    let field = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::custom_fields::lock(conn, ws, id)
                .await?
                .filter(|f| !f.sensitive || sees)
                .found()?;
            if before.archived_at.is_none() {
                return Err(ApiError::conflict(
                    Code::Duplicate,
                    "the field is not archived",
                ));
            }
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let after = rapport_db::custom_fields::set_archived(conn, ws, &before, false)
                .await
                .map_err(super::or_label_taken)?
                .current()?;
            ctx.changed(conn, ws, "restored", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&field.view()).etag(field.version))
}
