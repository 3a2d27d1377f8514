//! Real e-mail over SMTP when configured: a small SMTP server here receives it.

use rapport_tests::TestApp;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;

async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<String>) {
    rapport_tests::smtp_sink(Duration::ZERO).await
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
