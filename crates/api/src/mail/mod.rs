//! Outgoing e-mail: queued in the transaction of the change that sends it,
//! delivered by the job worker over SMTP, or kept for the mail viewer when no
//! SMTP server is configured.

pub mod list;
pub mod send;

use rapport_db::Conn;
use uuid::Uuid;

/// Keeps a message and queues its delivery.
pub async fn queue(
    conn: &mut Conn,
    workspace_id: Option<Uuid>,
    to: &str,
    subject: &str,
    body: &str,
) -> diesel::QueryResult<Uuid> {
    queue_with(conn, workspace_id, to, subject, body, None).await
}

/// Keeps a message that carries an iCalendar object (sent as the
/// calendar part of the message and as an `.ics` attachment) and queues
/// its delivery.
pub async fn queue_with(
    conn: &mut Conn,
    workspace_id: Option<Uuid>,
    to: &str,
    subject: &str,
    body: &str,
    calendar: Option<&str>,
) -> diesel::QueryResult<Uuid> {
    let m = rapport_db::mail::insert(conn, workspace_id, to, subject, body, calendar).await?;
    crate::jobs::enqueue(conn, &send::SendMail { mail_id: m.id }).await?;
    Ok(m.id)
}

/// Keeps a message with a file attached (a receipt as a PDF) and queues
/// its delivery.
pub async fn queue_attached(
    conn: &mut Conn,
    workspace_id: Uuid,
    to: &str,
    subject: &str,
    body: &str,
    (name, bytes): (&str, &[u8]),
) -> diesel::QueryResult<Uuid> {
    let m = rapport_db::mail::insert(conn, Some(workspace_id), to, subject, body, None).await?;
    rapport_db::mail::attach(conn, m.id, name, bytes).await?;
    crate::jobs::enqueue(conn, &send::SendMail { mail_id: m.id }).await?;
    Ok(m.id)
}

/// Mail is seen by the person it is addressed to and by no one else,
/// whatever their role: the viewer stands in for their inbox.
pub struct Policy;

impl crate::extract::Policy for Policy {
    fn scope(caller: &crate::extract::Caller) -> crate::extract::Scope {
        use crate::extract::{Principal, Scope};
        match &caller.principal {
            Principal::User { id, profile, .. } => Scope::Person {
                workspace_id: caller.workspace_id(),
                user_id: *id,
                email: profile.email.clone(),
            },
            Principal::ApiKey { .. } => Scope::Nothing,
        }
    }
}

/// The module's job kinds.
pub fn jobs(r: &mut crate::jobs::Registry) {
    r.register::<send::SendMail>();
}

/// The messages sent to the person's address: exported, then removed.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "mail",
        tables: &["mail_messages"],
        export: |conn, s| {
            Box::pin(async move {
                let Some(email) = s.person.email.as_deref() else {
                    return Ok(serde_json::Value::Null);
                };
                let sent = rapport_db::mail::to_address(conn, s.workspace_id, email).await?;
                Ok(sent
                    .iter()
                    .map(|m| crate::privacy::json(&m.view()))
                    .collect())
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let Some(email) = s.person.email.as_deref() else {
                    return Ok(0);
                };
                Ok(rapport_db::mail::delete_to(conn, s.workspace_id, email).await?)
            })
        },
    });
}
