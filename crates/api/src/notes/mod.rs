//! Notes on people, organisations and groups (Markdown, shown safely), and
//! each record's timeline: its notes and its changes, newest first. The
//! timeline's routes live with each record (`/people/{id}/timeline`); they
//! all answer through [`timeline`].

pub mod create;
pub mod delete;
pub mod markdown;
pub mod update;

use crate::error::ApiError;
use crate::extract::Caller;
use crate::pagination::{ListQuery, NoFilters};
use rapport_db::notes::{NoteRow, TimelineRow, TimelineSort};
use rapport_db::Conn;
use rapport_domain::api::{NoteRecord, NoteView, Page, TimelineChange, TimelineItem};
use rapport_domain::events::Actor;
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create)
        .service(update::update)
        .service(delete::delete);
}

/// A note as the API shows it, its Markdown made safe HTML.
pub fn view(n: &NoteRow) -> NoteView {
    NoteView {
        id: n.id,
        record_type: n.record_type,
        record_id: n.record_id,
        body: n.body.clone(),
        body_html: markdown::to_html(&n.body),
        author_id: n.author_id,
        author_name: n.author_name.clone(),
        created_at: n.created_at,
        updated_at: n.updated_at,
        version: n.version,
    }
}

impl crate::record::Audited for NoteRow {
    const KIND: &'static str = "note";
    const HEARD_BY: Permission = Permission::NotesRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "body": self.body,
            "author_id": self.author_id,
        })
    }
}

/// Only its author, or those who manage notes, change or delete a note.
pub(crate) fn may_change(caller: &Caller, note: &NoteRow) -> Result<(), ApiError> {
    let own = note.author_id.is_some() && note.author_id == caller.user_id();
    if own || caller.allows(Permission::NotesManage) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only its author or an admin may change this note".into(),
        ))
    }
}

/// The timeline of a record the caller may see: a page of its notes and its
/// audit entries, newest first.
pub async fn timeline(
    conn: &mut Conn,
    ws: Uuid,
    record: NoteRecord,
    id: Uuid,
    list: &ListQuery<TimelineSort, NoFilters>,
) -> Result<Page<TimelineItem>, ApiError> {
    let page = list.page(ws)?;
    let rows = rapport_db::notes::timeline(conn, ws, record, id, &page).await?;
    let actors: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| match r {
            TimelineRow::Change(c) if c.actor_kind == "user" => c.actor_id,
            _ => None,
        })
        .collect();
    let names = rapport_db::notes::names(conn, &actors).await?;
    Ok(page.answer(rows, |r| match r {
        TimelineRow::Note(n) => TimelineItem::Note(view(&n)),
        TimelineRow::Change(c) => TimelineItem::Change(TimelineChange {
            id: c.id,
            occurred_at: c.occurred_at,
            action: c.action,
            actor: Actor {
                kind: rapport_db::audit::actor_kind(&c.actor_kind),
                id: c.actor_id,
            },
            actor_name: c.actor_id.and_then(|a| names.get(&a).cloned()),
            changes: c.changes.0.value(),
        }),
    }))
}

/// Notes on a person are about them: exported as written, removed for good
/// on erasure, with their history erased.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "notes",
        tables: &["notes"],
        export: |conn, s| {
            Box::pin(async move {
                let notes = rapport_db::notes::of_person(conn, s.workspace_id, s.person.id).await?;
                Ok(notes
                    .iter()
                    .map(|n| {
                        serde_json::json!({
                            "id": n.id,
                            "body": n.body,
                            "author_name": n.author_name,
                            "created_at": n.created_at,
                            "updated_at": n.updated_at,
                        })
                    })
                    .collect())
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let notes = rapport_db::notes::of_person(conn, ws, s.person.id).await?;
                let ids: Vec<String> = notes.iter().map(|n| n.id.to_string()).collect();
                let entries =
                    rapport_db::privacy::erase_entries(conn, ws, "note", &ids, &s.by()).await?;
                Ok(entries + rapport_db::notes::delete_of_person(conn, ws, s.person.id).await?)
            })
        },
    });
}
