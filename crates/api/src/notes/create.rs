use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid, Visible};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::notes::NewNote;
use rapport_db::scope::Scope;
use rapport_db::Conn;
use rapport_domain::api::{CreateNoteRequest, NoteRecord, NoteView};
use rapport_domain::problem::FieldCode;
use rapport_domain::Module;
use uuid::Uuid;

/// Whether the live record `id` of kind `record` is one `scope` sees (a
/// teacher writes on their own students and classes).
async fn is_live(
    conn: &mut Conn,
    scope: &Scope,
    record: NoteRecord,
    id: Uuid,
) -> Result<bool, ApiError> {
    Ok(match record {
        NoteRecord::Person => rapport_db::people::find(conn, scope, id)
            .await?
            .is_some_and(|p| p.deleted_at.is_none()),
        NoteRecord::Organization => rapport_db::organizations::find(conn, scope, id)
            .await?
            .is_some_and(|o| o.deleted_at.is_none()),
        NoteRecord::Group => rapport_db::groups::find(conn, scope, id)
            .await?
            .is_some_and(|g| g.deleted_at.is_none()),
    })
}

/// Write a note on a person, an organisation or a group that the caller
/// sees. Its Markdown is kept as written and shown as safe HTML.
#[utoipa::path(
    tag = "notes",
    request_body = CreateNoteRequest,
    responses((status = 201, description = "The note", body = NoteView)),
    security(("bearer" = ["notes:write"]), ("api_key" = ["notes:write"]))
)]
#[post("/notes")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::NotesWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Visible(scope, ..): Visible<crate::people::Policy>,
    Valid(body): Valid<CreateNoteRequest>,
) -> ApiResult<Reply<NoteView>> {
    let ws = caller.workspace_id();
    let Some((record, record_id)) = body.record() else {
        unreachable!("validated: exactly one record")
    };
    // A note on an organisation or a group needs the module switched on.
    caller.module_on(match record {
        NoteRecord::Person => None,
        NoteRecord::Organization => Some(Module::Organizations),
        NoteRecord::Group => Some(Module::Groups),
    })?;
    let new = NewNote::on(ws, record, record_id, body.body, caller.user_id());
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            if !is_live(conn, &scope, record, record_id).await? {
                let field = format!("{}_id", record.as_str());
                return Err(ApiError::validation(
                    &field,
                    FieldCode::Unknown,
                    "no such record in this workspace",
                ));
            }
            let note = rapport_db::notes::insert(conn, &new).await?;
            ctx.created(conn, ws, &note).await?;
            let reply = Reply::created(&super::view(&note))
                .etag(note.version)
                .location(format!("/api/v1/notes/{}", note.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
