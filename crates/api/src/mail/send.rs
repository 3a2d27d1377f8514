use crate::config::SmtpConfig;
use crate::jobs::{Job, JobCtx};
use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_db::Conn;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Delivers one kept message: over SMTP when configured, otherwise as an
/// `.eml` file in `mail_dir` (and it stays in the database for the mail viewer).
#[derive(Debug, Serialize, Deserialize)]
pub struct SendMail {
    pub mail_id: Uuid,
}

impl Job for SendMail {
    const NAME: &'static str = "mail.send";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let config = &ctx.state.config;
        deliver(
            ctx.conn,
            config.smtp.as_ref(),
            config.mail_dir.as_deref(),
            &config.mail_from,
            self.mail_id,
        )
        .await
    }
}

/// A message with a calendar, as mail programs expect an invitation: the
/// text and the calendar as alternatives (the calendar part names its iTIP
/// method, so the program offers to add it), and the calendar again as an
/// `.ics` attachment for those that only show attachments.
fn with_calendar(body: &str, calendar: &str) -> anyhow::Result<MultiPart> {
    let method = calendar
        .lines()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .unwrap_or("PUBLISH")
        .trim()
        .to_string();
    let part = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))?;
    let file = ContentType::parse("application/ics; name=\"invite.ics\"")?;
    Ok(MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(body.to_string()))
                .singlepart(
                    SinglePart::builder()
                        .header(part)
                        .body(calendar.to_string()),
                ),
        )
        .singlepart(Attachment::new("invite.ics".into()).body(calendar.to_string(), file)))
}

/// The type of an attached file, by its name.
fn content_type_of(name: &str) -> anyhow::Result<ContentType> {
    let t = if name.ends_with(".pdf") {
        "application/pdf"
    } else {
        "application/octet-stream"
    };
    Ok(ContentType::parse(t)?)
}

async fn deliver(
    conn: &mut Conn,
    smtp: Option<&SmtpConfig>,
    mail_dir: Option<&std::path::Path>,
    from: &str,
    id: Uuid,
) -> anyhow::Result<()> {
    let Some(m) = rapport_db::mail::find(conn, id).await? else {
        return Ok(());
    };
    if m.sent_at.is_some() {
        return Ok(());
    }
    let builder = Message::builder()
        .message_id(Some(format!("<{id}@rapport>")))
        .from(from.parse().context("the sender address")?)
        .to(m.to_address.parse().context("the recipient address")?)
        .subject(&m.subject);
    let message = match (&m.calendar, &m.attachment_name, &m.attachment) {
        (Some(calendar), ..) => builder.multipart(with_calendar(&m.body, calendar)?)?,
        (None, Some(name), Some(bytes)) => builder.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(m.body.clone()))
                .singlepart(
                    Attachment::new(name.clone()).body(bytes.clone(), content_type_of(name)?),
                ),
        )?,
        _ => builder
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())?,
    };
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
