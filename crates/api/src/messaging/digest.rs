//! The e-mail digest: a member whose messages stay unread for a while
//! (`RAPPORT_DIGEST_AFTER_MINUTES`, an hour unless set) is sent them in
//! one e-mail, each message once however often the job runs.

use crate::error::ApiError;
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use chrono::Utc;
use diesel_async::AsyncConnection;
use rapport_db::messaging::DigestLine;
use rapport_db::Conn;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Mails each member what has stayed unread long enough.
#[derive(Debug, Serialize, Deserialize)]
pub struct Digest {}

impl Job for Digest {
    const NAME: &'static str = "messaging.digest";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let before = Utc::now() - chrono::Duration::minutes(ctx.state.config.digest_after_mins);
        let app = ctx
            .state
            .config
            .public_url
            .trim_end_matches('/')
            .to_string();
        let conn = ctx.conn;
        let mut sent = 0usize;
        // Bounded: a backlog is worked off over the next runs.
        for _ in 0..20 {
            let due = rapport_db::messaging::digest_due(conn, before, 200).await?;
            if due.is_empty() {
                break;
            }
            for (ws, user) in due {
                // One member's failure leaves the others' letters to go.
                match conn
                    .transaction::<_, ApiError, _>(async |conn| {
                        mail(conn, ws, user, before, &app).await
                    })
                    .await
                {
                    Ok(mailed) => sent += usize::from(mailed),
                    Err(e) => tracing::warn!(%user, error = ?e, "the digest of a member failed"),
                }
            }
        }
        if sent > 0 {
            tracing::info!(sent, "sent the digests of unread messages");
        }
        Ok(())
    }
}

/// Takes `user`'s messages due in `ws` and mails them; false when another
/// run took them first.
async fn mail(
    conn: &mut Conn,
    ws: Uuid,
    user: Uuid,
    before: chrono::DateTime<Utc>,
    app: &str,
) -> Result<bool, ApiError> {
    let lines = rapport_db::messaging::claim_digest(conn, ws, user, before).await?;
    let (Some(to), Some(workspace)) = (
        rapport_db::users::find(conn, user).await?,
        rapport_db::workspaces::find(conn, ws).await?,
    ) else {
        return Ok(false);
    };
    let Some(body) = letter(&to.name, &workspace.name, &lines, app) else {
        return Ok(false);
    };
    let n = lines.iter().filter(|l| l.body.is_some()).count();
    let subject = match n {
        1 => format!("1 unread message in {}", workspace.name),
        n => format!("{n} unread messages in {}", workspace.name),
    };
    crate::mail::queue(conn, Some(ws), &to.email, &subject, &body).await?;
    Ok(true)
}

/// The digest's text: who wrote, where, and the first line of each
/// message still there; `None` when none is.
fn letter(name: &str, workspace: &str, lines: &[DigestLine], app: &str) -> Option<String> {
    let kept: Vec<&DigestLine> = lines.iter().filter(|l| l.body.is_some()).collect();
    if kept.is_empty() {
        return None;
    }
    let mut out = format!("Hello {name},\n\nWhat is waiting for you in {workspace}:\n\n");
    for l in kept.iter().take(20) {
        let from = l.author.as_deref().unwrap_or("Notification");
        let text = rapport_domain::messaging::preview(&crate::notes::markdown::to_text(
            l.body.as_deref().unwrap_or_default(),
        ));
        match &l.subject {
            Some(s) => out.push_str(&format!("- {from} ({s}): {text}\n")),
            None => out.push_str(&format!("- {from}: {text}\n")),
        }
    }
    if kept.len() > 20 {
        out.push_str(&format!("- and {} more\n", kept.len() - 20));
    }
    out.push_str(&format!("\nRead and answer them: {app}/messaging\n"));
    Some(out)
}

pub fn jobs(r: &mut Registry) {
    r.register::<Digest>();
}

pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "messaging.digest",
        chrono::Duration::minutes(10),
        CatchUp::Latest,
        |_| Digest {},
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(author: Option<&str>, subject: Option<&str>, body: Option<&str>) -> DigestLine {
        DigestLine {
            author: author.map(String::from),
            subject: subject.map(String::from),
            body: body.map(String::from),
        }
    }

    #[test]
    fn a_letter_lists_each_message_left_and_links_to_the_inbox() {
        let text = letter(
            "Mia",
            "Bright Minds",
            &[
                line(Some("Maya"), None, Some("See you **Thursday**")),
                line(None, None, None),
                line(Some("Olivia"), Some("Snow day"), Some("Closed")),
            ],
            "https://app.example",
        )
        .unwrap();
        assert!(text.starts_with("Hello Mia,"), "{text}");
        assert!(text.contains("- Maya: See you Thursday\n"), "{text}");
        assert!(text.contains("- Olivia (Snow day): Closed\n"), "{text}");
        assert!(text.ends_with("https://app.example/messaging\n"), "{text}");
        assert_eq!(letter("Mia", "W", &[line(None, None, None)], "x"), None);
    }
}
