use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::{ListQuery, NoFilters};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_db::notes::TimelineSort;
use rapport_domain::api::{NoteRecord, Page, TimelineItem};
use uuid::Uuid;

/// The group's timeline: its notes and its changes (who changed what),
/// newest first.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id"), ListQuery<TimelineSort, NoFilters>),
    responses((status = 200, description = "A page of the timeline", body = Page<TimelineItem>)),
    security(("bearer" = ["notes:read"]), ("api_key" = ["notes:read"]))
)]
#[get("/groups/{id}/timeline")]
pub async fn timeline(
    mut db: Db,
    caller: Authz<perm::NotesRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
    list: ListQuery<TimelineSort, NoFilters>,
) -> ApiResult<Json<Page<TimelineItem>>> {
    let conn = db.conn().await?;
    let group = rapport_db::groups::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let page = crate::notes::timeline(
        conn,
        caller.workspace_id(),
        NoteRecord::Group,
        group.id,
        &list,
    )
    .await?;
    Ok(Json(page))
}
