use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::custom_fields::{CustomFieldRow, CustomFieldSort};
use rapport_domain::api::{CustomFieldView, FieldRecord, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldQuery {
    /// The fields of one kind of record.
    pub record_type: Option<FieldRecord>,
    /// `true`: the archived ones, which can be brought back with their values.
    #[serde(default)]
    pub archived: bool,
}

impl Filters for CustomFieldQuery {}

/// The workspace's custom fields, in their order on the forms; the
/// sensitive ones only to those who may see their values (`sensitive:read`).
#[utoipa::path(
    tag = "custom-fields",
    params(ListQuery<CustomFieldSort, CustomFieldQuery>),
    responses((status = 200, description = "A page of fields", body = Page<CustomFieldView>)),
    security(("bearer" = ["custom_fields:read"]), ("api_key" = ["custom_fields:read"]))
)]
#[get("/custom-fields")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::CustomFieldsRead>,
    list: ListQuery<CustomFieldSort, CustomFieldQuery>,
) -> ApiResult<Json<Page<CustomFieldView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let f = &list.filter;
    // A sensitive field is listed only to those who may see its values.
    let sees = caller.allows(rapport_domain::Permission::SensitiveRead);
    let rows = rapport_db::custom_fields::list(
        db.conn().await?,
        ws,
        f.record_type,
        f.archived,
        sees,
        &page,
    )
    .await?;
    Ok(Json(page.answer(rows, |r: CustomFieldRow| r.view())))
}
