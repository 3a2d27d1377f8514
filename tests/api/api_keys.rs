use chrono::Timelike;
use rapport_domain::api::{ApiKeyCreated, ApiKeyView, MemberView, Page};
use rapport_tests::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_shown_once_acts_in_its_scopes_and_stops_when_revoked() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let created: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "CRM sync", "scopes": ["members:read"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    let key = created.key.clone();
    let prefix = created.prefix.as_str();
    assert!(key.starts_with(&format!("rpk_{prefix}_")));
    assert_eq!(created.scopes, ["members:read"]);
    let list = app.get("/api/v1/api-keys", &owner.access).await.expect(200);
    let page: Page<ApiKeyView> = list.read();
    let listed = &page.data[0];
    assert_eq!(listed.prefix, prefix);
    assert_eq!(listed.created_by, Some(owner.user_id));
    assert_eq!(listed.last_used_at, None);
    assert!(
        list.body["data"][0].get("key").is_none() && !list.text.contains(&key[12..]),
        "the secret is never listed"
    );
    let stored: Vec<u8> = app
        .sql()
        .await
        .query_one("SELECT secret_hash FROM api_keys", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored.len(), 32, "only a digest is stored");

    // Within its scopes, in its workspace.
    let members = app.get("/api/v1/members", &key).await.expect(200);
    let page: Page<MemberView> = members.read();
    assert_eq!(page.data[0].user_id, owner.user_id);
    assert!(members.header("ratelimit-remaining").is_some());
    app.get("/api/v1/audit", &key).await.expect(403);
    // Keys manage neither keys nor members, whatever their scopes.
    let all = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "all", "scopes": ["*"]}),
        )
        .await
        .expect(201);
    let all = all.body["key"].as_str().unwrap();
    app.get("/api/v1/audit", all).await.expect(200);
    app.get("/api/v1/api-keys", all).await.expect(403);
    app.post(
        "/api/v1/api-keys",
        Some(all),
        json!({"name": "child", "scopes": ["*"]}),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/invitations",
        Some(all),
        json!({"email": "k@example.com", "role": "staff"}),
    )
    .await
    .expect(403);
    app.patch(
        &format!("/api/v1/members/{}", owner.user_id),
        all,
        json!({"role": "admin"}),
    )
    .await
    .expect(403);
    let used = app.get("/api/v1/api-keys", &owner.access).await.expect(200);
    assert!(used.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["last_used_at"].is_string()));

    // Revoked: refused at once.
    app.delete(&format!("/api/v1/api-keys/{}", created.id), &owner.access)
        .await
        .expect(204);
    app.get("/api/v1/members", &key).await.expect(401);
    // A wrong secret with a real prefix is refused too.
    let forged = format!("{}xyz", &all[..all.len() - 3]);
    app.get("/api/v1/audit", &forged).await.expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_input_is_validated() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let res = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "", "scopes": ["nope", "api_keys:write"]}),
        )
        .await
        .expect(422);
    let fields: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "scopes[0]", "scopes[1]"]);
    app.post(
        "/api/v1/api-keys",
        Some(&owner.access),
        json!({"name": "k", "scopes": []}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/api-keys",
        Some(&owner.access),
        json!({"name": "k", "scopes": ["*"], "expires_at": "2001-01-01T00:00:00Z"}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/api-keys",
        Some(&owner.access),
        json!({"name": "k", "scopes": ["*"], "expires_at": "yesterday"}),
    )
    .await
    .expect(422);
    let count: i64 = app.count("SELECT count(*) FROM api_keys").await;
    assert_eq!(count, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_key_is_refused() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let created = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "k", "scopes": ["*"], "expires_at": soon}),
        )
        .await
        .expect(201);
    let key = created.body["key"].as_str().unwrap();
    app.get("/api/v1/members", key).await.expect(200);
    app.sql()
        .await
        .execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    app.get("/api/v1/members", key).await.expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_own_rate_limit() {
    let app = TestApp::start_with(|c| c.api_key_rate_per_min = 3).await;
    let owner = app.register("sales").await;
    let a = full_key(&app, &owner, "a").await;
    let b = full_key(&app, &owner, "b").await;
    rapport_tests::early_in_a_minute().await;
    for left in ["2", "1", "0"] {
        let r = app.get("/api/v1/members", &a).await.expect(200);
        assert_eq!(r.header("ratelimit-limit"), Some("3"));
        assert_eq!(r.header("ratelimit-remaining"), Some(left));
    }
    let limited = app.get("/api/v1/members", &a).await.expect(429);
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            <= 60
    );
    app.get("/api/v1/members", &b).await.expect(200);
    // People are not limited by a key's budget.
    app.call(Method::GET, "/api/v1/members", Some(&owner.access), None)
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_s_limit_holds_across_instances() {
    let a = TestApp::start_with(|c| c.api_key_rate_per_min = 4).await;
    let b = TestApp::on_database(a.db_url.clone(), |c| c.api_key_rate_per_min = 4).await;
    let owner = a.register("sales").await;
    let key = a
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "k", "scopes": ["*"]}),
        )
        .await
        .expect(201);
    let key = key.body["key"].as_str().unwrap().to_string();
    rapport_tests::early_in_a_minute().await;
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let r = app.get("/api/v1/members", &key).await.expect(200);
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some((3 - i).to_string().as_str())
        );
    }
    let limited = b.get("/api/v1/members", &key).await.expect(429);
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("ratelimit-limit"), Some("4"));
    a.get("/api/v1/members", &key).await.expect(429);
    b.stop().await;
    a.stop().await;
}

/// A burst of one key's requests at once: exactly its limit is answered,
/// and every request is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_one_key_is_held_to_its_limit() {
    let app = TestApp::start_with(|c| c.api_key_rate_per_min = 10).await;
    let owner = app.register("sales").await;
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "burst", "scopes": ["*"]}),
        )
        .await
        .expect(201);
    let key = key.body["key"].as_str().unwrap().to_string();
    rapport_tests::early_in_a_minute().await;
    let answers =
        futures::future::join_all((0..40).map(|_| app.get("/api/v1/members", &key))).await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    assert!(answers.iter().all(|r| [200, 429].contains(&r.status)));
    assert_eq!(ok, 10, "{ok} of 40 answered with a limit of 10");
    let counted: i64 = app
        .count("SELECT coalesce(sum(hits), 0) FROM rate_windows WHERE key LIKE 'key:%'")
        .await;
    assert_eq!(counted, 40, "every request is counted");
    app.get("/api/v1/members", &key).await.expect(429);
    app.stop().await;
}

/// A key with a larger limit is counted a few requests at a time by each
/// instance: one after another, the headers still count every request, and
/// two instances between them, even all at once, never answer more than
/// the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_taking_a_key_s_requests_in_leases_never_pass_its_limit() {
    let a = TestApp::start_with(|c| c.api_key_rate_per_min = 100).await;
    let b = TestApp::on_database(a.db_url.clone(), |c| c.api_key_rate_per_min = 100).await;
    let owner = a.register("sales").await;
    let one = full_key(&a, &owner, "one").await;
    let other = full_key(&a, &owner, "other").await;
    rapport_tests::early_in_a_minute().await;
    // One instance, one request after another: exact.
    for spent in 1..=12u32 {
        let r = a.get("/api/v1/members", &one).await.expect(200);
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some((100 - spent).to_string().as_str())
        );
    }
    // The same key through the other instance: both take from one count.
    let r = b.get("/api/v1/members", &one).await.expect(200);
    let remaining: u32 = r.header("ratelimit-remaining").unwrap().parse().unwrap();
    assert!(remaining < 88, "{remaining} left after 13 requests");
    // Another key, all at once through both instances: never more than
    // the limit, and what either took and did not spend in the burst is
    // answered afterwards, so that the key gets its whole limit. All in one
    // minute's window: begun early in one, with time to spare under load.
    let second = chrono::Utc::now().second();
    if second >= 15 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let began = std::time::Instant::now();
    let window = chrono::Utc::now().minute();
    let answers = futures::future::join_all((0..160).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        app.get("/api/v1/members", &other)
    }))
    .await;
    assert!(answers.iter().all(|r| [200, 429].contains(&r.status)));
    let mut ok = answers.iter().filter(|r| r.status == 200).count();
    assert!(ok <= 100, "{ok} of 160 answered with a limit of 100");
    for app in [&a, &b] {
        loop {
            match app.get("/api/v1/members", &other).await.status {
                200 => ok += 1,
                429 => break,
                s => panic!("{s} while spending what was left"),
            }
        }
    }
    // Exactly the limit when all of it fell in one window; a machine so
    // loaded that the spending ran into the next minute counts anew there.
    if chrono::Utc::now().minute() == window {
        assert_eq!(
            ok,
            100,
            "the key's whole limit, and no more (in {:?})",
            began.elapsed()
        );
    } else {
        eprintln!(
            "the spending ran past its minute ({:?}): {ok} answered",
            began.elapsed()
        );
    }
    b.stop().await;
    a.stop().await;
}

/// Someone who knows a key's prefix (it is shown in lists) but not its secret
/// cannot spend the key's budget: a wrong secret is refused and not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_spends_nothing_of_the_keys_budget() {
    let app = TestApp::start_with(|c| c.api_key_rate_per_min = 2).await;
    let owner = app.register("sales").await;
    let created: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "k", "scopes": ["*"]}),
        )
        .await
        .expect(201)
        .read();
    let forged = format!("rpk_{}_{}", created.prefix, "x".repeat(43));
    rapport_tests::early_in_a_minute().await;
    for _ in 0..5 {
        app.get("/api/v1/members", &forged).await.expect(401);
    }
    let r = app.get("/api/v1/members", &created.key).await.expect(200);
    assert_eq!(r.header("ratelimit-remaining"), Some("1"));
    app.stop().await;
}

/// The secret of a new key of `owner`'s workspace with every scope.
async fn full_key(app: &TestApp, owner: &rapport_tests::Session, name: &str) -> String {
    let created: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": name, "scopes": ["*"]}),
        )
        .await
        .expect(201)
        .read();
    created.key
}
