use crate::config::SmtpConfig;
use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_db::Conn;
use uuid::Uuid;

pub const KIND: &str = "mail.send";

/// Delivers one kept message: over SMTP when configured, otherwise as an
/// `.eml` file in `mail_dir` (and it stays in the database for the mail viewer).
pub async fn run(
    conn: &mut Conn,
    smtp: Option<&SmtpConfig>,
    mail_dir: Option<&std::path::Path>,
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
    let message = Message::builder()
        .message_id(Some(format!("<{id}@rapport>")))
        .from(from.parse().context("the sender address")?)
        .to(m.to_address.parse().context("the recipient address")?)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())?;
    let Some(smtp) = smtp else {
        let Some(dir) = mail_dir else {
            return Ok(());
        };
        tokio::fs::create_dir_all(dir).await?;
        let file_id = lettre::AsyncFileTransport::<Tokio1Executor>::new(dir)
            .send(message)
            .await?;
        let file = dir.join(format!("{file_id}.eml"));
        tracing::info!(to = %m.to_address, subject = %m.subject, file = %file.display(), "mail written to a file (no SMTP server)");
        rapport_db::mail::mark_sent(conn, id).await?;
        return Ok(());
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)?.build();
    transport.send(message).await?;
    rapport_db::mail::mark_sent(conn, id).await?;
    Ok(())
}
