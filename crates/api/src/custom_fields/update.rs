use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::custom_fields::CustomFieldChanges;
use rapport_domain::api::{CustomFieldView, UpdateCustomFieldRequest};
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// Rename a field, change its options, whether it is required, or its
/// place. Its key and kind stay, and so do the values already kept.
#[utoipa::path(
    tag = "custom-fields",
    params(("id" = Uuid, Path, description = "The field's id")),
    request_body = UpdateCustomFieldRequest,
    responses(
        (status = 200, description = "The field as changed", body = CustomFieldView),
        (status = 409, description = "A field of this kind of record already has this label or key", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["custom_fields:manage"]), ("api_key" = ["custom_fields:manage"]))
)]
#[patch("/custom-fields/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::CustomFieldsManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateCustomFieldRequest>,
) -> ApiResult<Reply<CustomFieldView>> {
    let ws = caller.workspace_id();
    // A sensitive field is none of theirs to those who may not see it.
    let sees = caller.allows(rapport_domain::Permission::SensitiveRead);
    let id = id.into_inner();
    let changes = CustomFieldChanges {
        label: body.label.as_deref().map(|l| l.trim().to_string()),
        options: body
            .options
            .as_ref()
            .map(|o| o.iter().map(|o| o.trim().to_string()).collect()),
        required: body.required,
        position: body.position,
    };
    let conn = db.conn().await?;
    let field = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::custom_fields::lock(conn, ws, id)
                .await?
                .filter(|f| f.archived_at.is_none())
                .filter(|f| !f.sensitive || sees)
                .found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            if changes.options.is_some() && !before.kind.has_options() {
                return Err(ApiError::validation(
                    "options",
                    FieldCode::Invalid,
                    "only a select or a multi-select has options",
                ));
            }
            if before.sensitive && changes.required == Some(true) {
                return Err(ApiError::validation(
                    "required",
                    FieldCode::Invalid,
                    "a sensitive field cannot be required: not everyone who adds people may fill it",
                ));
            }
            let after = rapport_db::custom_fields::update(conn, ws, id, before.version, &changes)
                .await
                .map_err(super::or_label_taken)?
                .current()?;
            if after != before {
                ctx.changed(conn, ws, "updated", &before, &after).await?;
            }
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&field.view()).etag(field.version))
}
