use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::{ListQuery, NoFilters};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_db::notes::TimelineSort;
use rapport_domain::api::{NoteRecord, Page, TimelineItem};
use uuid::Uuid;

/// The person's timeline: its notes and its changes (who changed what),
/// newest first.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id"), ListQuery<TimelineSort, NoFilters>),
    responses((status = 200, description = "A page of the timeline", body = Page<TimelineItem>)),
    security(("bearer" = ["notes:read"]), ("api_key" = ["notes:read"]))
)]
#[get("/people/{id}/timeline")]
pub async fn timeline(
    mut db: Db,
    caller: Authz<perm::NotesRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
    list: ListQuery<TimelineSort, NoFilters>,
) -> ApiResult<Json<Page<TimelineItem>>> {
    let conn = db.conn().await?;
    let person = rapport_db::people::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let page = crate::notes::timeline(
        conn,
        caller.workspace_id(),
        NoteRecord::Person,
        person.id,
        &list,
    )
    .await?;
    Ok(Json(page))
}
