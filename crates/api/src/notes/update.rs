use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{NoteView, UpdateNoteRequest};
use uuid::Uuid;

/// Rewrite a note: its author may, and admins. With `If-Match`, only the
/// version it names.
#[utoipa::path(
    tag = "notes",
    params(("id" = Uuid, Path, description = "The note's id")),
    request_body = UpdateNoteRequest,
    responses((status = 200, description = "The note as changed", body = NoteView)),
    security(("bearer" = ["notes:write"]), ("api_key" = ["notes:write"]))
)]
#[patch("/notes/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::NotesWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateNoteRequest>,
) -> ApiResult<Reply<NoteView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let note = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::notes::lock(conn, ws, id).await?.found()?;
            super::may_change(&caller, &before)?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            if before.body == body.body {
                return Ok(before);
            }
            let after = rapport_db::notes::update(conn, ws, id, before.version, &body.body)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&super::view(&note)).etag(note.version))
}
