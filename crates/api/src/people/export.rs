use crate::error::ApiResult;
use crate::export::{custom_cell, Slot, Table};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::ListQuery;
use crate::respond::File;
use actix_web::{get, web};
use rapport_db::people::{PersonFilter, PersonRow, PersonSort};
use rapport_domain::api::{ExportFormat, FieldRecord};
use std::sync::Arc;

use super::list::PersonQuery;

/// The people of the list as a file, CSV or XLSX, with the same filters and
/// sort (`limit` and `cursor` aside: every row), one column per live custom
/// field after the standard ones.
#[utoipa::path(
    tag = "people",
    params(("format" = inline(ExportFormat), Path, description = "`csv` or `xlsx`"), ListQuery<PersonSort, PersonQuery>),
    responses(
        (status = 200, description = "The people, one a row", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
        (status = 429, description = "As many exports as the server streams at once are running; try again after `Retry-After`", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/export.{format}")]
pub async fn export(
    db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    format: web::Path<ExportFormat>,
    list: ListQuery<PersonSort, PersonQuery>,
    slot: Slot,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let sort = list.page(ws)?.request.sort;
    let custom = list.filter.custom_field.clone();
    let mut filter = PersonFilter::from(list.filter);
    let mut conn = db.into_owned().await?;
    filter.custom =
        crate::custom_fields::filter(&mut conn, ws, FieldRecord::Person, custom.as_deref()).await?;
    let fields = rapport_db::custom_fields::live(&mut conn, ws, FieldRecord::Person).await?;
    let filter = Arc::new(filter);
    let scope = Arc::new(scope);
    let (header, keys) = crate::export::header(
        &[
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "status",
            "organization",
            "tags",
            "created_at",
            "updated_at",
        ],
        fields,
    );
    let table = Table {
        name: "people",
        header,
        fetch: Box::new(move |conn, page| {
            let (filter, scope) = (filter.clone(), scope.clone());
            Box::pin(async move { rapport_db::people::list(conn, &scope, &filter, &page).await })
        }),
        write: Box::new(move |conn, rows: &[PersonRow]| {
            let keys = keys.clone();
            Box::pin(async move {
                let ids: Vec<_> = rows.iter().filter_map(|p| p.organization_id).collect();
                let orgs = rapport_db::organizations::names(conn, ws, &ids).await?;
                Ok(rows
                    .iter()
                    .map(|p| {
                        let mut line = vec![
                            p.id.to_string(),
                            p.first_name.clone(),
                            p.last_name.clone(),
                            p.email.clone().unwrap_or_default(),
                            p.phone.clone().unwrap_or_default(),
                            p.status.as_str().to_string(),
                            p.organization_id
                                .and_then(|o| orgs.get(&o).cloned())
                                .unwrap_or_default(),
                            p.tags.join("; "),
                            p.created_at.to_rfc3339(),
                            p.updated_at.to_rfc3339(),
                        ];
                        line.extend(keys.iter().map(|k| custom_cell(p.custom_fields.get(k))));
                        line
                    })
                    .collect())
            })
        }),
    };
    crate::export::send(format.into_inner(), conn, sort, table, slot).await
}
