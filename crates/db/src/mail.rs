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
) -> QueryResult<MailMessage> {
    diesel::insert_into(mail_messages::table)
        .values((
            mail_messages::id.eq(Uuid::now_v7()),
            mail_messages::workspace_id.eq(workspace_id),
            mail_messages::to_address.eq(to),
            mail_messages::subject.eq(subject),
            mail_messages::body.eq(body),
        ))
        .returning(MailMessage::as_returning())
        .get_result(conn)
        .await
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

/// Mail addressed to one address, newest first.
/// The mail a caller may see, newest first, a page at a time.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<MailMessage>> {
    diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
    let mut q = mail_messages::table
        .select(MailMessage::as_select())
        .order((mail_messages::created_at.desc(), mail_messages::id.desc()))
        .limit(limit)
        .into_boxed();
    q = match scope {
        Scope::Workspace(ws) => q.filter(mail_messages::workspace_id.eq(*ws)),
        Scope::Person { email, .. } => {
            q.filter(lower(mail_messages::to_address).eq(email.trim().to_lowercase()))
        }
        // Mail belongs to no organisation.
        Scope::Organization { .. } | Scope::Nothing => {
            q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("false"))
        }
    };
    if let Some((at, id)) = after {
        q = q.filter(
            mail_messages::created_at
                .lt(at)
                .or(mail_messages::created_at
                    .eq(at)
                    .and(mail_messages::id.lt(id))),
        );
    }
    q.load(conn).await
}
