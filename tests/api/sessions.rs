//! Ending a session ends every token of it at once: access tokens too, not
//! only refresh tokens, and a workspace switch does not start a new session.

use rapport_tests::{Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;

async fn refresh(app: &TestApp, token: &str) -> rapport_tests::Resp {
    app.refresh(token).await
}

/// Every access token and refresh token given is refused.
async fn all_ended(app: &TestApp, sessions: &[&Session]) {
    for s in sessions {
        let me = app.get("/api/v1/me", &s.access).await.expect(401);
        assert!(me.body["detail"]
            .as_str()
            .unwrap()
            .contains("session has ended"));
        refresh(app, &s.refresh).await.expect(401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_ends_every_access_token_at_once() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let laptop = app.sign_in(&owner.email).await;
    let phone = app.sign_in(&owner.email).await;
    app.get("/api/v1/me", &phone.access).await.expect(200);
    app.post("/api/v1/auth/logout-all", Some(&laptop.access), json!({}))
        .await
        .expect(204);
    // Within the same second, on every route.
    all_ended(&app, &[&owner, &laptop, &phone]).await;
    app.get("/api/v1/members", &phone.access).await.expect(401);
    app.get("/api/v1/ws/ticket", &phone.access)
        .await
        .expect(401);
    // An ended session cannot switch itself back to life.
    app.post(
        "/api/v1/auth/switch",
        Some(&phone.access),
        json!({"workspace_id": owner.workspace_id, "refresh_token": phone.refresh}),
    )
    .await
    .expect(401);
    app.sign_in(&owner.email).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_ends_every_access_and_refresh_token() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let other = app.sign_in(&owner.email).await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": owner.email}),
    )
    .await
    .expect(202);
    let token = reset_token(&app, &owner.email).await;
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "a new password after the reset"}),
    )
    .await
    .expect(200);
    all_ended(&app, &[&owner, &other]).await;
    app.login(&owner.email, "a new password after the reset")
        .await
        .expect(200);
    app.stop().await;
}

/// The newest reset token mailed to `to`, read from the outgoing mail.
pub async fn reset_token(app: &TestApp, to: &str) -> String {
    let body: String = app
        .sql()
        .await
        .query_one(
            "SELECT body FROM mail_messages WHERE to_address = $1 AND subject LIKE 'Reset%'
             ORDER BY created_at DESC, id DESC LIMIT 1",
            &[&to],
        )
        .await
        .unwrap()
        .get(0);
    body.split("reset token: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_workspace_keeps_the_session_so_signing_out_ends_it() {
    // No grace for a lost answer here: any reuse is a reuse.
    let app = TestApp::start_with(|c| c.refresh_reuse_grace_secs = 0).await;
    let a = app.register("sales").await;
    let b = app.register("support").await;
    app.join(&b, &a, "staff").await;
    let s = app.sign_in(&a.email).await;
    let switched = app.switch(&s, b.workspace_id).await;
    assert_eq!(switched.workspace_id, b.workspace_id);
    // The refresh token from before the switch is spent: presenting it is a
    // reuse, which ends the session, the switched tokens with it.
    refresh(&app, &s.refresh).await.expect(401);
    all_ended(&app, &[&s, &switched]).await;

    // Signing out in the other workspace ends the tokens of the first one.
    let s = app.sign_in(&a.email).await;
    let switched = app.switch(&s, b.workspace_id).await;
    app.call(
        Method::POST,
        "/api/v1/auth/logout",
        Some(&switched.access),
        None,
    )
    .await
    .expect(204);
    all_ended(&app, &[&s, &switched]).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresh_grace_is_once_then_reuse_ends_the_session() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    // The answer of a rotation is lost: the old token is honoured once more ...
    refresh(&app, &owner.refresh).await.expect(200);
    let second = refresh(&app, &owner.refresh).await.expect(200);
    let second = second.body["refresh_token"].as_str().unwrap().to_string();
    // ... but not a third time: that is a reuse, and the session ends.
    refresh(&app, &owner.refresh).await.expect(401);
    refresh(&app, &second).await.expect(401);
    app.get("/api/v1/me", &owner.access).await.expect(401);
    // Five presentations at once within the grace: one rotation, one grace at most.
    let s = app.sign_in(&owner.email).await;
    let answers = futures::future::join_all((0..5).map(|_| refresh(&app, &s.refresh))).await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    assert!(ok <= 2, "{ok} of 5 concurrent presentations were honoured");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_reset_links_stop_working() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let ask = || {
        app.post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": owner.email}),
        )
    };
    ask().await.expect(202);
    let first = reset_token(&app, &owner.email).await;
    ask().await.expect(202);
    let second = reset_token(&app, &owner.email).await;
    assert_ne!(first, second);
    let confirm = |token: String| {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another good password"}),
        )
    };
    // A newer reset voids the older link.
    confirm(first).await.expect(422);
    // A password change voids a pending link.
    ask().await.expect(202);
    let third = reset_token(&app, &owner.email).await;
    let s = app.sign_in(&owner.email).await;
    app.call(
        Method::PUT,
        "/api/v1/me/password",
        Some(&s.access),
        Some(json!({"current_password": PASSWORD, "new_password": "changed by its owner"})),
    )
    .await
    .expect(200);
    confirm(second).await.expect(422);
    confirm(third).await.expect(422);
    app.login(&owner.email, "changed by its owner")
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_alone_cannot_mint_a_refresh_token() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let stolen = app.sign_in(&owner.email).await;
    let other = app.sign_in(&owner.email).await;
    let switch = |refresh: Option<&str>| {
        let body = match refresh {
            Some(r) => json!({"workspace_id": owner.workspace_id, "refresh_token": r}),
            None => json!({"workspace_id": owner.workspace_id}),
        };
        let (app, access) = (&app, stolen.access.clone());
        async move { app.post("/api/v1/auth/switch", Some(&access), body).await }
    };
    // No refresh token: nothing to rotate.
    switch(None).await.expect(422);
    // Another session's refresh token is not this session's, and is not spent.
    switch(Some(&other.refresh)).await.expect(401);
    refresh(&app, &other.refresh).await.expect(200);
    // Its own works, once.
    switch(Some(&stolen.refresh)).await.expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_racing_a_sign_out_everywhere_leaves_nothing_alive() {
    let app = TestApp::start_with(|c| c.refresh_reuse_grace_secs = 0).await;
    let owner = app.register("school").await;
    for _ in 0..15 {
        let a = app.sign_in(&owner.email).await;
        let b = app.sign_in(&owner.email).await;
        let (rotated, out) = tokio::join!(
            refresh(&app, &a.refresh),
            app.post("/api/v1/auth/logout-all", Some(&b.access), json!({}))
        );
        out.expect(204);
        // Whichever ran first, no token of the user works afterwards.
        all_ended(&app, &[&a, &b]).await;
        if rotated.status == 200 {
            let next = Session::from_tokens(&rotated.body, &owner.email);
            all_ended(&app, &[&next]).await;
        }
    }
    app.stop().await;
}
