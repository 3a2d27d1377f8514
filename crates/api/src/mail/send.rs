use crate::config::SmtpConfig;
use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_db::Conn;
use uuid::Uuid;

pub const KIND: &str = "mail.send";

/// Delivers one kept message. Without SMTP it stays in the database for the mail viewer.
pub async fn run(
    conn: &mut Conn,
    smtp: Option<&SmtpConfig>,
    from: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id: Uuid = payload
        .get("mail_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .context("mail job without a mail_id")?;
    let Some(m) = rapport_db::mail::find(conn, id).await? else {
        return Ok(());
    };
    if m.sent_at.is_some() {
        return Ok(());
    }
    let Some(smtp) = smtp else {
        return Ok(());
    };
    let message = Message::builder()
        .from(from.parse().context("the sender address")?)
        .to(m.to_address.parse().context("the recipient address")?)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)?.build();
    transport.send(message).await?;
    rapport_db::mail::mark_sent(conn, id).await?;
    Ok(())
}
