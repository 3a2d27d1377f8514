//! Conversations: direct ones between members, groups of members, an
//! admin's broadcasts and each member's notifications, in one inbox. A
//! member sees a conversation only while they are in it, whatever their
//! role: an admin does not read others' messages. Each message has one
//! delivery per recipient (its read state); events reach the members of
//! the conversation alone.

pub mod attachments;
pub mod broadcast;
pub mod delete;
pub mod digest;
pub mod history;
pub mod inbox;
pub mod list;
pub mod mark_read;
pub mod message;
pub mod send;
pub mod show;
pub mod start;
pub mod sweep;
pub mod update;

use crate::error::ApiError;
use crate::extract::ctx::{Change, Ctx};
use crate::extract::Caller;
use crate::notes::markdown;
use rapport_db::events::NewEvent;
use rapport_db::messaging::{InboxRow, MessageRow, NewMessage};
use rapport_db::Conn;
use rapport_domain::api::{AttachmentView, ConversationView, MessageView, ParticipantView};
use rapport_domain::messaging::{preview, MessageKind};
use rapport_domain::{Permission, Role};
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// The module's jobs: the e-mail digest and the file store's sweep.
pub fn jobs(r: &mut crate::jobs::Registry) {
    digest::jobs(r);
    sweep::jobs(r);
}

pub fn schedules(s: &mut Vec<crate::jobs::schedule::Schedule>) {
    digest::schedules(s);
    sweep::schedules(s);
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(inbox::inbox)
        .service(inbox::contacts)
        .service(list::list)
        .service(start::start)
        .service(show::show)
        .service(mark_read::mark_read)
        .service(history::history)
        .service(send::send)
        .service(message::message)
        .service(update::update)
        .service(delete::delete)
        .service(broadcast::broadcast)
        .service(attachments::upload)
        .service(attachments::download)
        .service(attachments::discard);
}

/// The signed-in member calling (the module's permissions are never an API key's).
pub(crate) fn me(caller: &Caller) -> Result<Uuid, ApiError> {
    caller
        .user_id()
        .ok_or_else(|| ApiError::Forbidden("conversations are a signed-in member's".into()))
}

/// Whether a member of role `from` may start a conversation with one of
/// role `to`: students, users and customers write to staff only; staff
/// write to anyone.
pub fn may_write_to(from: Role, to: Role) -> bool {
    from != Role::Member || to != Role::Member
}

/// Whether `caller` may still write in conversation `c`: a broadcast's
/// only while their role may broadcast, a direct one only while their role
/// may write to the other's (a member demoted or a student does not keep
/// what their role no longer allows).
pub(crate) async fn may_write_in(
    conn: &mut Conn,
    caller: &Caller,
    me: Uuid,
    c: &InboxRow,
) -> Result<(), ApiError> {
    use rapport_domain::api::ConversationKind;
    let ws = caller.workspace_id();
    let allowed = match c.kind {
        ConversationKind::Broadcast => {
            let (mine, _) = held_roles(conn, ws, me, &[]).await?;
            caller.allows(Permission::BroadcastsSend)
                && Permission::BroadcastsSend.allowed_for(mine)
                && c.can_reply
        }
        ConversationKind::Direct => {
            let others =
                rapport_db::messaging::others(conn, ws, c.conversation_id, me, false).await?;
            let (mine, roles) = held_roles(conn, ws, me, &others).await?;
            c.can_reply && roles.values().all(|r| may_write_to(mine, *r))
        }
        _ => c.can_reply,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::conflict(
            rapport_domain::problem::Code::NoReplies,
            "you may not write in this conversation",
        ))
    }
}

/// The roles of `me` and of `others` (those still members), held until
/// the transaction ends: a role changed at the same moment waits for the
/// message, so that it is decided on the roles that stand when it is
/// written. 403 when `me` is no longer a member. Called before the
/// message's transaction writes anything but its idempotency key (which
/// nothing else locks), so a membership's change never waits on it while
/// it waits on the change. `notify`, called late in other modules'
/// transactions, reads roles without holding them.
pub(crate) async fn held_roles(
    conn: &mut Conn,
    ws: Uuid,
    me: Uuid,
    others: &[Uuid],
) -> Result<(Role, HashMap<Uuid, Role>), ApiError> {
    let mut ids = others.to_vec();
    ids.push(me);
    let mut roles = rapport_db::messaging::held_roles_of(conn, ws, &ids).await?;
    let mine = roles
        .remove(&me)
        .ok_or_else(|| ApiError::Forbidden("you are no longer a member here".into()))?;
    Ok((mine, roles))
}

/// `rows` as their member sees them: the others in each, what is unread
/// and the newest message's first line.
pub(crate) async fn conversation_views(
    conn: &mut Conn,
    ws: Uuid,
    me: Uuid,
    rows: &[InboxRow],
) -> Result<HashMap<Uuid, ConversationView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.conversation_id).collect();
    let people = rapport_db::messaging::participants(conn, ws, me, &ids).await?;
    let unread = rapport_db::messaging::unread_in(conn, ws, me, &ids).await?;
    let newest = rapport_db::messaging::newest_bodies(conn, ws, &ids).await?;
    let mut by: HashMap<Uuid, Vec<ParticipantView>> = HashMap::new();
    for p in people {
        by.entry(p.conversation_id)
            .or_default()
            .push(ParticipantView {
                user_id: p.user_id,
                name: p.name,
                last_read_at: p.last_read_at,
            });
    }
    Ok(rows
        .iter()
        .map(|r| {
            let id = r.conversation_id;
            let view = ConversationView {
                id,
                kind: r.kind,
                subject: r.subject.clone(),
                participants: by.remove(&id).unwrap_or_default(),
                can_reply: r.can_reply,
                unread: unread.get(&id).copied().unwrap_or(0),
                last_message_at: r.last_message_at,
                preview: newest.get(&id).map(|b| preview(&markdown::to_text(b))),
                created_at: r.created_at,
            };
            (id, view)
        })
        .collect())
}

/// Conversation `id` as `me` sees it; 404 when they are not in it.
pub(crate) async fn conversation_view(
    conn: &mut Conn,
    ws: Uuid,
    me: Uuid,
    id: Uuid,
) -> Result<ConversationView, ApiError> {
    use crate::record::Found;
    let row = rapport_db::messaging::find(conn, ws, me, id)
        .await?
        .found()?;
    let mut views = conversation_views(conn, ws, me, std::slice::from_ref(&row)).await?;
    views.remove(&id).ok_or(ApiError::NotFound)
}

/// Messages as `me` sees them, with their read counts.
pub(crate) async fn message_views(
    conn: &mut Conn,
    ws: Uuid,
    me: Uuid,
    rows: Vec<MessageRow>,
) -> Result<Vec<MessageView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let receipts = rapport_db::messaging::receipts(conn, ws, me, &ids).await?;
    let mut files: HashMap<Uuid, Vec<AttachmentView>> = HashMap::new();
    for a in rapport_db::messaging::attachments_of(conn, ws, &ids).await? {
        if let Some(m) = a.message_id {
            files.entry(m).or_default().push(attachments::view(a));
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let attached = files.remove(&m.id).unwrap_or_default();
            let (recipients, read, unread) = receipts.get(&m.id).copied().unwrap_or((0, 0, false));
            // A broadcast's audience is its sender's to count, not its readers'.
            let counted = m.kind != MessageKind::Broadcast || m.author_id == Some(me);
            let r = if counted {
                (recipients, read, unread)
            } else {
                (0, 0, unread)
            };
            view(m, r, attached)
        })
        .collect())
}

/// A message, with (recipients, read, unread by the caller) and its files.
pub(crate) fn view(
    m: MessageRow,
    (recipients, read, unread_by_me): (i64, i64, bool),
    attachments: Vec<AttachmentView>,
) -> MessageView {
    MessageView {
        id: m.id,
        conversation_id: m.conversation_id,
        kind: m.kind,
        author_id: m.author_id,
        author_name: m.author_name,
        body_html: m.body.as_deref().map(markdown::to_html),
        body: m.body,
        link_type: m.link_type,
        link_id: m.link_id,
        recipients,
        read,
        read_by_me: !unread_by_me,
        created_at: m.created_at,
        edited_at: m.edited_at,
        deleted_at: m.deleted_at,
        version: m.version,
        attachments,
    }
}

impl crate::record::Audited for MessageRow {
    const KIND: &'static str = "message";
    /// Not used: a message is never announced through `ctx.created` or
    /// `ctx.changed`, which tell a permission's holders; [`announce`]
    /// tells the conversation's members alone.
    const HEARD_BY: Permission = Permission::AuditRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    /// What was said stays between its members: the trail keeps that a
    /// message was written, changed or deleted, never its text.
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "conversation_id": self.conversation_id,
            "kind": self.kind,
            "author_id": self.author_id,
            "edited_at": self.edited_at,
            "deleted_at": self.deleted_at,
        })
    }
}

/// Records a change of a message in the audit trail, and tells each of
/// `users` (its conversation's members) alone.
pub(crate) async fn announce(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    verb: &str,
    before: Option<&MessageRow>,
    after: &MessageRow,
    users: &[Uuid],
) -> Result<(), ApiError> {
    use crate::record::Audited;
    let action = format!("message.{verb}");
    let changes = crate::record::diff(
        &before.map_or(serde_json::json!({}), |b| b.audited()),
        &after.audited(),
    );
    ctx.record(
        conn,
        Change {
            workspace_id: ws,
            action: &action,
            record_type: MessageRow::KIND,
            record_id: Some(after.record_id()),
            changes,
            data: None,
            permission: Permission::AuditRead,
            subject_user_id: None,
        },
    )
    .await?;
    tell(
        conn,
        ctx,
        ws,
        &action,
        serde_json::json!({
            "id": after.id,
            "conversation_id": after.conversation_id,
            "author_id": after.author_id,
            "kind": after.kind,
        }),
        users,
    )
    .await
}

/// One event for each of `users`, heard by them alone.
pub(crate) async fn tell(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    kind: &str,
    data: serde_json::Value,
    users: &[Uuid],
) -> Result<(), ApiError> {
    debug_assert!(rapport_domain::api::KINDS.contains(&kind), "{kind}");
    rapport_db::events::emit_to(
        conn,
        NewEvent {
            workspace_id: ws,
            kind,
            actor_kind: ctx.actor_kind,
            actor_id: ctx.actor_id,
            data,
            permission: rapport_db::events::SUBJECT_ONLY,
            subject_user_id: None,
        },
        users,
    )
    .await?;
    Ok(())
}

/// A message about to be written.
pub struct Outgoing<'a> {
    pub conversation_id: Uuid,
    pub kind: MessageKind,
    /// Its author; `None` for a notification.
    pub author: Option<Uuid>,
    pub body: String,
    /// What a notification is about.
    pub link: Option<(&'a str, Uuid)>,
}

/// Writes a message, audits it and tells its conversation's members.
/// Answers the message and its recipients.
pub async fn post(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    m: Outgoing<'_>,
) -> Result<(MessageRow, Vec<Uuid>), ApiError> {
    let new = NewMessage {
        workspace_id: ws,
        id: Uuid::now_v7(),
        conversation_id: m.conversation_id,
        kind: m.kind.as_str().into(),
        author_id: m.author,
        body: Some(m.body),
        link_type: m.link.map(|(t, _)| t.to_string()),
        link_id: m.link.map(|(_, id)| id),
    };
    let (row, recipients) = rapport_db::messaging::post(conn, &new).await?;
    let mut heard = recipients.clone();
    heard.extend(m.author);
    announce(conn, ctx, ws, "created", None, &row, &heard).await?;
    Ok((row, recipients))
}

/// `text` with Markdown's marks escaped, to be quoted in a message as
/// written (a session's title that looks like a link stays text).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Puts a notification in the inbox of each of `users` (members of
/// `ws`), about `link` when given: what later modules call to tell a
/// member of a change that concerns them, in the change's transaction.
/// Nothing is written when the workspace has messaging switched off, and
/// only members of the workspace are told.
pub async fn notify(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    users: &[Uuid],
    body: &str,
    link: Option<(&str, Uuid)>,
) -> Result<(), ApiError> {
    let on = rapport_db::workspaces::find(conn, ws)
        .await?
        .is_some_and(|w| w.has_module(rapport_domain::Module::Messaging));
    if !on || users.is_empty() {
        return Ok(());
    }
    let members = rapport_db::messaging::roles_of(conn, ws, users).await?;
    let mut told: Vec<Uuid> = users
        .iter()
        .copied()
        .filter(|u| members.contains_key(u))
        .collect();
    told.sort();
    told.dedup();
    for user in &told {
        let id = rapport_db::messaging::notifications_of(conn, ws, *user).await?;
        let m = Outgoing {
            conversation_id: id,
            kind: MessageKind::Notification,
            author: None,
            body: body.to_string(),
            link,
        };
        post(conn, ctx, ws, m).await?;
    }
    Ok(())
}

/// The messages a person wrote, through the member linked to them. Their
/// export says when and where each was written, not what it said: what
/// passes between members stays theirs, and those who export (admins, API
/// keys) do not read it; the person reads their own in the app. On
/// erasure their text goes and they are no longer signed, as if deleted.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "messaging",
        tables: &["messages", "message_attachments"],
        export: |conn, s| {
            Box::pin(async move {
                let Some(user) = s.person.user_id else {
                    return Ok(serde_json::Value::Null);
                };
                let written = rapport_db::messaging::written_by(conn, s.workspace_id, user).await?;
                Ok(written
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "id": m.id,
                            "conversation_id": m.conversation_id,
                            "characters": m.body.as_deref().map(|b| b.chars().count()),
                            "created_at": m.created_at,
                            "edited_at": m.edited_at,
                            "deleted_at": m.deleted_at,
                        })
                    })
                    .collect())
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let Some(user) = s.person.user_id else {
                    return Ok(0);
                };
                // Their messages' files go with their text (a trigger),
                // and so do the uploads they never sent.
                let erased =
                    rapport_db::messaging::erase_written_by(conn, s.workspace_id, user).await?;
                let unsent =
                    rapport_db::messaging::erase_unsent_by(conn, s.workspace_id, user).await?;
                Ok((erased.len() + unsent) as u64)
            })
        },
    });
}
