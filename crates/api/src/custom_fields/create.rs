use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::custom_fields::NewCustomField;
use rapport_domain::api::{CreateCustomFieldRequest, CustomFieldView};
use rapport_domain::custom_fields::key_from;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Add a field to a kind of record. Its key (made from the label unless
/// given) is where its values are kept, for good.
#[utoipa::path(
    tag = "custom-fields",
    request_body = CreateCustomFieldRequest,
    responses(
        (status = 201, description = "The field", body = CustomFieldView),
        (status = 409, description = "A field of this kind of record already has this label or key", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["custom_fields:manage"]), ("api_key" = ["custom_fields:manage"]))
)]
#[post("/custom-fields")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::CustomFieldsManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateCustomFieldRequest>,
) -> ApiResult<Reply<CustomFieldView>> {
    let ws = caller.workspace_id();
    let key = body.key.clone().unwrap_or_else(|| key_from(&body.label));
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            if rapport_db::custom_fields::key_taken(conn, ws, body.record_type, &key).await? {
                return Err(ApiError::conflict(
                    Code::Duplicate,
                    format!("the key `{key}` is taken (an archived field may hold it)"),
                ));
            }
            let position =
                rapport_db::custom_fields::next_position(conn, ws, body.record_type).await?;
            let new = NewCustomField {
                workspace_id: ws,
                id: Uuid::now_v7(),
                record_type: body.record_type.as_str().to_string(),
                key: key.clone(),
                label: body.label.trim().to_string(),
                kind: body.kind.as_str().to_string(),
                options: body.options.iter().map(|o| o.trim().to_string()).collect(),
                required: body.required,
                position,
                sensitive: body.sensitive,
            };
            let field = rapport_db::custom_fields::insert(conn, &new)
                .await
                .map_err(super::or_label_taken)?;
            ctx.created(conn, ws, &field).await?;
            let reply = Reply::created(&field.view())
                .etag(field.version)
                .location(format!("/api/v1/custom-fields/{}", field.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
