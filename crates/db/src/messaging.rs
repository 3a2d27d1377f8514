//! Conversations, their members, messages and one delivery per recipient.
//! A member sees a conversation only through their own participant row:
//! every read here starts from it.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{
    conversation_participants as cp, conversations, group_members, memberships,
    message_attachments, message_deliveries, messages, people, removed_files, users,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::messaging::{Audience, ConversationKind, MessageKind};
use rapport_domain::Role;
use std::collections::HashMap;
use uuid::Uuid;

/// A conversation as one of its members sees it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = cp)]
pub struct InboxRow {
    pub conversation_id: Uuid,
    #[diesel(select_expression = conversations::kind)]
    #[diesel(select_expression_type = conversations::kind)]
    #[diesel(deserialize_as = crate::closed::ConversationKindText)]
    pub kind: ConversationKind,
    #[diesel(select_expression = conversations::subject)]
    #[diesel(select_expression_type = conversations::subject)]
    pub subject: Option<String>,
    #[diesel(select_expression = conversations::created_at)]
    #[diesel(select_expression_type = conversations::created_at)]
    pub created_at: DateTime<Utc>,
    pub can_reply: bool,
    pub last_message_at: DateTime<Utc>,
    pub last_read_at: Option<DateTime<Utc>>,
}

/// How an inbox sorts: by its newest message, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationSort {
    LastMessageAt,
}

impl Sorts for ConversationSort {
    const LIST: &'static str = "conversations";
    const FIELDS: &'static [(&'static str, Self)] = &[("last_message_at", Self::LastMessageAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::LastMessageAt,
        dir: Dir::Desc,
    };
    type Row = InboxRow;
    fn key(self, r: &InboxRow) -> Key {
        match self {
            Self::LastMessageAt => Key::of(r.last_message_at, r.conversation_id),
        }
    }
}

type Inbox = diesel::dsl::InnerJoinOn<
    cp::table,
    conversations::table,
    diesel::dsl::And<
        diesel::dsl::Eq<conversations::workspace_id, cp::workspace_id>,
        diesel::dsl::Eq<conversations::id, cp::conversation_id>,
    >,
>;

fn inbox() -> Inbox {
    cp::table.inner_join(
        conversations::table.on(conversations::workspace_id
            .eq(cp::workspace_id)
            .and(conversations::id.eq(cp::conversation_id))),
    )
}

/// What an inbox is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub kind: Option<ConversationKind>,
    /// Only conversations with something unread.
    pub unread: bool,
}

/// A page of `user`'s conversations.
pub async fn list(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    f: &InboxFilter,
    page: &PageRequest<ConversationSort>,
) -> ListResult<Vec<InboxRow>> {
    let mut q = inbox()
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::user_id.eq(user))
        .select(InboxRow::as_select())
        .into_boxed();
    if let Some(k) = f.kind {
        q = q.filter(conversations::kind.eq(k.as_str()));
    }
    if f.unread {
        let unread = message_deliveries::table
            .filter(message_deliveries::workspace_id.eq(ws))
            .filter(message_deliveries::user_id.eq(user))
            .filter(message_deliveries::read_at.is_null())
            .select(message_deliveries::conversation_id);
        q = q.filter(cp::conversation_id.eq_any(unread));
    }
    let q = match page.sort.field {
        ConversationSort::LastMessageAt => {
            page.seek(q, cp::last_message_at, cp::conversation_id)?
        }
    };
    Ok(q.load(conn).await?)
}

/// Conversation `id` as `user` sees it; `None` when they are not in it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
) -> QueryResult<Option<InboxRow>> {
    inbox()
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::user_id.eq(user))
        .filter(cp::conversation_id.eq(id))
        .select(InboxRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A member of a conversation, by name.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = cp)]
pub struct ParticipantRow {
    pub conversation_id: Uuid,
    pub user_id: Uuid,
    #[diesel(select_expression = users::name)]
    #[diesel(select_expression_type = users::name)]
    pub name: String,
    pub can_reply: bool,
    pub last_read_at: Option<DateTime<Utc>>,
}

/// The members of conversations `ids` that `me` sees, by name: all of
/// them, except in a broadcast, whose audience sees its sender and
/// themself only.
pub async fn participants(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    me: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<ParticipantRow>> {
    cp::table
        .inner_join(users::table.on(users::id.eq(cp::user_id)))
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::conversation_id.eq_any(ids))
        .filter(cp::can_reply.or(cp::user_id.eq(me)))
        .order((cp::conversation_id, users::name, cp::user_id))
        .select(ParticipantRow::as_select())
        .load(conn)
        .await
}

/// `user`'s unread messages in each of conversations `ids`.
pub async fn unread_in(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = message_deliveries::table
        .filter(message_deliveries::workspace_id.eq(ws))
        .filter(message_deliveries::user_id.eq(user))
        .filter(message_deliveries::conversation_id.eq_any(ids))
        .filter(message_deliveries::read_at.is_null())
        .group_by(message_deliveries::conversation_id)
        .select((
            message_deliveries::conversation_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

#[derive(QueryableByName)]
struct PreviewRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    body: String,
}

/// The newest message still there of each of conversations `ids`.
pub async fn newest_bodies(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, String>> {
    let rows: Vec<PreviewRow> = crate::sql_query(
        "SELECT c.id, m.body
         FROM unnest($2::uuid[]) AS c(id)
         CROSS JOIN LATERAL (
             SELECT body FROM messages
             WHERE workspace_id = $1 AND conversation_id = c.id AND body IS NOT NULL
             ORDER BY id DESC LIMIT 1) m",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.body)).collect())
}

/// A new conversation.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = conversations)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewConversation {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub subject: Option<String>,
    pub pair: Option<Vec<Uuid>>,
    pub owner_id: Option<Uuid>,
    pub audience: Option<serde_json::Value>,
    pub created_by: Option<Uuid>,
}

impl NewConversation {
    pub fn new(ws: Uuid, kind: ConversationKind, created_by: Option<Uuid>) -> Self {
        NewConversation {
            workspace_id: ws,
            id: Uuid::now_v7(),
            kind: kind.as_str().into(),
            subject: None,
            pair: None,
            owner_id: None,
            audience: None,
            created_by,
        }
    }
}

/// The two members of a direct conversation, in the order the table keeps them.
pub fn pair(a: Uuid, b: Uuid) -> Vec<Uuid> {
    if a < b {
        vec![a, b]
    } else {
        vec![b, a]
    }
}

/// The direct conversation of `a` and `b`, made when there is none yet:
/// two members who write to each other at once find the same one. The
/// second value says whether it was made now.
pub async fn direct(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    a: Uuid,
    b: Uuid,
) -> QueryResult<(Uuid, bool)> {
    let id = Uuid::now_v7();
    // The partial unique index names the conflict: written out, so that
    // PostgreSQL can match its predicate.
    let made = crate::sql_query(
        "INSERT INTO conversations (workspace_id, id, kind, pair, created_by)
         VALUES ($1, $2, 'direct', $3, $4)
         ON CONFLICT (workspace_id, pair) WHERE kind = 'direct' DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Array<diesel::sql_types::Uuid>, _>(pair(a, b))
    .bind::<diesel::sql_types::Uuid, _>(a)
    .execute(conn)
    .await?;
    if made == 1 {
        add_participants(conn, ws, id, &[(a, true), (b, true)]).await?;
        return Ok((id, true));
    }
    let id = conversations::table
        .filter(conversations::workspace_id.eq(ws))
        .filter(conversations::kind.eq("direct"))
        .filter(conversations::pair.eq(pair(a, b)))
        .select(conversations::id)
        .first(conn)
        .await?;
    // One of them may have left the workspace and come back: their place
    // in the conversation went with their membership.
    add_participants(conn, ws, id, &[(a, true), (b, true)]).await?;
    Ok((id, false))
}

/// `user`'s notifications, made when they have none yet.
pub async fn notifications_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    let made = crate::sql_query(
        "INSERT INTO conversations (workspace_id, id, kind, owner_id)
         VALUES ($1, $2, 'notifications', $3)
         ON CONFLICT (workspace_id, owner_id) WHERE kind = 'notifications' DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(user)
    .execute(conn)
    .await?;
    if made == 1 {
        add_participants(conn, ws, id, &[(user, false)]).await?;
        return Ok(id);
    }
    conversations::table
        .filter(conversations::workspace_id.eq(ws))
        .filter(conversations::kind.eq("notifications"))
        .filter(conversations::owner_id.eq(user))
        .select(conversations::id)
        .first(conn)
        .await
}

/// Writes a new conversation with its members (each with whether they may
/// write in it).
pub async fn open(
    conn: &mut AsyncPgConnection,
    c: &NewConversation,
    members: &[(Uuid, bool)],
) -> QueryResult<()> {
    diesel::insert_into(conversations::table)
        .values(c)
        .execute(conn)
        .await?;
    add_participants(conn, c.workspace_id, c.id, members).await
}

/// Puts `users` (each with whether they may write) in conversation `id`.
pub async fn add_participants(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    users: &[(Uuid, bool)],
) -> QueryResult<()> {
    let now = Utc::now();
    let rows: Vec<_> = users
        .iter()
        .map(|(u, reply)| {
            (
                cp::workspace_id.eq(ws),
                cp::conversation_id.eq(id),
                cp::user_id.eq(*u),
                cp::can_reply.eq(*reply),
                cp::last_message_at.eq(now),
            )
        })
        .collect();
    for chunk in rows.chunks(5000) {
        diesel::insert_into(cp::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A message with its author's name.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub conversation_id: Uuid,
    #[diesel(deserialize_as = crate::closed::MessageKindText)]
    pub kind: MessageKind,
    pub author_id: Option<Uuid>,
    #[diesel(select_expression = users::name.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<users::name>)]
    pub author_name: Option<String>,
    pub body: Option<String>,
    pub link_type: Option<String>,
    pub link_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// How a conversation's messages sort: by time, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSort {
    CreatedAt,
}

impl Sorts for MessageSort {
    const LIST: &'static str = "messages";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = MessageRow;
    fn key(self, m: &MessageRow) -> Key {
        match self {
            // Ids are time-ordered (UUIDv7): the id is the time and its tie-breaker.
            Self::CreatedAt => Key::unique(m.id),
        }
    }
}

type WithAuthor = diesel::dsl::LeftJoinOn<
    messages::table,
    users::table,
    diesel::dsl::Eq<diesel::dsl::Nullable<users::id>, messages::author_id>,
>;

fn with_author() -> WithAuthor {
    messages::table.left_join(users::table.on(users::id.nullable().eq(messages::author_id)))
}

/// A page of the messages of conversation `id`, or of every conversation
/// `user` is in.
pub async fn messages(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Option<Uuid>,
    page: &PageRequest<MessageSort>,
) -> ListResult<Vec<MessageRow>> {
    let mut q = with_author()
        .filter(messages::workspace_id.eq(ws))
        .select(MessageRow::as_select())
        .into_boxed();
    // Only the conversations `user` is in, whichever is asked for.
    q = q.filter(
        messages::conversation_id.eq_any(
            cp::table
                .filter(cp::workspace_id.eq(ws))
                .filter(cp::user_id.eq(user))
                .select(cp::conversation_id),
        ),
    );
    if let Some(id) = id {
        q = q.filter(messages::conversation_id.eq(id));
    }
    let q = match page.sort.field {
        MessageSort::CreatedAt => page.seek_unique(q, messages::id)?,
    };
    Ok(q.load(conn).await?)
}

/// Message `id` of workspace `ws`, when `user` is in its conversation.
pub async fn message(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
) -> QueryResult<Option<MessageRow>> {
    let mine = cp::table
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::user_id.eq(user))
        .select(cp::conversation_id);
    with_author()
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::id.eq(id))
        .filter(messages::conversation_id.eq_any(mine))
        .select(MessageRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Message `id`, locked until the transaction ends, when `user` is in its
/// conversation.
pub async fn lock_message(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
) -> QueryResult<Option<MessageRow>> {
    // Only a member of its conversation takes the lock.
    if message(conn, ws, user, id).await?.is_none() {
        return Ok(None);
    }
    let locked: Option<Uuid> = messages::table
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::id.eq(id))
        .select(messages::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(id) => message(conn, ws, user, id).await,
        None => Ok(None),
    }
}

/// A new message.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = messages)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewMessage {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub kind: String,
    pub author_id: Option<Uuid>,
    pub body: Option<String>,
    pub link_type: Option<String>,
    pub link_id: Option<Uuid>,
}

/// Writes a message and delivers it to every member of its conversation
/// but its author, whose own copy counts as read. Answers the message and
/// the recipients.
pub async fn post(
    conn: &mut AsyncPgConnection,
    m: &NewMessage,
) -> QueryResult<(MessageRow, Vec<Uuid>)> {
    diesel::insert_into(messages::table)
        .values(m)
        .execute(conn)
        .await?;
    let recipients: Vec<Uuid> = crate::sql_query(
        "INSERT INTO message_deliveries (workspace_id, user_id, conversation_id, message_id)
         SELECT workspace_id, user_id, conversation_id, $3 FROM conversation_participants
         WHERE workspace_id = $1 AND conversation_id = $2 AND user_id IS DISTINCT FROM $4
         RETURNING user_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(m.workspace_id)
    .bind::<diesel::sql_types::Uuid, _>(m.conversation_id)
    .bind::<diesel::sql_types::Uuid, _>(m.id)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(m.author_id)
    .load::<Recipient>(conn)
    .await?
    .into_iter()
    .map(|r| r.user_id)
    .collect();
    let now = Utc::now();
    // The author's deliveries before the participants' rows: the order
    // `mark_read` takes them in, so that the two never deadlock.
    if let Some(author) = m.author_id {
        // Answering reads what came before.
        diesel::update(message_deliveries::table)
            .filter(message_deliveries::workspace_id.eq(m.workspace_id))
            .filter(message_deliveries::user_id.eq(author))
            .filter(message_deliveries::conversation_id.eq(m.conversation_id))
            .filter(message_deliveries::read_at.is_null())
            .set(message_deliveries::read_at.eq(now))
            .execute(conn)
            .await?;
    }
    diesel::update(conversations::table)
        .filter(conversations::workspace_id.eq(m.workspace_id))
        .filter(conversations::id.eq(m.conversation_id))
        .set(conversations::last_message_at.eq(now))
        .execute(conn)
        .await?;
    diesel::update(cp::table)
        .filter(cp::workspace_id.eq(m.workspace_id))
        .filter(cp::conversation_id.eq(m.conversation_id))
        .set(cp::last_message_at.eq(now))
        .execute(conn)
        .await?;
    if let Some(author) = m.author_id {
        diesel::update(cp::table)
            .filter(cp::workspace_id.eq(m.workspace_id))
            .filter(cp::conversation_id.eq(m.conversation_id))
            .filter(cp::user_id.eq(author))
            .set(cp::last_read_at.eq(now))
            .execute(conn)
            .await?;
    }
    let row = with_author()
        .filter(messages::workspace_id.eq(m.workspace_id))
        .filter(messages::id.eq(m.id))
        .select(MessageRow::as_select())
        .first(conn)
        .await?;
    Ok((row, recipients))
}

#[derive(QueryableByName)]
struct Recipient {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user_id: Uuid,
}

/// Rewrites message `id` at `version`, or deletes its text (`body` empty);
/// `None` when the version moved on.
pub async fn rewrite(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    body: Option<&str>,
) -> QueryResult<bool> {
    let now = Utc::now();
    let q = diesel::update(messages::table)
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::id.eq(id))
        .filter(messages::version.eq(version))
        .filter(messages::deleted_at.is_null());
    let n = match body {
        Some(b) => {
            q.set((
                messages::body.eq(b),
                messages::edited_at.eq(now),
                messages::version.eq(messages::version + 1),
            ))
            .execute(conn)
            .await?
        }
        None => {
            q.set((
                messages::body.eq(None::<String>),
                messages::deleted_at.eq(now),
                messages::version.eq(messages::version + 1),
            ))
            .execute(conn)
            .await?
        }
    };
    Ok(n == 1)
}

/// Who else is in conversation `id` besides `user`; with `writers_only`,
/// those who may write in it (a broadcast's sender, not its audience).
pub async fn others(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    user: Uuid,
    writers_only: bool,
) -> QueryResult<Vec<Uuid>> {
    let mut q = cp::table
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::conversation_id.eq(id))
        .filter(cp::user_id.ne(user))
        .select(cp::user_id)
        .into_boxed();
    if writers_only {
        q = q.filter(cp::can_reply);
    }
    q.load(conn).await
}

#[derive(QueryableByName)]
struct ReceiptRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    message_id: Uuid,
    #[diesel(sql_type = BigInt)]
    recipients: i64,
    #[diesel(sql_type = BigInt)]
    read: i64,
    #[diesel(sql_type = Bool)]
    unread_by_me: bool,
}

/// Of each of messages `ids`: how many it went to, how many read it, and
/// whether `user` has yet to.
pub async fn receipts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, (i64, i64, bool)>> {
    let rows: Vec<ReceiptRow> = crate::sql_query(
        "SELECT message_id, count(*) AS recipients, count(read_at) AS read,
                coalesce(bool_or(user_id = $3 AND read_at IS NULL), false) AS unread_by_me
         FROM message_deliveries
         WHERE workspace_id = $1 AND message_id = ANY($2)
         GROUP BY message_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<diesel::sql_types::Uuid, _>(user)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.message_id, (r.recipients, r.read, r.unread_by_me)))
        .collect())
}

/// Marks `user`'s messages of conversation `id` read, up to message
/// `up_to` (all when `None`). Answers how many it marked.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
    up_to: Option<Uuid>,
) -> QueryResult<usize> {
    let now = Utc::now();
    let n = diesel::update(message_deliveries::table)
        .filter(message_deliveries::workspace_id.eq(ws))
        .filter(message_deliveries::user_id.eq(user))
        .filter(message_deliveries::conversation_id.eq(id))
        .filter(message_deliveries::read_at.is_null())
        .filter(message_deliveries::message_id.le(up_to.unwrap_or(Uuid::max())))
        .set(message_deliveries::read_at.eq(now))
        .execute(conn)
        .await?;
    diesel::update(cp::table)
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::conversation_id.eq(id))
        .filter(cp::user_id.eq(user))
        .set(cp::last_read_at.eq(now))
        .execute(conn)
        .await?;
    Ok(n)
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    messages: i64,
    #[diesel(sql_type = BigInt)]
    conversations: i64,
}

/// `user`'s unread messages, and the conversations they are in.
pub async fn unread(conn: &mut AsyncPgConnection, ws: Uuid, user: Uuid) -> QueryResult<(i64, i64)> {
    let c: Counts = crate::sql_query(
        "SELECT count(*) AS messages, count(DISTINCT conversation_id) AS conversations
         FROM message_deliveries
         WHERE workspace_id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(user)
    .get_result(conn)
    .await?;
    Ok((c.messages, c.conversations))
}

/// A member someone may write to.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
}

/// The members of `ws` other than `user` whose role is one of `roles`, by name.
pub async fn contacts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    roles: &[Role],
) -> QueryResult<Vec<Contact>> {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let rows: Vec<(Uuid, String, crate::closed::RoleText)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::user_id.ne(user))
        .filter(memberships::role.eq_any(roles))
        .order((users::name, users::id))
        .select((users::id, users::name, memberships::role))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, role)| Contact {
            user_id,
            name,
            role: role.0,
        })
        .collect())
}

/// Of `ids`, the members of `ws` and their roles, as they stand.
pub async fn roles_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Role>> {
    let rows: Vec<(Uuid, crate::closed::RoleText)> = memberships::table
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::user_id.eq_any(ids))
        .select((memberships::user_id, memberships::role))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(u, r)| (u, r.0)).collect())
}

/// `roles_of`, held until the transaction ends (`FOR SHARE`): a role
/// changed meanwhile waits, so what is decided on these roles stands when
/// it commits. Taken before the transaction writes anything that a
/// membership's change would wait for, in one order (by id), so that two
/// lockers never wait on each other.
pub async fn held_roles_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Role>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let rows: Vec<(Uuid, crate::closed::RoleText)> = memberships::table
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::user_id.eq_any(&ids))
        .order(memberships::user_id)
        .select((memberships::user_id, memberships::role))
        .for_share()
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(u, r)| (u, r.0)).collect())
}

/// The members an audience names, `author` aside: everyone, a role, or the
/// members linked to the people in a group today.
pub async fn audience(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    author: Uuid,
    a: &Audience,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<Uuid>> {
    let members = memberships::table
        .filter(memberships::workspace_id.eq(ws))
        .filter(memberships::user_id.ne(author))
        .select(memberships::user_id)
        .order(memberships::user_id)
        .into_boxed();
    match a {
        Audience::Everyone => members.load(conn).await,
        Audience::Role { role } => {
            members
                .filter(memberships::role.eq(role.as_str()))
                .load(conn)
                .await
        }
        Audience::Group { group_id } => {
            let in_group = group_members::table
                .filter(group_members::workspace_id.eq(ws))
                .filter(group_members::group_id.eq(*group_id))
                .filter(group_members::joined_on.le(today))
                .filter(
                    group_members::left_on
                        .is_null()
                        .or(group_members::left_on.gt(today)),
                )
                .select(group_members::person_id);
            let linked = people::table
                .filter(people::workspace_id.eq(ws))
                .filter(people::id.eq_any(in_group))
                .filter(people::deleted_at.is_null())
                .select(people::user_id.assume_not_null())
                .filter(people::user_id.is_not_null());
            members
                .filter(memberships::user_id.eq_any(linked))
                .load(conn)
                .await
        }
    }
}

/// Every message `user` wrote in `ws`, oldest first (for their personal data).
pub async fn written_by(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
) -> QueryResult<Vec<MessageRow>> {
    with_author()
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::author_id.eq(user))
        .order(messages::id)
        .select(MessageRow::as_select())
        .load(conn)
        .await
}

/// Erases the text of every message `user` wrote in `ws`; answers their ids.
pub async fn erase_written_by(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
) -> QueryResult<Vec<Uuid>> {
    diesel::update(messages::table)
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::author_id.eq(user))
        .set((
            messages::body.eq(None::<String>),
            messages::deleted_at.eq(
                diesel::dsl::sql::<Nullable<diesel::sql_types::Timestamptz>>(
                    "coalesce(deleted_at, now())",
                ),
            ),
            messages::author_id.eq(None::<Uuid>),
            messages::version.eq(messages::version + 1),
        ))
        .returning(messages::id)
        .get_results(conn)
        .await
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    workspace_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user_id: Uuid,
}

/// Members with messages unread and not yet mailed, written at or before
/// `before`: (workspace, user), at most `limit`.
pub async fn digest_due(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    let rows: Vec<Due> = crate::sql_query(
        "SELECT DISTINCT d.workspace_id, d.user_id
         FROM message_deliveries d
         JOIN messages m ON m.workspace_id = d.workspace_id AND m.id = d.message_id
         JOIN workspaces w ON w.id = d.workspace_id AND 'messaging' = ANY (w.modules)
         WHERE d.read_at IS NULL AND d.mailed_at IS NULL AND m.created_at <= $1
         ORDER BY 1, 2
         LIMIT $2",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.workspace_id, r.user_id))
        .collect())
}

/// A message in a digest.
#[derive(Debug, Clone, QueryableByName)]
pub struct DigestLine {
    #[diesel(sql_type = Nullable<Text>)]
    pub author: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub subject: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub body: Option<String>,
}

/// Takes `user`'s unread messages of `ws` not yet mailed and written at or
/// before `before`, marking them mailed (each is taken once, however many
/// runs look at once); answers them oldest first.
pub async fn claim_digest(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    before: DateTime<Utc>,
) -> QueryResult<Vec<DigestLine>> {
    crate::sql_query(
        "WITH claimed AS (
             UPDATE message_deliveries d SET mailed_at = now()
             FROM messages m
             WHERE d.workspace_id = $1 AND d.user_id = $2
               AND d.read_at IS NULL AND d.mailed_at IS NULL
               AND m.workspace_id = d.workspace_id AND m.id = d.message_id
               AND m.created_at <= $3
             RETURNING d.message_id)
         SELECT u.name AS author, c.subject, m.body
         FROM claimed
         JOIN messages m ON m.workspace_id = $1 AND m.id = claimed.message_id
         JOIN conversations c ON c.workspace_id = $1 AND c.id = m.conversation_id
         LEFT JOIN users u ON u.id = m.author_id
         ORDER BY m.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(user)
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .load(conn)
    .await
}

/// A file sent with a message, or uploaded to be sent.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = message_attachments)]
#[diesel(treat_none_as_default_value = false)]
pub struct AttachmentRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub message_id: Option<Uuid>,
    pub uploaded_by: Option<Uuid>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// Keeps an upload, not yet sent.
pub async fn add_attachment(conn: &mut AsyncPgConnection, a: &AttachmentRow) -> QueryResult<()> {
    diesel::insert_into(message_attachments::table)
        .values(a)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Attachment `id` as `user` may have it: their own upload not yet sent,
/// or one sent in a conversation they are in.
pub async fn attachment(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
) -> QueryResult<Option<AttachmentRow>> {
    let mine = cp::table
        .filter(cp::workspace_id.eq(ws))
        .filter(cp::user_id.eq(user))
        .select(cp::conversation_id);
    let seen = messages::table
        .filter(messages::workspace_id.eq(ws))
        .filter(messages::conversation_id.eq_any(mine))
        .select(messages::id.nullable());
    message_attachments::table
        .filter(message_attachments::workspace_id.eq(ws))
        .filter(message_attachments::id.eq(id))
        .filter(
            message_attachments::message_id
                .is_null()
                .and(message_attachments::uploaded_by.eq(user))
                .or(message_attachments::message_id.eq_any(seen)),
        )
        .select(AttachmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Sends `ids` (uploads of `user` not yet sent) with `message`; answers
/// how many were taken. An upload goes with one message only: of two
/// messages naming it at once, the second takes nothing.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    message: Uuid,
    ids: &[Uuid],
) -> QueryResult<usize> {
    diesel::update(message_attachments::table)
        .filter(message_attachments::workspace_id.eq(ws))
        .filter(message_attachments::id.eq_any(ids))
        .filter(message_attachments::message_id.is_null())
        .filter(message_attachments::uploaded_by.eq(user))
        .set(message_attachments::message_id.eq(message))
        .execute(conn)
        .await
}

/// The files of `messages`, each message's in the order they were uploaded.
pub async fn attachments_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    messages: &[Uuid],
) -> QueryResult<Vec<AttachmentRow>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    message_attachments::table
        .filter(message_attachments::workspace_id.eq(ws))
        .filter(message_attachments::message_id.eq_any(messages))
        .order((message_attachments::message_id, message_attachments::id))
        .select(AttachmentRow::as_select())
        .load(conn)
        .await
}

/// Removes `user`'s upload `id` not yet sent; false when there is none.
pub async fn discard_attachment(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    id: Uuid,
) -> QueryResult<bool> {
    diesel::delete(message_attachments::table)
        .filter(message_attachments::workspace_id.eq(ws))
        .filter(message_attachments::id.eq(id))
        .filter(message_attachments::message_id.is_null())
        .filter(message_attachments::uploaded_by.eq(user))
        .execute(conn)
        .await
        .map(|n| n > 0)
}

/// Drops uploads never sent, made before `before`, at most `limit`;
/// answers how many.
pub async fn drop_unsent(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    crate::sql_query(
        "DELETE FROM message_attachments WHERE (workspace_id, id) IN (
             SELECT workspace_id, id FROM message_attachments
             WHERE message_id IS NULL AND created_at < $1
             ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .execute(conn)
    .await
}

/// Erases the uploads `user` never sent in `ws` (their sent files go with
/// their messages' text).
pub async fn erase_unsent_by(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
) -> QueryResult<usize> {
    diesel::delete(message_attachments::table)
        .filter(message_attachments::workspace_id.eq(ws))
        .filter(message_attachments::uploaded_by.eq(user))
        .filter(message_attachments::message_id.is_null())
        .execute(conn)
        .await
}

/// Files whose rows are gone, for the file store to remove: (workspace,
/// id), at most `limit`, oldest first.
pub async fn removed_files(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    removed_files::table
        .order(removed_files::removed_at)
        .select((removed_files::workspace_id, removed_files::id))
        .limit(limit)
        .load(conn)
        .await
}

/// Forgets files the store has removed.
pub async fn forget_removed(
    conn: &mut AsyncPgConnection,
    files: &[(Uuid, Uuid)],
) -> QueryResult<usize> {
    let mut n = 0;
    for (ws, id) in files {
        n += diesel::delete(removed_files::table)
            .filter(removed_files::workspace_id.eq(ws))
            .filter(removed_files::id.eq(id))
            .execute(conn)
            .await?;
    }
    Ok(n)
}

/// Puts files the store could not remove at the back of the list.
pub async fn retry_removed_later(
    conn: &mut AsyncPgConnection,
    files: &[(Uuid, Uuid)],
) -> QueryResult<()> {
    for (ws, id) in files {
        diesel::update(removed_files::table)
            .filter(removed_files::workspace_id.eq(ws))
            .filter(removed_files::id.eq(id))
            .set(removed_files::removed_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
    }
    Ok(())
}
