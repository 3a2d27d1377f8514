use crate::error::ApiResult;
use crate::export::{Csv, CsvFile};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::ListQuery;
use actix_web::get;
use rapport_db::organizations::{OrganizationFilter, OrganizationRow, OrganizationSort};
use std::sync::Arc;

use super::list::OrganizationQuery;

/// The organisations of the list as a CSV file, with the same filters and
/// sort (`limit` and `cursor` aside: every row), streamed.
#[utoipa::path(
    tag = "organizations",
    params(ListQuery<OrganizationSort, OrganizationQuery>),
    responses((status = 200, description = "The organisations, one a line", content_type = "text/csv", body = String)),
    security(("bearer" = ["organizations:read"]), ("api_key" = ["organizations:read"]))
)]
#[get("/organizations/export.csv")]
pub async fn export(
    db: Db,
    caller: Authz<perm::OrganizationsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<OrganizationSort, OrganizationQuery>,
) -> ApiResult<CsvFile> {
    let sort = list.page(caller.workspace_id())?.request.sort;
    let filter = Arc::new(OrganizationFilter::from(list.filter));
    let scope = Arc::new(scope);
    let conn = db.into_owned().await?;
    Ok(crate::export::csv(
        conn,
        sort,
        Csv {
            name: "organizations",
            header: &[
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
            fetch: Box::new(move |conn, page| {
                let (filter, scope) = (filter.clone(), scope.clone());
                Box::pin(async move {
                    rapport_db::organizations::list(conn, &scope, &filter, &page).await
                })
            }),
            write: Box::new(|_conn, rows: &[OrganizationRow]| {
                let lines = rows
                    .iter()
                    .map(|o| {
                        vec![
                            o.id.to_string(),
                            o.name.clone(),
                            o.domain.clone().unwrap_or_default(),
                            o.industry.clone().unwrap_or_default(),
                            o.phone.clone().unwrap_or_default(),
                            o.address.clone().unwrap_or_default(),
                            o.tags.join("; "),
                            o.created_at.to_rfc3339(),
                            o.updated_at.to_rfc3339(),
                        ]
                    })
                    .collect();
                Box::pin(async move { Ok(lines) })
            }),
        },
    ))
}
