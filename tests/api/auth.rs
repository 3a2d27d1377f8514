use rapport_domain::api::MeResponse;
use rapport_domain::problem::Problem;
use rapport_domain::{Module, Permission, Role, Template};
use rapport_tests::{email, Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_creates_a_workspace_from_its_template_and_me_names_it() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    assert_eq!(owner.role, "owner");
    let me: MeResponse = app
        .get("/api/v1/me", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(me.workspace.template, Template::School);
    assert_eq!(me.role, Role::Owner);
    assert_eq!(me.labels["member"], "Student");
    assert_eq!(me.labels["staff"], "Teacher");
    assert!(!me.labels.contains_key("manager"));
    assert!(me.modules.contains(&Module::Medals) && me.modules.contains(&Module::Attendance));
    assert!(!me.modules.contains(&Module::Deals));
    for p in [Permission::MembersManage, Permission::AuditRead] {
        assert!(me.permissions.iter().any(|s| s == p.as_str()), "{p:?}");
    }
    assert_eq!(me.workspaces.len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_refuses_bad_input_and_changes_nothing() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"workspace_name": " ", "template": "school", "name": "A", "email": "not-an-email", "password": "short"}),
        )
        .await
        .expect(422);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let problem: Problem = res.read();
    assert_eq!(problem.code, "validation");
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["workspace_name", "email", "password"]);
    // An unknown template is a field error, malformed JSON a 400.
    app.post("/api/v1/auth/register", None, json!({"workspace_name": "W", "template": "circus", "name": "A", "email": "a@b.co", "password": PASSWORD}))
        .await
        .expect(422);
    let raw = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let count = app.count("SELECT count(*) FROM users").await;
    assert_eq!(count, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_has_one_account() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"workspace_name": "Other", "template": "support", "name": "B", "email": owner.email.to_uppercase(), "password": PASSWORD}),
        )
        .await
        .expect(409);
    assert_eq!(res.body["code"], "email_taken");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_does_not_tell_unknown_emails_from_wrong_passwords() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let ok = app.login(&owner.email, PASSWORD).await.expect(200);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["expires_in"], 900);
    let cookie = ok.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/api/v1/auth"),
        "{cookie}"
    );
    let wrong = app.login(&owner.email, "wrong password!").await.expect(401);
    let unknown = app
        .login(&email("nobody"), "wrong password!")
        .await
        .expect(401);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    assert_eq!(wrong.body["code"], unknown.body["code"]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_account_with_retry_after() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    for _ in 0..4 {
        app.login(&owner.email, "wrong password!").await.expect(401);
    }
    let locked = app.login(&owner.email, "wrong password!").await.expect(429);
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    // Even the right password waits for the lock to end.
    app.login(&owner.email, PASSWORD).await.expect(429);
    // Another account is not affected.
    let other = app.register("support").await;
    app.login(&other.email, PASSWORD).await.expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_all_count_toward_the_lock() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let tries = (0..8).map(|_| app.login(&owner.email, "wrong password!"));
    let statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 3,
        "{statuses:?}"
    );
    app.login(&owner.email, PASSWORD).await.expect(429);
    app.stop().await;
}

async fn refresh(app: &TestApp, token: &str) -> rapport_tests::Resp {
    app.refresh(token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_a_reused_token_revokes_its_family() {
    let app = TestApp::start_with(|c| c.refresh_reuse_grace_secs = 0).await;
    let owner = app.register("sales").await;
    let first = refresh(&app, &owner.refresh).await.expect(200);
    let second_token = first.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_token, owner.refresh);
    app.get("/api/v1/me", first.body["access_token"].as_str().unwrap())
        .await
        .expect(200);
    // The spent token is presented again: refused, and the family is revoked.
    refresh(&app, &owner.refresh).await.expect(401);
    refresh(&app, &second_token).await.expect(401);
    // Another sign-in (another family) is untouched.
    let other = app.login(&owner.email, PASSWORD).await.expect(200);
    refresh(&app, other.body["refresh_token"].as_str().unwrap())
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_lost_a_rotation_answer_may_retry_once_within_the_grace_period() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let token = |r: rapport_tests::Resp| r.body["refresh_token"].as_str().unwrap().to_string();
    // The answer of this rotation never reached the client, which retries.
    let _lost = token(refresh(&app, &owner.refresh).await.expect(200));
    let next = token(refresh(&app, &owner.refresh).await.expect(200));
    let live = token(refresh(&app, &next).await.expect(200));
    let newest = token(refresh(&app, &live).await.expect(200));
    // Once the successor has been used, the old token is plain reuse: the family goes.
    refresh(&app, &next).await.expect(401);
    refresh(&app, &newest).await.expect(401);

    // The lost token showing up later means someone else has it: the family goes.
    let s = rapport_tests::Session::from_tokens(
        &app.login(&owner.email, PASSWORD).await.expect(200).body,
        &owner.email,
    );
    let lost = token(refresh(&app, &s.refresh).await.expect(200));
    let next = token(refresh(&app, &s.refresh).await.expect(200));
    refresh(&app, &lost).await.expect(401);
    refresh(&app, &next).await.expect(401);

    // After the grace period, presenting a used token revokes the family too.
    let s = rapport_tests::Session::from_tokens(
        &app.login(&owner.email, PASSWORD).await.expect(200).body,
        &owner.email,
    );
    let fresh = token(refresh(&app, &s.refresh).await.expect(200));
    app.sql()
        .await
        .execute("UPDATE refresh_tokens SET used_at = now() - interval '1 minute' WHERE used_at IS NOT NULL", &[])
        .await
        .unwrap();
    refresh(&app, &s.refresh).await.expect(401);
    refresh(&app, &fresh).await.expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_works_from_the_cookie_and_logout_clears_it() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let cookie = format!("rapport_refresh={}", owner.refresh);
    let res = app
        .call_with(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            None,
            &[("cookie", &cookie)],
        )
        .await
        .expect(200);
    let next = res.body["refresh_token"].as_str().unwrap().to_string();
    let out = app
        .call_with(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            None,
            &[("cookie", &format!("rapport_refresh={next}"))],
        )
        .await
        .expect(204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    refresh(&app, &next).await.expect(401);
    // The access tokens of the ended session end with it.
    app.get("/api/v1/me", &owner.access).await.expect(401);
    let again = Session::from_tokens(
        &app.login(&owner.email, PASSWORD).await.expect(200).body,
        &owner.email,
    );
    let audit = app
        .get("/api/v1/audit?action=session.ended", &again.access)
        .await
        .expect(200);
    assert_eq!(
        audit.body["data"][0]["actor"]["id"],
        owner.user_id.to_string()
    );
    app.stop().await;
}

fn forge(claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tampered_and_unsigned_tokens_are_refused() {
    use base64::Engine;
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let now = chrono::Utc::now().timestamp();
    let secret = b"test secret that is long enough for HS256 signing";
    // The session's family, from the real token: a forged one must name a live session too.
    let payload = owner.access.split('.').nth(1).unwrap();
    let fam = serde_json::from_slice::<serde_json::Value>(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()["fam"]
        .clone();
    let claims = |iat: i64, exp: i64, role: &str| json!({"sub": owner.user_id, "ws": owner.workspace_id, "role": role, "iat": iat, "exp": exp, "jti": uuid::Uuid::new_v4(), "fam": fam});
    // A well-signed token works: the check below is about what differs.
    app.get(
        "/api/v1/me",
        &forge(claims(now, now + 600, "owner"), secret),
    )
    .await
    .expect(200);
    let expired = forge(claims(now - 2000, now - 1000, "owner"), secret);
    assert!(
        app.get("/api/v1/me", &expired).await.expect(401).body["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    app.get(
        "/api/v1/me",
        &forge(
            claims(now, now + 600, "owner"),
            b"another secret entirely, also long",
        ),
    )
    .await
    .expect(401);
    // Tampered payload with the original signature.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = owner.access.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["exp"] = json!(now + 100_000);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(payload.to_string()),
        parts[2]
    );
    app.get("/api/v1/me", &tampered).await.expect(401);
    // alg: none, no signature.
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(now, now + 600, "owner").to_string())
    );
    app.get("/api/v1/me", &none).await.expect(401);
    app.get("/api/v1/me", "garbage").await.expect(401);
    app.call_with(
        Method::GET,
        "/api/v1/me",
        None,
        None,
        &[("authorization", "Basic Zm9vOmJhcg==")],
    )
    .await
    .expect(401);
    app.call(Method::GET, "/api/v1/me", None, None)
        .await
        .expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_comes_from_the_membership_not_the_token() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let agent = app.add_member(&owner, "staff").await;
    app.get("/api/v1/members", &agent.access).await.expect(200);
    app.patch(
        &format!("/api/v1/members/{}", agent.user_id),
        &owner.access,
        json!({"role": "member"}),
    )
    .await
    .expect(200);
    // The same access token now carries the new role's rights.
    app.get("/api/v1/members", &agent.access).await.expect(403);
    app.delete(&format!("/api/v1/members/{}", agent.user_id), &owner.access)
        .await
        .expect(204);
    app.get("/api/v1/me", &agent.access).await.expect(401);
    refresh(&app, &agent.refresh).await.expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_gives_tokens_for_another_workspace_of_the_user() {
    let app = TestApp::start().await;
    let a = app.register("school").await;
    let b = app.register("sales").await;
    // b invites a's owner into the sales workspace; a accepts while signed in.
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&b.access),
            json!({"email": a.email, "role": "manager"}),
        )
        .await
        .expect(201);
    let token = inv.body["token"].as_str().unwrap();
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    let me = app.get("/api/v1/me", &a.access).await.expect(200);
    assert_eq!(me.body["workspaces"].as_array().unwrap().len(), 2);
    let switched = app
        .post(
            "/api/v1/auth/switch",
            Some(&a.access),
            json!({"workspace_id": b.workspace_id, "refresh_token": a.refresh}),
        )
        .await
        .expect(200);
    assert_eq!(switched.body["role"], "manager");
    assert_eq!(switched.body["workspace"]["template"], "sales");
    let s = Session::from_tokens(&switched.body, &a.email);
    let me = app.get("/api/v1/me", &s.access).await.expect(200);
    assert_eq!(me.body["labels"]["staff"], "Sales rep");
    // A workspace the user is not in answers 404.
    let c = app.register("support").await;
    app.post(
        "/api/v1/auth/switch",
        Some(&s.access),
        json!({"workspace_id": c.workspace_id, "refresh_token": s.refresh}),
    )
    .await
    .expect(404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_every_session_and_gives_this_device_new_tokens() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let other = Session::from_tokens(
        &app.login(&owner.email, PASSWORD).await.expect(200).body,
        &owner.email,
    );
    app.call(
        Method::PUT,
        "/api/v1/me/password",
        Some(&owner.access),
        Some(json!({"current_password": "not it at all", "new_password": "a brand new password"})),
    )
    .await
    .expect(422);
    let changed = app
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(&owner.access),
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new password"})),
        )
        .await
        .expect(200);
    // Every access and refresh token of the user ends at once, this device's too ...
    for s in [&owner, &other] {
        app.get("/api/v1/me", &s.access).await.expect(401);
        refresh(&app, &s.refresh).await.expect(401);
    }
    // ... and this device carries on with the tokens of the answer.
    let now = Session::from_tokens(&changed.body, &owner.email);
    app.get("/api/v1/me", &now.access).await.expect(200);
    refresh(&app, &now.refresh).await.expect(200);
    app.login(&owner.email, PASSWORD).await.expect(401);
    app.login(&owner.email, "a brand new password")
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_goes_by_mail_and_works_once() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": owner.email}),
    )
    .await
    .expect(202);
    // Unknown addresses get the same answer.
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": email("ghost")}),
    )
    .await
    .expect(202);
    let mail = app.get("/api/v1/dev/mail", &owner.access).await.expect(200);
    let reset = mail.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Reset"))
        .expect("a reset mail");
    assert_eq!(reset["to"], owner.email.as_str());
    let body = reset["body"].as_str().unwrap();
    let token = body
        .split("reset token: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(body.contains(&format!("/reset-password?token={token}")));
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "short"}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "the reset password"}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "another reset password"}),
    )
    .await
    .expect(422);
    refresh(&app, &owner.refresh).await.expect(401);
    app.login(&owner.email, "the reset password")
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_routes_are_rate_limited_per_address() {
    let app = TestApp::start_with(|c| c.auth_rate_per_min = 3).await;
    rapport_tests::early_in_a_minute().await;
    for _ in 0..3 {
        let r = app
            .login(&email("x"), "whatever password")
            .await
            .expect(401);
        assert!(r.header("ratelimit-remaining").is_some());
    }
    let limited = app
        .login(&email("x"), "whatever password")
        .await
        .expect(429);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    // Other routes are not counted.
    app.call(Method::GET, "/api/v1/templates", None, None)
        .await
        .expect(200);
    app.stop().await;
}
