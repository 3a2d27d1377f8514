//! Real e-mail over SMTP when configured: a small SMTP server here receives it.

use rapport_tests::TestApp;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// A minimal SMTP server that accepts every message and hands over its DATA.
async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.ok();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            tx.send(data).ok();
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"502 not here\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_smtp_configured_invitations_are_delivered_by_the_job_queue() {
    let (port, mut inbox) = smtp_sink().await;
    let app = TestApp::start_with(|c| {
        c.smtp = Some(rapport_api::config::SmtpConfig {
            url: format!("smtp://127.0.0.1:{port}"),
        });
    })
    .await;
    let owner = app.register("school").await;
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": "pupil@example.com", "role": "member"}),
        )
        .await
        .expect(201);
    let token = inv.body["token"].as_str().unwrap();
    let message = tokio::time::timeout(Duration::from_secs(15), inbox.recv())
        .await
        .expect("a message arrives")
        .unwrap();
    assert!(message.contains("To: pupil@example.com"), "{message}");
    assert!(
        message.contains("Subject: Olive Owner invites you to school workspace on Rapport"),
        "{message}"
    );
    let unfolded = message.replace("=\n", "");
    assert!(unfolded.contains(token), "{message}");
    // The queue records the delivery.
    for _ in 0..50 {
        let done: i64 = app
            .count("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'done'")
            .await;
        if done == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent: i64 = app
        .count("SELECT count(*) FROM mail_messages WHERE sent_at IS NOT NULL")
        .await;
    assert_eq!(sent, 1);
    // With a real mail server, nobody reads the messages through the API.
    app.get("/api/v1/dev/mail", &owner.access).await.expect(404);
    assert_eq!(
        app.get("/api/v1/me", &owner.access).await.expect(200).body["mail_viewer"],
        false
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_smtp_server_means_retries_not_lost_mail() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::start_with(|c| {
        c.smtp = Some(rapport_api::config::SmtpConfig {
            url: format!("smtp://127.0.0.1:{closed}"),
        });
    })
    .await;
    let owner = app.register("school").await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "later@example.com", "role": "member"}),
    )
    .await
    .expect(201);
    let sql = app.sql().await;
    let mut row = None;
    for _ in 0..50 {
        let r = sql.query_one("SELECT status, attempts, last_error IS NOT NULL FROM jobs WHERE kind = 'mail.send'", &[]).await.unwrap();
        if r.get::<_, i32>(1) >= 1 && r.get::<_, String>(0) == "pending" {
            row = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = row.expect("the delivery was tried and put back");
    assert!(row.get::<_, bool>(2));
    let kept: i64 = app
        .count("SELECT count(*) FROM mail_messages WHERE sent_at IS NULL")
        .await;
    assert_eq!(kept, 1);
    app.stop().await;
}
