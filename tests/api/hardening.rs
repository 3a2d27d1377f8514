//! What one caller can cost, where mail goes, what the logs and metrics keep,
//! and the start-up and database edges of the server.

use rapport_api::extract::idempotent::{IdemRequest, Idempotent};
use rapport_api::respond::Reply;

type Answer = Reply<serde_json::Value>;
use rapport_tests::{email, Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_concurrent_callers_than_pool_connections_all_get_answers() {
    // The test server has 8 pool connections; 64 API-key requests, 32 with a
    // token and 16 sign-ins arrive at once.
    let app = TestApp::start_with(|c| c.api_key_rate_per_min = 100_000).await;
    let owner = app.register("sales").await;
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "busy integration", "scopes": ["*"]}),
        )
        .await
        .expect(201)
        .body["key"]
        .as_str()
        .unwrap()
        .to_string();
    let by_key = (0..64).map(|_| app.get("/api/v1/members", &key));
    let by_token = (0..32).map(|_| app.get("/api/v1/me", &owner.access));
    let (keys, tokens, logins) = tokio::join!(
        futures::future::join_all(by_key),
        futures::future::join_all(by_token),
        futures::future::join_all((0..16).map(|i| {
            let (app, who) = (&app, email(&format!("p{i}")));
            async move { app.login(&who, "wrong password here").await }
        }))
    );
    for r in keys.iter().chain(tokens.iter()) {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // A stall would show as the pool's timeout: 503 for everyone.
    assert!(logins.iter().all(|r| r.status == 401));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_mail_goes_to_files_and_each_person_reads_only_their_own() {
    let dir = std::env::temp_dir().join(format!("rapport-mail-{}", uuid::Uuid::new_v4().simple()));
    let app = TestApp::start_with(|c| c.mail_dir = Some(dir.clone())).await;
    let owner = app.register("support").await;
    let member = app.add_member(&owner, "staff").await;
    // The member asks for a reset; the owner cannot read it, the member can.
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": member.email}),
    )
    .await
    .expect(202);
    let token = super::sessions::reset_token(&app, &member.email).await;
    let mut file = None;
    for _ in 0..100 {
        file = std::fs::read_dir(&dir).ok().and_then(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .find(|m| m.contains("Reset your Rapport password"))
        });
        if file.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = file.expect("an .eml file for the reset");
    assert!(file.contains(&format!("To: {}", member.email)), "{file}");
    assert!(file
        .replace("=\r\n", "")
        .replace("=\n", "")
        .contains(&token));
    let owners = app.get("/api/v1/dev/mail", &owner.access).await.expect(200);
    assert!(
        !owners.text.contains(&token),
        "an owner reads a member's reset"
    );
    let members = app
        .get("/api/v1/dev/mail", &member.access)
        .await
        .expect(200);
    assert!(members.text.contains(&token));
    // No owner anywhere reads it: another workspace's owner neither.
    let other = app.register("sales").await;
    let theirs = app.get("/api/v1/dev/mail", &other.access).await.expect(200);
    assert!(!theirs.text.contains(&token));
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_client_is_the_rightmost_untrusted_address() {
    let app = TestApp::start_with(|c| c.trust_proxy = true).await;
    let owner = app.register("school").await;
    // The client wrote 6.6.6.6 itself; the proxy appended what it saw.
    let res = app
        .call_with(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": owner.email, "password": PASSWORD})),
            &[("x-forwarded-for", "6.6.6.6, 203.0.113.7")],
        )
        .await
        .expect(200);
    let s = Session::from_tokens(&res.body, &owner.email);
    let audit = app
        .get("/api/v1/audit?action=session.created", &s.access)
        .await
        .expect(200);
    assert_eq!(audit.body["data"][0]["ip"], "203.0.113.7");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_when_one_is_set() {
    let app = TestApp::start_with(|c| c.metrics_token = Some("a metrics token".into())).await;
    app.call(Method::GET, "/metrics", None, None)
        .await
        .expect(401);
    app.call(Method::GET, "/metrics", Some("not it"), None)
        .await
        .expect(401);
    let ok = app
        .call(Method::GET, "/metrics", Some("a metrics token"), None)
        .await
        .expect(200);
    assert!(ok.text.contains("rapport_http_requests_total"));
    app.stop().await;
    // Without a token, a local caller that came through no proxy reads them.
    let app = TestApp::start().await;
    app.call(Method::GET, "/metrics", None, None)
        .await
        .expect(200);
    app.call_with(
        Method::GET,
        "/metrics",
        None,
        None,
        &[("x-forwarded-for", "198.51.100.1")],
    )
    .await
    .expect(403);
    // Invented methods are counted as `other`, not as series of their own.
    for i in 0..20 {
        let m = Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        app.call(m, "/api/v1/me", None, None).await;
    }
    let text = app.call(Method::GET, "/metrics", None, None).await.text;
    assert!(!text.contains("INVENTED"));
    assert!(text.contains(r#"method="other""#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_replay_checks_the_callers_permission_again() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let admin = app.add_member(&owner, "admin").await;
    let body = json!({"email": "one-hire@example.com", "role": "staff"});
    let key = [("idempotency-key", "hire-once")];
    let post = |s: Session| {
        let (app, body) = (&app, body.clone());
        async move {
            app.call_with(
                Method::POST,
                "/api/v1/invitations",
                Some(&s.access),
                Some(body),
                &key,
            )
            .await
        }
    };
    post(admin.clone()).await.expect(201);
    post(admin.clone()).await.expect(409);
    app.patch(
        &format!("/api/v1/members/{}", admin.user_id),
        &owner.access,
        json!({"role": "staff"}),
    )
    .await
    .expect(200);
    post(admin.clone()).await.expect(403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_with_an_idempotency_key_is_413() {
    let app = TestApp::start_with(|c| c.body_limit = 1024).await;
    let owner = app.register("sales").await;
    let big = json!({"name": "x".repeat(4096), "scopes": ["*"]});
    for headers in [&[("idempotency-key", "big-1")][..], &[][..]] {
        let r = app
            .call_with(
                Method::POST,
                "/api/v1/api-keys",
                Some(&owner.access),
                Some(big.clone()),
                headers,
            )
            .await
            .expect(413);
        assert_eq!(r.body["code"], "too_large");
    }
    app.stop().await;
}

fn idem(scope: &str) -> Idempotent {
    Idempotent::new(Some(IdemRequest {
        scope: scope.into(),
        key: "k-1".into(),
        hash: vec![1, 2, 3],
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idempotency_record_lives_and_dies_with_the_change() {
    use diesel_async::AsyncConnection;
    let app = TestApp::start().await;
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    // A change that fails leaves no record: the retry runs.
    let failed: Result<Answer, rapport_api::error::ApiError> = conn
        .transaction::<Answer, rapport_api::error::ApiError, _>(async |conn| {
            assert!(idem("t").claim::<serde_json::Value>(conn).await?.is_none());
            idem("t")
                .keep(
                    conn,
                    Reply::json(actix_web::http::StatusCode::CREATED, &json!({"n": 1})),
                )
                .await?;
            Err::<Answer, _>(rapport_api::error::ApiError::NotFound)
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(app.count("SELECT count(*) FROM idempotency_keys").await, 0);
    // A change that commits keeps its answer, which is replayed.
    conn.transaction::<_, rapport_api::error::ApiError, _>(async |conn| {
        assert!(idem("t").claim::<serde_json::Value>(conn).await?.is_none());
        idem("t")
            .keep(
                conn,
                Reply::json(actix_web::http::StatusCode::CREATED, &json!({"n": 1}))
                    .header("location", "/api/v1/things/1"),
            )
            .await
    })
    .await
    .unwrap();
    let replay = conn
        .transaction::<_, rapport_api::error::ApiError, _>(async |conn| {
            idem("t").claim::<serde_json::Value>(conn).await
        })
        .await
        .unwrap()
        .expect("a replay")
        .into_response();
    assert_eq!(replay.status(), 201);
    assert_eq!(
        replay.headers().get("location").unwrap(),
        "/api/v1/things/1"
    );
    assert_eq!(replay.headers().get("idempotent-replayed").unwrap(), "true");
    let body = actix_web::body::to_bytes(replay.into_body()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        json!({"n": 1})
    );
    // Another caller's key space does not see it.
    let other = conn
        .transaction::<_, rapport_api::error::ApiError, _>(async |conn| {
            idem("u").claim::<serde_json::Value>(conn).await
        })
        .await
        .unwrap();
    assert!(other.is_none());
    drop(conn);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_job_outlives_the_maintenance_timer_and_runs_once() {
    let (port, mut inbox) = rapport_tests::smtp_sink(Duration::from_millis(1500)).await;
    let app = TestApp::start_with(|c| {
        c.smtp = Some(rapport_api::config::SmtpConfig {
            url: format!("smtp://127.0.0.1:{port}"),
        });
        // The timer fires many times while the one mail is being sent.
        c.maintenance_every_ms = 50;
    })
    .await;
    let owner = app.register("school").await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "slow@example.com", "role": "member"}),
    )
    .await
    .expect(201);
    let mut done = 0;
    for _ in 0..80 {
        done = app
            .count("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'done' AND attempts = 1")
            .await;
        if done == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done, 1, "the slow mail job finished on its first attempt");
    assert!(inbox.recv().await.unwrap().contains("To: slow@example.com"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(inbox.try_recv().is_err(), "the mail was sent once");
    app.stop().await;
}

#[test]
fn the_private_postgresql_asks_for_a_password() {
    let dir = std::env::temp_dir().join(format!(
        "rapport-pg-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    let pg = rapport_server::pg::PrivatePg::start(&dir).expect("a private cluster");
    let file = dir.join(rapport_server::pg::PASSWORD_FILE);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let hba = std::fs::read_to_string(dir.join("data/pg_hba.conf")).unwrap();
    let rules: Vec<&str> = hba
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert!(!rules.is_empty());
    assert!(
        rules.iter().all(|l| l.ends_with("scram-sha-256")),
        "{rules:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = pg.url("postgres");
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("with the password");
        tokio::spawn(conn);
        client.query_one("SELECT 1", &[]).await.unwrap();
        let without = url.replacen(
            &format!(":{}@", std::fs::read_to_string(&file).unwrap().trim()),
            "@",
            1,
        );
        assert_ne!(without, url);
        assert!(
            tokio_postgres::connect(&without, tokio_postgres::NoTls)
                .await
                .is_err(),
            "without the password the cluster refuses"
        );
    });
    pg.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
