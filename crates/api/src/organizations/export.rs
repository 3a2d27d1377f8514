use crate::error::ApiResult;
use crate::export::{custom_cell, Slot, Table};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::ListQuery;
use crate::respond::File;
use actix_web::{get, web};
use rapport_db::organizations::{OrganizationFilter, OrganizationRow, OrganizationSort};
use rapport_domain::api::{ExportFormat, FieldRecord};
use std::sync::Arc;

use super::list::OrganizationQuery;

/// The organisations of the list as a file, CSV or XLSX, with the same
/// filters and sort (`limit` and `cursor` aside: every row), one column per
/// live custom field after the standard ones.
#[utoipa::path(
    tag = "organizations",
    params(("format" = inline(ExportFormat), Path, description = "`csv` or `xlsx`"), ListQuery<OrganizationSort, OrganizationQuery>),
    responses(
        (status = 200, description = "The organisations, one a row", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
        (status = 429, description = "As many exports as the server streams at once are running; try again after `Retry-After`", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["organizations:read"]), ("api_key" = ["organizations:read"]))
)]
#[get("/organizations/export.{format}")]
pub async fn export(
    db: Db,
    caller: Authz<perm::OrganizationsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    format: web::Path<ExportFormat>,
    list: ListQuery<OrganizationSort, OrganizationQuery>,
    slot: Slot,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let sort = list.page(ws)?.request.sort;
    let filter = Arc::new(OrganizationFilter::from(list.filter));
    let scope = Arc::new(scope);
    let mut conn = db.into_owned().await?;
    let fields = rapport_db::custom_fields::live(&mut conn, ws, FieldRecord::Organization).await?;
    let (header, keys) = crate::export::header(
        &[
            "id",
            "name",
            "domain",
            "industry",
            "phone",
            "address",
            "tags",
            "created_at",
            "updated_at",
        ],
        fields,
    );
    let table = Table {
        name: "organizations",
        header,
        fetch: Box::new(move |conn, page| {
            let (filter, scope) = (filter.clone(), scope.clone());
            Box::pin(
                async move { rapport_db::organizations::list(conn, &scope, &filter, &page).await },
            )
        }),
        write: Box::new(move |_conn, rows: &[OrganizationRow]| {
            let lines = rows
                .iter()
                .map(|o| {
                    let mut line = vec![
                        o.id.to_string(),
                        o.name.clone(),
                        o.domain.clone().unwrap_or_default(),
                        o.industry.clone().unwrap_or_default(),
                        o.phone.clone().unwrap_or_default(),
                        o.address.clone().unwrap_or_default(),
                        o.tags.join("; "),
                        o.created_at.to_rfc3339(),
                        o.updated_at.to_rfc3339(),
                    ];
                    line.extend(keys.iter().map(|k| custom_cell(o.custom_fields.get(k))));
                    line
                })
                .collect();
            Box::pin(async move { Ok(lines) })
        }),
    };
    crate::export::send(format.into_inner(), conn, sort, table, slot).await
}
