use futures::{SinkExt, StreamExt};
use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ticket(app: &TestApp, s: &Session) -> String {
    app.get("/api/v1/ws/ticket", &s.access)
        .await
        .expect(200)
        .body["ticket"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn connect(app: &TestApp, s: &Session, after: Option<i64>) -> Ws {
    let t = ticket(app, s).await;
    let url = match after {
        Some(a) => app.ws_url(&format!("/api/v1/ws?ticket={t}&after={a}")),
        None => app.ws_url(&format!("/api/v1/ws?ticket={t}")),
    };
    tokio_tungstenite::connect_async(url)
        .await
        .expect("the WebSocket opens")
        .0
}

/// The next event, or None when nothing comes within `wait`.
pub async fn next_event(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        match msg {
            Message::Text(t) => {
                let e: Value = serde_json::from_str(t.as_str()).ok()?;
                if e["type"] != "stream.ready" {
                    return Some(e);
                }
            }
            Message::Ping(p) => {
                let _ = ws.send(Message::Pong(p)).await;
            }
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// Waits for `stream.ready` and answers the id it names.
async fn ready(ws: &mut Ws) -> i64 {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let e: Value = serde_json::from_str(t.as_str()).unwrap();
                if e["type"] == "stream.ready" {
                    return e["id"].as_i64().unwrap();
                }
            }
            Ok(Some(Ok(Message::Ping(p)))) => {
                let _ = ws.send(Message::Pong(p)).await;
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("expected stream.ready, got {other:?}"),
        }
    }
}

/// Reads events until one of `kind` arrives.
async fn wait_for(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let e = next_event(ws, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no {kind} event arrived"));
        if e["type"] == kind {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_clients_read_events_their_role_may_see() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "later@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    let all = app
        .get("/api/v1/events?after=0", &owner.access)
        .await
        .expect(200);
    let kinds: Vec<&str> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "workspace.created",
            "member.added",
            "invitation.created",
            "member.added",
            "invitation.accepted",
            "invitation.created"
        ]
    );
    let ids: Vec<i64> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(all.body["data"][1]["actor"]["kind"], "user");
    // A student sees no invitations and no one else's membership, but their own.
    let mine = app
        .get("/api/v1/events?after=0", &student.access)
        .await
        .expect(200);
    let kinds: Vec<&str> = mine.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["workspace.created", "member.added"]);
    assert_eq!(
        mine.body["data"][1]["data"]["user_id"],
        student.user_id.to_string()
    );
    let page = app
        .get("/api/v1/events?after=2&limit=2", &owner.access)
        .await
        .expect(200);
    assert_eq!(page.body["data"][0]["id"], 3);
    assert_eq!(page.body["next_cursor"], "4");
    app.get("/api/v1/events?after=-1", &owner.access)
        .await
        .expect(422);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_opens_one_socket_once() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let t = ticket(&app, &owner).await;
    let url = app.ws_url(&format!("/api/v1/ws?ticket={t}"));
    let (ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("first use");
    drop(ws);
    let again = tokio_tungstenite::connect_async(&url).await;
    match again {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
        other => panic!(
            "a reused ticket must be refused, got {:?}",
            other.map(|_| ())
        ),
    }
    let bogus = tokio_tungstenite::connect_async(app.ws_url("/api/v1/ws?ticket=bogus")).await;
    assert!(bogus.is_err());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events_stream_and_missed_ones_are_replayed_with_after() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let mut ws = connect(&app, &owner, None).await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "live@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    let live = wait_for(&mut ws, "invitation.created").await;
    assert_eq!(live["data"]["email"], "live@example.com");
    let last = live["id"].as_i64().unwrap();
    ws.close(None).await.ok();
    // While the client is away, two changes commit.
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "away1@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "away2@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    let mut ws = connect(&app, &owner, Some(last)).await;
    let a = next_event(&mut ws, Duration::from_secs(5))
        .await
        .expect("replayed");
    let b = next_event(&mut ws, Duration::from_secs(5))
        .await
        .expect("replayed");
    assert_eq!(
        (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap()),
        (last + 1, last + 2)
    );
    assert_eq!(a["data"]["email"], "away1@example.com");
    // And then it streams again, with nothing twice.
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "after@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    let c = next_event(&mut ws, Duration::from_secs(10))
        .await
        .expect("live again");
    assert_eq!(c["id"].as_i64().unwrap(), last + 3);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_a_socket_on_another() {
    let a = TestApp::start().await;
    let b = TestApp::on_database(a.db_url.clone(), |_| {}).await;
    let owner = a.register("support").await;
    let mut ws = connect(&b, &owner, None).await;
    a.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "across@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    let e = wait_for(&mut ws, "invitation.created").await;
    assert_eq!(e["data"]["email"], "across@example.com");
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_only_carry_what_the_role_may_see() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let customer = app.add_member(&owner, "member").await;
    let head = app
        .get("/api/v1/events?after=0&limit=200", &owner.access)
        .await
        .expect(200)
        .body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .max()
        .unwrap_or(0);
    let mut ws = connect(&app, &customer, Some(head)).await;
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "secret@example.com", "role": "staff"}),
    )
    .await
    .expect(201);
    app.patch(
        &format!("/api/v1/members/{}", customer.user_id),
        &owner.access,
        json!({"role": "staff"}),
    )
    .await
    .expect(200);
    // The customer's own change arrives; the invitation before it never does.
    // (The role change also closes the socket, 4403, so that it reconnects with
    // its new rights: the change then comes with the replay.)
    let e = match next_event(&mut ws, Duration::from_secs(10)).await {
        Some(e) => e,
        None => {
            let mut again = connect(&app, &customer, Some(head)).await;
            next_event(&mut again, Duration::from_secs(10))
                .await
                .expect("an event")
        }
    };
    assert_eq!(e["type"], "member.updated");
    assert_eq!(e["data"]["user_id"], customer.user_id.to_string());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_keep_up_is_disconnected() {
    const BURST: i64 = 300;
    let app = TestApp::start_with(|c| c.ws_queue = 2).await;
    let owner = app.register("support").await;
    let mut ws = connect(&app, &owner, None).await;
    // Caught up first, so that the burst comes through the queue, not the
    // replay (a replay that ran after the burst would send all of it).
    let mut last = ready(&mut ws).await;
    let hub = app.state().hub.clone();
    assert_eq!(hub.connections(), 1);
    // A burst of 60 MB commits at once, and the client reads none of it.
    // The socket's buffers and the session's outgoing channel fill long
    // before the burst is through, the session waits on them, and the
    // hub's queue of two overflows however the threads are scheduled.
    app.sql()
        .await
        .batch_execute(&format!(
            "INSERT INTO events (workspace_id, kind, actor_kind, data, permission)
               SELECT '{ws}', 'test.burst', 'system',
                      jsonb_build_object('pad', repeat('x', 200000)), 'events:read'
               FROM generate_series(1, {BURST})",
            ws = owner.workspace_id
        ))
        .await
        .unwrap();
    let dropped = tokio::time::timeout(Duration::from_secs(30), async {
        while hub.connections() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(dropped.is_ok(), "the hub never dropped the slow client");
    // What was queued before comes, then the close that says to resume.
    let mut got = 0;
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let e = serde_json::from_str::<Value>(t.as_str()).unwrap();
                if e["type"] != "stream.ready" {
                    got += 1;
                    last = e["id"].as_i64().unwrap();
                }
            }

            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            other => panic!("expected a close frame, got {other:?} after {got} events"),
        }
    };
    assert_eq!(close, Some(1013));
    assert!(got < BURST, "{got}");
    // It resumes where it stopped and gets the rest.
    let mut ws = connect(&app, &owner, Some(last)).await;
    let mut rest = 0;
    while next_event(&mut ws, Duration::from_secs(5)).await.is_some() {
        rest += 1;
    }

    assert_eq!(got + rest, BURST);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_closes_sockets_as_going_away() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let mut ws = connect(&app, &owner, None).await;
    let stopping = tokio::spawn(app.stop());
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, Some(1001));
    stopping.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_says_when_it_is_caught_up_and_from_which_id() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let mut ws = connect(&app, &owner, Some(0)).await;
    let mut ids = Vec::new();
    let ready = loop {
        let Some(Ok(Message::Text(t))) = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        else {
            continue;
        };
        let e: Value = serde_json::from_str(t.as_str()).unwrap();
        if e["type"] == "stream.ready" {
            break e;
        }
        ids.push(e["id"].as_i64().unwrap());
    };
    assert_eq!(ids, [1, 2], "the replay comes first");
    assert_eq!(ready["id"], 2, "then the id to resume from");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_at_once_are_numbered_once_each_without_gaps() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let creates = (0..24).map(|i| {
        let (app, owner) = (&app, &owner);
        async move {
            app.post(
                "/api/v1/people",
                Some(&owner.access),
                json!({"first_name": format!("P{i}")}),
            )
            .await
            .expect(201);
        }
    });
    // Readers at the same time: each numbers what has committed so far.
    let reads = (0..6).map(|_| {
        let (app, owner) = (&app, &owner);
        async move {
            app.get("/api/v1/events?after=0&limit=200", &owner.access)
                .await
                .expect(200);
        }
    });
    futures::join!(
        futures::future::join_all(creates),
        futures::future::join_all(reads)
    );
    let all = app
        .get("/api/v1/events?after=0&limit=200", &owner.access)
        .await
        .expect(200);
    let events = all.body["data"].as_array().unwrap();
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>(), "{ids:?}");
    let created = events
        .iter()
        .filter(|e| e["type"] == "person.created")
        .count();
    assert_eq!(created, 24);
    // And the audit chain holds each change once, unbroken.
    let verified = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200);
    assert_eq!(verified.body["ok"], true);
    assert!(verified.body["checked"].as_i64().unwrap() >= 24);
}
