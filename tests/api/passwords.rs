//! Every route that checks a password goes through one check: the same
//! per-address limit, the same lockout, the same answer whether or not an
//! address has an account, and a bounded number of hashes at once.

use rapport_tests::{email, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_an_invitation_is_no_password_oracle() {
    let app = TestApp::start().await;
    let victim = app.register("school").await;
    let attacker = app.register("sales").await;
    let token = app.invite(&attacker, &victim.email, "staff").await;
    let accept = |password: &str| {
        let (app, path, body) = (
            &app,
            format!("/api/v1/invitations/{token}/accept"),
            json!({ "password": password }),
        );
        async move { app.post(&path, None, body).await }
    };
    // Guesses count toward the lockout of the address, as failed sign-ins do ...
    for i in 0..4 {
        let r = accept(&format!("guess number {i} is wrong"))
            .await
            .expect(401);
        assert!(r.body["detail"]
            .as_str()
            .unwrap()
            .contains("password is wrong"));
    }
    let locked = accept("guess number 5 is wrong").await.expect(429);
    assert!(locked.header("retry-after").is_some());
    // ... and the lock holds everywhere: even the right password waits.
    accept(PASSWORD).await.expect(429);
    app.login(&victim.email, PASSWORD).await.expect(429);
    // An address without an account answers exactly as a wrong password.
    let ghost = email("ghost");
    let token = app.invite(&attacker, &ghost, "staff").await;
    let r = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"password": "guess number 1 is wrong"}),
        )
        .await
        .expect(401);
    let known = app.register("support").await;
    let wrong = app
        .post(
            &format!(
                "/api/v1/invitations/{}/accept",
                app.invite(&attacker, &known.email, "staff").await
            ),
            None,
            json!({"password": "a password of some length"}),
        )
        .await
        .expect(401);
    assert_eq!(r.body, wrong.body);
    // With a name, the new address gets its account.
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        None,
        json!({"name": "Gus Ghost", "password": "a password of some length"}),
    )
    .await
    .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_invited_address_can_take_an_invitation() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let someone = app.register("sales").await;
    let token = app.invite(&owner, &email("meant-for"), "staff").await;
    let r = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            Some(&someone.access),
            json!({}),
        )
        .await
        .expect(403);
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("another address"));
    let members: i64 = app
        .count(&format!(
            "SELECT count(*) FROM memberships WHERE workspace_id = '{}'",
            owner.workspace_id
        ))
        .await;
    assert_eq!(members, 1);
    // The invited person, signed in, can.
    let invited = app.register("school").await;
    let token = app.invite(&owner, &invited.email, "staff").await;
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        Some(&invited.access),
        json!({}),
    )
    .await
    .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lockout_answers_the_same_for_unknown_addresses_and_a_reset_lifts_it() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let ghost = email("nobody");
    let mut last = (None, None);
    for address in [&owner.email, &ghost] {
        for _ in 0..4 {
            app.login(address, "not the password at all")
                .await
                .expect(401);
        }
        let r = app
            .login(address, "not the password at all")
            .await
            .expect(429);
        match &last {
            (None, None) => {
                last = (
                    Some(r.body.clone()),
                    r.header("retry-after").map(str::to_string),
                )
            }
            (Some(body), Some(_)) => {
                assert_eq!(
                    &r.body, body,
                    "a locked unknown address looks like a locked account"
                );
                assert!(r.header("retry-after").is_some());
            }
            _ => unreachable!(),
        }
    }
    // The owner of the locked account resets the password and signs in at once.
    app.login(&owner.email, PASSWORD).await.expect(429);
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": owner.email}),
    )
    .await
    .expect(202);
    let token = super::sessions::reset_token(&app, &owner.email).await;
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "after the lock a new one"}),
    )
    .await
    .expect(200);
    app.login(&owner.email, "after the lock a new one")
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_current_passwords_count_toward_the_lockout() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let change = |current: &str| {
        app.call(
            Method::PUT,
            "/api/v1/me/password",
            Some(&owner.access),
            Some(json!({"current_password": current, "new_password": "something entirely new"})),
        )
    };
    for _ in 0..4 {
        change("not my password").await.expect(422);
    }
    change("not my password").await.expect(429);
    change(PASSWORD).await.expect(429);
    app.login(&owner.email, PASSWORD).await.expect(429);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_are_limited_per_address_across_routes() {
    // Windows are fixed minutes: with 3 a minute, the eight checks below
    // break the limit even when a minute ends halfway through them.
    let app = TestApp::start_with(|c| c.auth_rate_per_min = 3).await;
    let owner = app.register("school").await;
    rapport_tests::early_in_a_minute().await;
    let mut changes = Vec::new();
    for i in 0..4 {
        app.login(&email(&format!("a{i}")), "wrong password!").await;
        changes.push(
            app.call(
                Method::PUT,
                "/api/v1/me/password",
                Some(&owner.access),
                Some(json!({"current_password": format!("wrong {i} password"), "new_password": "something entirely new"})),
            )
            .await
            .status,
        );
    }
    // Four sign-ins and four password changes from one address: the changes,
    // which are not under /auth, are held by the same per-address limit.
    assert!(changes.contains(&429), "{changes:?}");
    assert!(
        changes.iter().all(|s| [422, 429].contains(s)),
        "{changes:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_password_checks_at_once_wait_then_answer_503() {
    let app = TestApp::start_with(|c| {
        c.hash_slots = 1;
        c.hash_wait_ms = 1;
    })
    .await;
    let answers = futures::future::join_all((0..12).map(|i| {
        let (app, who) = (&app, email(&format!("busy{i}")));
        async move { app.login(&who, "some wrong password").await }
    }))
    .await;
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "with one slot, 12 checks at once cannot all run"
    );
    for r in &busy {
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.body["code"], "busy");
    }
    assert!(answers.iter().all(|r| [401, 503].contains(&r.status)));
    assert_eq!(app.state().hashing.peak(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_made_at_once_all_count_toward_the_lockout() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let guesses = futures::future::join_all((0..20).map(|i| {
        let (app, who) = (&app, owner.email.clone());
        async move { app.login(&who, &format!("parallel guess {i}")).await }
    }))
    .await;
    let wrong = guesses.iter().filter(|r| r.status == 401).count();
    let locked = guesses.iter().filter(|r| r.status == 429).count();
    assert_eq!(wrong + locked, 20);
    assert!(
        wrong <= 4,
        "{wrong} guesses were checked; the lock allows 5 attempts"
    );
    app.login(&owner.email, PASSWORD).await.expect(429);
    app.stop().await;
}
