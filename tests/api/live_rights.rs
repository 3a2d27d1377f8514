//! An open WebSocket keeps only the rights its caller still has: when a member
//! is removed or given another role, signs out everywhere or changes their
//! password, or an API key is revoked, their sockets close within seconds,
//! on every instance.

use super::events::{connect, ticket, Ws};
use futures::{SinkExt, StreamExt};
use rapport_tests::{Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Reads until the server closes the socket; the close code and reason.
async fn closed(ws: &mut Ws) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the socket is closed within 5 seconds");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string())
            }
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => {
                panic!("closed without a code")
            }
            Some(Ok(Message::Ping(p))) => {
                let _ = ws.send(Message::Pong(p)).await;
            }
            Some(Ok(_)) => {}
        }
    }
}

/// The socket stays open and quiet for a moment (only what the role may see).
async fn still_open(ws: &mut Ws) {
    match tokio::time::timeout(Duration::from_millis(2500), ws.next()).await {
        Err(_) => {}
        Ok(Some(Ok(Message::Text(t)))) => {
            assert!(t.contains("stream.ready"), "unexpected: {t}")
        }
        Ok(Some(Ok(Message::Ping(_)))) => {}
        Ok(other) => panic!("the socket should stay open: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_and_a_demoted_admin_are_cut_off() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let staff = app.add_member(&owner, "staff").await;
    let admin = app.add_member(&owner, "admin").await;
    let bystander = app.add_member(&owner, "manager").await;
    let mut staff_ws = connect(&app, &staff, None).await;
    let mut admin_ws = connect(&app, &admin, None).await;
    let mut other_ws = connect(&app, &bystander, None).await;
    app.delete(&format!("/api/v1/members/{}", staff.user_id), &owner.access)
        .await
        .expect(204);
    let (code, reason) = closed(&mut staff_ws).await;
    assert_eq!(code, 4403, "{reason}");
    app.patch(
        &format!("/api/v1/members/{}", admin.user_id),
        &owner.access,
        json!({"role": "staff"}),
    )
    .await
    .expect(200);
    let (code, reason) = closed(&mut admin_ws).await;
    assert_eq!(code, 4403);
    assert!(reason.contains("role changed"), "{reason}");
    // Reconnected, the demoted admin no longer hears of invitations.
    let mut again = connect(&app, &admin, None).await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "secret-hire@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    still_open(&mut again).await;
    // Nobody else was disturbed.
    let mut got = false;
    while let Ok(Some(Ok(m))) =
        tokio::time::timeout(Duration::from_millis(500), other_ws.next()).await
    {
        if let Message::Close(_) = m {
            panic!("the bystander's socket was closed");
        }
        got = true;
    }
    assert!(got, "the bystander's socket still streams");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_or_a_new_password_closes_sockets() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let login = || app.sign_in(&owner.email);
    let phone = login().await;
    let mut ws = connect(&app, &phone, None).await;
    let laptop = login().await;
    app.post("/api/v1/auth/logout-all", Some(&laptop.access), json!({}))
        .await
        .expect(204);
    assert_eq!(closed(&mut ws).await.0, 4401);

    let phone = login().await;
    let mut ws = connect(&app, &phone, None).await;
    let laptop = login().await;
    let mut own = connect(&app, &laptop, None).await;
    app.call(
        Method::PUT,
        "/api/v1/me/password",
        Some(&laptop.access),
        Some(json!({"current_password": PASSWORD, "new_password": "a fresh password here"})),
    )
    .await
    .expect(200);
    assert_eq!(closed(&mut ws).await.0, 4401);
    assert_eq!(closed(&mut own).await.0, 4401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_api_key_loses_its_socket() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "listener", "scopes": ["events:read", "members:read"]}),
        )
        .await
        .expect(201);
    let as_key = Session {
        access: key.body["key"].as_str().unwrap().to_string(),
        ..owner.clone()
    };
    let t = ticket(&app, &as_key).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(app.ws_url(&format!("/api/v1/ws?ticket={t}")))
            .await
            .unwrap();
    app.delete(
        &format!("/api/v1/api-keys/{}", key.body["id"].as_str().unwrap()),
        &owner.access,
    )
    .await
    .expect(204);
    assert_eq!(closed(&mut ws).await.0, 4401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_closes_a_socket_on_another() {
    let a = TestApp::start().await;
    let b = TestApp::on_database(a.db_url.clone(), |_| {}).await;
    let owner = a.register("support").await;
    let staff = a.add_member(&owner, "staff").await;
    let mut ws = connect(&b, &staff, None).await;
    a.delete(&format!("/api/v1/members/{}", staff.user_id), &owner.access)
        .await
        .expect(204);
    assert_eq!(closed(&mut ws).await.0, 4403);
    b.stop().await;
    a.stop().await;
}

/// Switching a module on or off changes what a workspace's sockets may hear:
/// each is closed with 4403 and reconnects with the new set; another
/// workspace's sockets are untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_a_module_closes_the_workspaces_sockets() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let other = app.register("school").await;
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "Feed", "scopes": ["events:read"]}),
        )
        .await
        .expect(201);
    let key = Session {
        access: key.body["key"].as_str().unwrap().to_string(),
        ..owner.clone()
    };
    let mut user_ws = connect(&app, &owner, None).await;
    let mut key_ws = connect(&app, &key, None).await;
    let mut other_ws = connect(&app, &other, None).await;
    let sql = app.sql().await;
    let changed = sql
        .execute(
            "UPDATE workspaces SET modules = modules[2:] WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    assert_eq!(changed, 1);
    for ws in [&mut user_ws, &mut key_ws] {
        let (code, reason) = closed(ws).await;
        assert_eq!(code, 4403, "{reason}");
        assert!(reason.contains("modules changed"), "{reason}");
    }
    still_open(&mut other_ws).await;
    // Reconnected, the socket stays open with the new set.
    let mut again = connect(&app, &owner, None).await;
    still_open(&mut again).await;
    app.stop().await;
}
