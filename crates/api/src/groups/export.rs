use crate::error::ApiResult;
use crate::export::{custom_cell, Slot, Table};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::ListQuery;
use crate::respond::File;
use actix_web::{get, web};
use rapport_db::groups::{GroupFilter, GroupRow, GroupSort};
use rapport_domain::api::{ExportFormat, FieldRecord};
use std::sync::Arc;
use uuid::Uuid;

use super::list::GroupQuery;

/// The groups of the list as a file, CSV or XLSX, with the same filters and
/// sort (`limit` and `cursor` aside: every row): each with its leader's
/// name and how many belong to it today, then one column per live custom
/// field.
#[utoipa::path(
    tag = "groups",
    params(("format" = inline(ExportFormat), Path, description = "`csv` or `xlsx`"), ListQuery<GroupSort, GroupQuery>),
    responses(
        (status = 200, description = "The groups, one a row", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
        (status = 429, description = "As many exports as the server streams at once are running; try again after `Retry-After`", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["groups:read"]), ("api_key" = ["groups:read"]))
)]
#[get("/groups/export.{format}")]
pub async fn export(
    db: Db,
    caller: Authz<perm::GroupsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    format: web::Path<ExportFormat>,
    list: ListQuery<GroupSort, GroupQuery>,
    slot: Slot,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let sort = list.page(ws)?.request.sort;
    let filter = Arc::new(GroupFilter::from(list.filter));
    let scope = Arc::new(scope);
    let mut conn = db.into_owned().await?;
    let fields = rapport_db::custom_fields::live(&mut conn, ws, FieldRecord::Group).await?;
    let (header, keys) = crate::export::header(
        &[
            "id",
            "name",
            "kind",
            "course",
            "description",
            "leader",
            "members",
            "tags",
            "created_at",
            "updated_at",
        ],
        fields,
    );
    let table = Table {
        name: "groups",
        header,
        fetch: Box::new(move |conn, page| {
            let (filter, scope) = (filter.clone(), scope.clone());
            Box::pin(async move { rapport_db::groups::list(conn, &scope, &filter, &page).await })
        }),
        write: Box::new(move |conn, rows: &[GroupRow]| {
            let keys = keys.clone();
            Box::pin(async move {
                let ids: Vec<Uuid> = rows.iter().map(|g| g.id).collect();
                let leaders: Vec<Uuid> = rows.iter().filter_map(|g| g.leader_id).collect();
                let names = rapport_db::notes::names(conn, &leaders).await?;
                let today = rapport_db::groups::today(conn, ws).await?;
                let counts = rapport_db::groups::member_counts(conn, ws, &ids, today).await?;
                Ok(rows
                    .iter()
                    .map(|g| {
                        let mut line = vec![
                            g.id.to_string(),
                            g.name.clone(),
                            g.kind.as_str().to_string(),
                            g.course.clone().unwrap_or_default(),
                            g.description.clone().unwrap_or_default(),
                            g.leader_id
                                .and_then(|l| names.get(&l).cloned())
                                .unwrap_or_default(),
                            counts.get(&g.id).copied().unwrap_or(0).to_string(),
                            g.tags.join("; "),
                            g.created_at.to_rfc3339(),
                            g.updated_at.to_rfc3339(),
                        ];
                        line.extend(keys.iter().map(|k| custom_cell(g.custom_fields.get(k))));
                        line
                    })
                    .collect())
            })
        }),
    };
    crate::export::send(format.into_inner(), conn, sort, table, slot).await
}
