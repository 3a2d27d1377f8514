use rapport_tests::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_post_runs_once_and_a_reused_key_with_another_body_is_refused() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let body = json!({"email": "once@example.com", "role": "staff"});
    let key = [("idempotency-key", "invite-once-1")];
    let first = app
        .call_with(
            Method::POST,
            "/api/v1/invitations",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(201);
    let again = app
        .call_with(
            Method::POST,
            "/api/v1/invitations",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(409);
    // The first answer held the invitation's live token: it was not kept, so
    // the repeat is told that the request succeeded, and nothing runs twice.
    assert_eq!(again.body["code"], "idempotency_secret_withheld");
    assert!(!again.text.contains(first.body["token"].as_str().unwrap()));
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let count: i64 = app.count("SELECT count(*) FROM invitations").await;
    assert_eq!(count, 1);
    let other = json!({"email": "twice@example.com", "role": "staff"});
    let clash = app
        .call_with(
            Method::POST,
            "/api/v1/invitations",
            Some(&owner.access),
            Some(other),
            &key,
        )
        .await
        .expect(422);
    assert_eq!(clash.body["code"], "idempotency_key_reused");
    // The same key from another caller is another key.
    let other_owner = app.register("sales").await;
    app.call_with(
        Method::POST,
        "/api/v1/invitations",
        Some(&other_owner.access),
        Some(body),
        &key,
    )
    .await
    .expect(201);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_idempotency_key_create_one_record() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let body = json!({"name": "once", "scopes": ["*"]});
    let key = [("idempotency-key", "race-key")];
    let calls = (0..6).map(|_| {
        app.call_with(
            Method::POST,
            "/api/v1/api-keys",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
    });
    let statuses: Vec<u16> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let count: i64 = app.count("SELECT count(*) FROM api_keys").await;
    assert_eq!(count, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_security_headers_sent() {
    let app = TestApp::start().await;
    let res = app
        .call_with(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "abc-123")],
        )
        .await
        .expect(200);
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
    let res = app
        .call(Method::GET, "/api/v1/templates", None, None)
        .await
        .expect(200);
    assert!(res.header("x-request-id").is_some_and(|v| !v.is_empty()));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    assert!(res
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(res.body.as_array().unwrap().len(), 5);
    // Same-origin by default: no CORS headers for another origin.
    let cors = app
        .call_with(
            Method::GET,
            "/api/v1/templates",
            None,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert!(cors.header("access-control-allow-origin").is_none());
    // Errors have request ids too.
    let e = app
        .call(Method::GET, "/api/v1/nothing-here", None, None)
        .await
        .expect(404);
    assert_eq!(e.header("content-type"), Some("application/problem+json"));
    assert!(e.header("x-request-id").is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_allowed_only_for_configured_origins() {
    let app = TestApp::start_with(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let ok = app
        .call_with(
            Method::GET,
            "/api/v1/templates",
            None,
            None,
            &[("origin", "https://app.example")],
        )
        .await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let other = app
        .call_with(
            Method::GET,
            "/api/v1/templates",
            None,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert!(other.header("access-control-allow-origin").is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_answers_413_and_changes_nothing() {
    let app = TestApp::start_with(|c| c.body_limit = 4096).await;
    let big = "x".repeat(10_000);
    let res = app
        .post("/api/v1/auth/register", None, json!({"workspace_name": big, "template": "school", "name": "A", "email": "big@example.com", "password": "long enough password"}))
        .await
        .expect(413);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let count: i64 = app.count("SELECT count(*) FROM workspaces").await;
    assert_eq!(count, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = TestApp::start().await;
    app.call(Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    app.call(Method::GET, "/readyz", None, None)
        .await
        .expect(200);
    let owner = app.register("school").await;
    app.get("/api/v1/me", &owner.access).await.expect(200);
    let m = app
        .call(Method::GET, "/metrics", None, None)
        .await
        .expect(200);
    assert!(
        m.text.contains(
            r#"rapport_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#
        ),
        "{}",
        m.text
    );
    assert!(m
        .text
        .contains("rapport_http_request_duration_seconds_bucket"));
    assert!(m.text.contains("rapport_db_pool_connections"));
    assert!(m.text.contains("rapport_websocket_connections 0"));
    assert!(m.text.contains(r#"rapport_jobs{status="pending"}"#));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_queue_retries_with_backoff_and_gives_up() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let sql = app.sql().await;
    sql.execute(
        "INSERT INTO jobs (kind, payload, max_attempts) VALUES ('no.such.kind', '{}', 2)",
        &[],
    )
    .await
    .unwrap();
    let state = app_state(&app);
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    let row = sql
        .query_one("SELECT status, attempts, run_at > now() FROM jobs", &[])
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, i32>(1),
            row.get::<_, bool>(2)
        ),
        ("pending".into(), 1, true)
    );
    // Not due yet: nothing to do.
    assert!(!rapport_api::jobs::work_one(&state, "t").await);
    sql.execute("UPDATE jobs SET run_at = now()", &[])
        .await
        .unwrap();
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    let row = sql
        .query_one("SELECT status, attempts, last_error FROM jobs", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "dead");
    assert_eq!(row.get::<_, i32>(1), 2);
    assert!(row.get::<_, String>(2).contains("unknown job kind"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_take_the_same_job() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let sql = app.sql().await;
    sql.execute("INSERT INTO jobs (kind, payload) SELECT 'maintenance.prune', '{}' FROM generate_series(1, 20)", &[]).await.unwrap();
    let state = app_state(&app);
    let workers = (0..4).map(|i| {
        let state = state.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while rapport_api::jobs::work_one(&state, &format!("w{i}")).await {
                n += 1;
            }
            n
        })
    });
    let done: i32 = futures::future::join_all(workers)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .sum();
    assert_eq!(done, 20);
    let row = sql
        .query_one(
            "SELECT count(*) FILTER (WHERE status = 'done'), max(attempts) FROM jobs",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 20);
    assert_eq!(row.get::<_, i32>(1), 1);
    app.stop().await;
}

fn app_state(app: &TestApp) -> std::sync::Arc<rapport_api::state::AppState> {
    app.state()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_holding_a_secret_is_never_kept_for_replay() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let body = json!({"name": "secret", "scopes": ["*"]});
    let key = [("idempotency-key", "key-with-secret")];
    let first = app
        .call_with(
            Method::POST,
            "/api/v1/api-keys",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(201);
    let secret = first.body["key"].as_str().unwrap().to_string();
    let again = app
        .call_with(
            Method::POST,
            "/api/v1/api-keys",
            Some(&owner.access),
            Some(body),
            &key,
        )
        .await
        .expect(409);
    assert_eq!(again.body["code"], "idempotency_secret_withheld");
    let stored: Vec<u8> = app
        .sql()
        .await
        .query_one("SELECT response_body FROM idempotency_keys", &[])
        .await
        .unwrap()
        .get(0);
    assert!(stored.is_empty());
    assert!(!String::from_utf8_lossy(&stored).contains(&secret));
    let count: i64 = app.count("SELECT count(*) FROM api_keys").await;
    assert_eq!(count, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_prunes_old_events_and_expired_credentials() {
    let app = TestApp::start_with(|c| {
        c.run_workers = false;
        c.event_retention_days = 7;
    })
    .await;
    let owner = app.register("support").await;
    app.settle(owner.workspace_id).await;
    let sql = app.sql().await;
    sql.execute(
        "UPDATE events SET occurred_at = now() - interval '8 days' WHERE seq = 1",
        &[],
    )
    .await
    .unwrap();
    sql.execute("INSERT INTO ws_tickets (ticket_hash, workspace_id, expires_at) VALUES ('\\x00', $1, now() - interval '1 minute')", &[&owner.workspace_id])
        .await
        .unwrap();
    sql.execute(
        "INSERT INTO jobs (kind, payload) VALUES ('maintenance.prune', '{}')",
        &[],
    )
    .await
    .unwrap();
    assert!(rapport_api::jobs::work_one(&app.state(), "t").await);
    let events: Vec<i64> = sql
        .query("SELECT seq FROM events ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(events, [2]);
    let tickets: i64 = sql
        .query_one("SELECT count(*) FROM ws_tickets", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tickets, 0);
    // Polling clients still read what is kept.
    let kept = app
        .get("/api/v1/events?after=0", &owner.access)
        .await
        .expect(200);
    assert_eq!(kept.body["data"][0]["id"], 2);
    app.stop().await;
}
