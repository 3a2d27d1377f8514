use crate::error::ApiResult;
use crate::export::{Csv, CsvFile};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::ListQuery;
use actix_web::get;
use rapport_db::people::{PersonFilter, PersonRow, PersonSort};
use std::sync::Arc;

use super::list::PersonQuery;

/// The people of the list as a CSV file, with the same filters and sort
/// (`limit` and `cursor` aside: every row), streamed.
#[utoipa::path(
    tag = "people",
    params(ListQuery<PersonSort, PersonQuery>),
    responses((status = 200, description = "The people, one a line", content_type = "text/csv", body = String)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/export.csv")]
pub async fn export(
    db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<PersonSort, PersonQuery>,
) -> ApiResult<CsvFile> {
    let ws = caller.workspace_id();
    let sort = list.page(ws)?.request.sort;
    let custom = list.filter.custom_field.clone();
    let mut filter = PersonFilter::from(list.filter);
    let mut conn = db.into_owned().await?;
    filter.custom = crate::custom_fields::filter(
        &mut conn,
        ws,
        rapport_domain::api::FieldRecord::Person,
        custom.as_deref(),
    )
    .await?;
    let filter = Arc::new(filter);
    let scope = Arc::new(scope);
    Ok(crate::export::csv(
        conn,
        sort,
        Csv {
            name: "people",
            header: &[
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
            fetch: Box::new(move |conn, page| {
                let (filter, scope) = (filter.clone(), scope.clone());
                Box::pin(
                    async move { rapport_db::people::list(conn, &scope, &filter, &page).await },
                )
            }),
            write: Box::new(move |conn, rows: &[PersonRow]| {
                Box::pin(async move {
                    let ids: Vec<_> = rows.iter().filter_map(|p| p.organization_id).collect();
                    let orgs = rapport_db::organizations::names(conn, ws, &ids).await?;
                    Ok(rows
                        .iter()
                        .map(|p| {
                            vec![
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
                            ]
                        })
                        .collect())
                })
            }),
        },
    ))
}
