use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::mail_messages;
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::MailView;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_messages)]
pub struct MailMessage {
    pub id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// An iCalendar object sent with it (an invitation, an update or a
    /// cancellation).
    pub calendar: Option<String>,
    /// A file sent with it (a receipt): its name and its bytes.
    pub attachment_name: Option<String>,
    pub attachment: Option<Vec<u8>>,
}

impl MailMessage {
    pub fn view(&self) -> MailView {
        MailView {
            id: self.id,
            to: self.to_address.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            created_at: self.created_at,
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    workspace_id: Option<Uuid>,
    to: &str,
    subject: &str,
    body: &str,
    calendar: Option<&str>,
) -> QueryResult<MailMessage> {
    diesel::insert_into(mail_messages::table)
        .values((
            mail_messages::id.eq(Uuid::now_v7()),
            mail_messages::workspace_id.eq(workspace_id),
            mail_messages::to_address.eq(to),
            mail_messages::subject.eq(subject),
            mail_messages::body.eq(body),
            mail_messages::calendar.eq(calendar),
        ))
        .returning(MailMessage::as_returning())
        .get_result(conn)
        .await
}

/// Attaches a file to message `id` (before it is sent).
pub async fn attach(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: &str,
    bytes: &[u8],
) -> QueryResult<()> {
    diesel::update(mail_messages::table.find(id))
        .set((
            mail_messages::attachment_name.eq(name),
            mail_messages::attachment.eq(bytes),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<MailMessage>> {
    mail_messages::table
        .find(id)
        .select(MailMessage::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn mark_sent(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(mail_messages::table.find(id))
        .set(mail_messages::sent_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

/// How the kept mail sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSort {
    CreatedAt,
}

impl Sorts for MailSort {
    const LIST: &'static str = "mail";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = MailMessage;
    fn key(self, m: &MailMessage) -> Key {
        Key::of(m.created_at, m.id)
    }
}

/// A page of the kept mail the scope may read.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    page: &PageRequest<MailSort>,
) -> ListResult<Vec<MailMessage>> {
    diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
    let q = mail_messages::table
        .select(MailMessage::as_select())
        .into_boxed();
    let q = match scope {
        Scope::Workspace(ws) => q.filter(mail_messages::workspace_id.eq(*ws)),
        Scope::Person { email, .. } => {
            q.filter(lower(mail_messages::to_address).eq(email.trim().to_lowercase()))
        }
        // Mail belongs to no organisation, nor branch.
        Scope::Organization { .. } | Scope::Branches { .. } | Scope::Nothing => {
            q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("false"))
        }
    };
    let q = match page.sort.field {
        MailSort::CreatedAt => page.seek(q, mail_messages::created_at, mail_messages::id)?,
    };
    Ok(q.load(conn).await?)
}

/// The messages of `ws` sent to `address` (any case), oldest first.
pub async fn to_address(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    address: &str,
) -> QueryResult<Vec<MailMessage>> {
    mail_messages::table
        .filter(mail_messages::workspace_id.eq(ws))
        .filter(crate::lower(mail_messages::to_address).eq(address.to_lowercase()))
        .order(mail_messages::created_at.asc())
        .select(MailMessage::as_select())
        .load(conn)
        .await
}

/// Removes the messages of `ws` sent to `address` (any case); returns how many.
pub async fn delete_to(conn: &mut AsyncPgConnection, ws: Uuid, address: &str) -> QueryResult<u64> {
    diesel::delete(
        mail_messages::table
            .filter(mail_messages::workspace_id.eq(ws))
            .filter(crate::lower(mail_messages::to_address).eq(address.to_lowercase())),
    )
    .execute(conn)
    .await
    .map(|n| n as u64)
}
