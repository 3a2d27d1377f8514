//! Sessions: scheduled, moved, marked and cancelled, each change audited; a
//! host never booked twice at once, whatever the path and however many ask
//! at once; workspaces, roles and key scopes kept apart.

use rapport_domain::api::{
    ApiKeyCreated, AttendanceStatus, AttendanceView, Page, PersonView, SessionStatus, SessionView,
};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

/// 7 December 2026 at `hh:mm` UTC.
fn at(hm: &str) -> String {
    format!("2026-12-07T{hm}:00Z")
}

fn session(host: Uuid, from: &str, to: &str) -> Value {
    json!({"kind": "tutoring", "title": "Maths", "host_id": host, "starts_at": at(from), "ends_at": at(to)})
}

async fn person(app: &TestApp, by: &Session, body: Value) -> PersonView {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn schedule(app: &TestApp, by: &Session, body: Value) -> SessionView {
    app.post("/api/v1/sessions", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn busy(app: &TestApp, by: &Session, body: Value) {
    let res = app.post("/api/v1/sessions", Some(&by.access), body).await;
    assert_eq!(res.status, 409, "{:?}", res.body);
    assert_eq!(res.body["code"], "host_busy");
}

/// A change at `version`: its status and body.
async fn patch(app: &TestApp, by: &Session, id: Uuid, version: i32, body: Value) -> (u16, Value) {
    let etag = format!("\"{version}\"");
    let res = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/sessions/{id}"),
            Some(&by.access),
            Some(body),
            &[("if-match", etag.as_str())],
        )
        .await;
    (res.status, res.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_scheduled_moved_marked_and_cancelled_and_every_change_is_audited() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    // A tutor is a user of the workspace, who sees the sessions they hold.
    let tutor = app.add_member(&owner, "member").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;

    let mut body = session(tutor.user_id, "15:00", "16:00");
    body["participant_ids"] = json!([ada.id, bob.id, ada.id]);
    body["fee"] = json!({"amount_minor": 4000, "currency": "EUR"});
    body["online_url"] = json!("https://meet.example/maths");
    let res = app
        .post("/api/v1/sessions", Some(&owner.access), body)
        .await
        .expect(201);
    assert_eq!(res.header("etag"), Some("\"1\""));
    let s: SessionView = res.read();
    assert_eq!(s.host_id, Some(tutor.user_id));
    assert_eq!(s.participant_ids, [ada.id, bob.id], "each once, in order");
    assert_eq!(s.status, SessionStatus::Scheduled);
    assert_eq!(s.fee.as_ref().map(|f| f.amount_minor), Some(4000));
    let read: SessionView = app
        .get(&format!("/api/v1/sessions/{}", s.id), &tutor.access)
        .await
        .expect(200)
        .read();
    assert_eq!(read, s);

    // The calendar's range: sessions that overlap it.
    for (from, to, n) in [
        ("14:00", "15:00", 0),
        ("14:00", "15:01", 1),
        ("15:59", "18:00", 1),
        ("16:00", "18:00", 0),
    ] {
        let page: Page<SessionView> = app
            .get(
                &format!("/api/v1/sessions?from={}&to={}", at(from), at(to)),
                &owner.access,
            )
            .await
            .expect(200)
            .read();
        assert_eq!(page.data.len(), n, "{from}..{to}");
    }
    let of_bob: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?person_id={}", bob.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(of_bob.data.len(), 1);

    // A stale version changes nothing; the right one moves it and changes
    // who it is for.
    let (status, _) = patch(&app, &owner, s.id, 7, json!({"title": "Algebra"})).await;
    assert_eq!(status, 412);
    let (status, moved) = patch(
        &app,
        &owner,
        s.id,
        1,
        json!({"starts_at": at("17:00"), "ends_at": at("18:00"), "participant_ids": [bob.id], "fee": null}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    let moved: SessionView = serde_json::from_value(moved).unwrap();
    assert_eq!(
        (moved.version, moved.participant_ids.clone()),
        (2, vec![bob.id])
    );
    assert_eq!(moved.fee, None);
    // What the workspace holds of Bob includes the sessions he takes part in.
    let data: Value = app
        .get(
            &format!("/api/v1/people/{}/personal-data", bob.id),
            &owner.access,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        data["held"]["sessions"]["sessions"][0]["session_id"],
        json!(s.id),
        "{data}"
    );
    let data: Value = app
        .get(
            &format!("/api/v1/people/{}/personal-data", ada.id),
            &owner.access,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        data["held"]["sessions"]["sessions"],
        json!([]),
        "no longer hers: {data}"
    );
    // Only one end moved must still end after it starts.
    let (status, bad) = patch(&app, &owner, s.id, 2, json!({"ends_at": at("16:30")})).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "ends_at");
    // A session to come is not marked completed.
    let (status, bad) = patch(&app, &owner, s.id, 2, json!({"status": "completed"})).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "status");

    // Cancelled with a reason: it stays, marked, and changes no more.
    let res = app
        .post(
            &format!("/api/v1/sessions/{}/cancel", s.id),
            Some(&owner.access),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(res.status, 422, "a reason is required");
    let cancelled: SessionView = app
        .post(
            &format!("/api/v1/sessions/{}/cancel", s.id),
            Some(&owner.access),
            json!({"reason": "The tutor is ill"}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(cancelled.status, SessionStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("The tutor is ill"));
    let again = app
        .post(
            &format!("/api/v1/sessions/{}/cancel", s.id),
            Some(&owner.access),
            json!({"reason": "twice"}),
        )
        .await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (409, Some("cancelled"))
    );
    let (status, body) = patch(&app, &owner, s.id, 3, json!({"title": "Algebra"})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("cancelled")));

    // A session that has begun is marked.
    let past = schedule(
        &app,
        &owner,
        json!({"title": "Done", "host_id": tutor.user_id, "starts_at": "2026-01-05T10:00:00Z", "ends_at": "2026-01-05T11:00:00Z"}),
    )
    .await;
    let (status, done) = patch(&app, &owner, past.id, 1, json!({"status": "completed"})).await;
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("completed")),
        "{done}"
    );

    let audit: Value = app
        .get("/api/v1/audit?limit=50", &owner.access)
        .await
        .expect(200)
        .body;
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_type"] == "session")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "session.updated",
            "session.created",
            "session.cancelled",
            "session.updated",
            "session.created"
        ]
    );
    let moved_entry = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "session.updated" && e["record_id"] == json!(s.id))
        .unwrap();
    assert_eq!(
        moved_entry["changes"]["participant_ids"]["after"],
        json!([bob.id]),
        "who it is for is part of the change: {moved_entry}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_is_never_booked_twice_at_once_buffers_included_and_cancelling_frees_the_time() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let tutor = app.add_member(&owner, "member").await;
    let other = app.add_member(&owner, "member").await;
    let h = tutor.user_id;

    let nine = schedule(&app, &owner, session(h, "09:00", "10:00")).await;
    busy(&app, &owner, session(h, "09:30", "10:30")).await;
    busy(&app, &owner, session(h, "08:00", "12:00")).await;
    // Back to back is free: a session's end is not the next one's start.
    let ten = schedule(&app, &owner, session(h, "10:00", "11:00")).await;
    // Buffers hold time too: ten minutes before 11:05 reach into 10:00-11:00.
    let mut buffered = session(h, "11:05", "12:00");
    buffered["buffer_before_min"] = json!(10);
    busy(&app, &owner, buffered.clone()).await;
    buffered["buffer_before_min"] = json!(5);
    let eleven = schedule(&app, &owner, buffered).await;
    // Another host is free then.
    schedule(&app, &owner, session(other.user_id, "09:30", "10:30")).await;

    // Moving a session or giving it to a busy host is refused the same way.
    let (status, body) = patch(&app, &owner, ten.id, 1, json!({"starts_at": at("09:30")})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("host_busy")),
        "{body}"
    );
    let (status, body) = patch(&app, &owner, nine.id, 1, json!({"host_id": other.user_id})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("host_busy")),
        "{body}"
    );
    let (status, body) = patch(&app, &owner, eleven.id, 1, json!({"buffer_before_min": 30})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("host_busy")),
        "{body}"
    );
    // Nothing of the refused changes was kept.
    let kept: SessionView = app
        .get(&format!("/api/v1/sessions/{}", ten.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!((kept.starts_at, kept.version), (ten.starts_at, 1));

    // Cancelling frees the time.
    app.post(
        &format!("/api/v1/sessions/{}/cancel", nine.id),
        Some(&owner.access),
        json!({"reason": "moved"}),
    )
    .await
    .expect(200);
    schedule(&app, &owner, session(h, "09:00", "10:00")).await;

    // The database holds the rule, whatever writes the row.
    let err = app
        .sql()
        .await
        .execute(
            "UPDATE sessions SET starts_at = starts_at - interval '30 minutes' WHERE id = $1",
            &[&ten.id],
        )
        .await
        .expect_err("an overlap written by hand is refused too");
    assert!(format!("{err:?}").contains("sessions_host_free"), "{err:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_requests_for_one_time_at_once_schedule_exactly_one() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let host = app.add_member(&owner, "staff").await;
    let asks = (0..50).map(|n| {
        let app = &app;
        let owner = &owner;
        // Each asks for an hour that overlaps every other's.
        let body = json!({
            "kind": "consultation", "title": format!("Ask {n}"), "host_id": host.user_id,
            "starts_at": format!("2026-12-08T10:{:02}:00Z", n % 30),
            "ends_at": "2026-12-08T11:00:00Z",
        });
        async move {
            app.post("/api/v1/sessions", Some(&owner.access), body)
                .await
        }
    });
    let answers = futures::future::join_all(asks).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    assert!(answers
        .iter()
        .filter(|r| r.status == 409)
        .all(|r| r.body["code"] == "host_busy"));
    let held = app
        .count("SELECT count(*) FROM sessions WHERE status <> 'cancelled'")
        .await;
    assert_eq!(held, 1);

    // The same request twice with one Idempotency-Key schedules it once.
    let body = json!({"title": "Once", "starts_at": "2026-12-09T10:00:00Z", "ends_at": "2026-12-09T11:00:00Z"});
    let mut ids = vec![];
    for _ in 0..2 {
        let res = app
            .call_with(
                Method::POST,
                "/api/v1/sessions",
                Some(&owner.access),
                Some(body.clone()),
                &[("idempotency-key", "book-once-1")],
            )
            .await
            .expect(201);
        ids.push(res.body["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE title = 'Once'")
            .await,
        1,
        "held by the caller, its host when left out"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_other_workspaces_lower_roles_and_key_scopes_change_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    let theirs = person(&app, &stranger, json!({"first_name": "Theirs"})).await;
    let me = person(
        &app,
        &owner,
        json!({"first_name": "Stu", "user_id": student.user_id}),
    )
    .await;
    let other_pupil = person(&app, &owner, json!({"first_name": "Other"})).await;
    let h = teacher.user_id;

    for (bad, field) in [
        (session(h, "10:00", "09:00"), "ends_at"),
        (
            json!({"title": "Long", "host_id": h, "starts_at": "2026-12-07T10:00:00Z", "ends_at": "2026-12-08T10:00:01Z"}),
            "ends_at",
        ),
        (session(Uuid::now_v7(), "10:00", "11:00"), "host_id"),
        (session(stranger.user_id, "10:00", "11:00"), "host_id"),
        (
            json!({"title": "x", "host_id": h, "starts_at": at("10:00"), "ends_at": at("11:00"), "participant_ids": [me.id, theirs.id]}),
            "participant_ids.1",
        ),
        (
            json!({"title": "x", "host_id": h, "starts_at": at("10:00"), "ends_at": at("11:00"), "fee": {"amount_minor": 10, "currency": "euro"}}),
            "fee.currency",
        ),
        (
            json!({"title": "", "host_id": h, "starts_at": at("10:00"), "ends_at": at("11:00")}),
            "title",
        ),
        (
            json!({"title": "x", "host_id": h, "starts_at": at("10:00"), "ends_at": at("11:00"), "kind": "party"}),
            "",
        ),
        (
            json!({"title": "x", "host_id": h, "starts_at": at("10:00"), "ends_at": at("11:00"), "room": 1}),
            "",
        ),
    ] {
        let res = app
            .post("/api/v1/sessions", Some(&owner.access), bad.clone())
            .await;
        assert!(
            matches!(res.status, 400 | 422),
            "{bad}: {} {:?}",
            res.status,
            res.body
        );
        if !field.is_empty() {
            assert_eq!(
                res.body["errors"][0]["field"], field,
                "{bad}: {:?}",
                res.body
            );
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 0);

    let mut body = session(h, "10:00", "11:00");
    body["participant_ids"] = json!([me.id]);
    let lesson = schedule(&app, &owner, body).await;
    let mut body = session(h, "12:00", "13:00");
    body["participant_ids"] = json!([other_pupil.id]);
    let others = schedule(&app, &owner, body).await;

    // Another workspace's session is absent to every route.
    let path = format!("/api/v1/sessions/{}", lesson.id);
    assert_eq!(app.get(&path, &stranger.access).await.status, 404);
    let (status, _) = patch(&app, &stranger, lesson.id, 1, json!({"title": "Mine"})).await;
    assert_eq!(status, 404);
    let res = app
        .post(
            &format!("{path}/cancel"),
            Some(&stranger.access),
            json!({"reason": "no"}),
        )
        .await;
    assert_eq!(res.status, 404);
    let listed: Page<SessionView> = app
        .get("/api/v1/sessions", &stranger.access)
        .await
        .expect(200)
        .read();
    assert!(listed.data.is_empty());

    // A student sees their own lessons only, and schedules nothing.
    let mine: Page<SessionView> = app
        .get("/api/v1/sessions", &student.access)
        .await
        .expect(200)
        .read();
    let ids: Vec<Uuid> = mine.data.iter().map(|s| s.id).collect();
    assert_eq!(ids, [lesson.id]);
    assert_eq!(
        app.get(&format!("/api/v1/sessions/{}", others.id), &student.access)
            .await
            .status,
        404
    );
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&student.access),
            session(h, "14:00", "15:00"),
        )
        .await;
    assert_eq!(res.status, 403);
    let (status, _) = patch(&app, &student, lesson.id, 1, json!({"title": "Mine"})).await;
    assert_eq!(status, 403);
    // Nor hears of the others' lessons on the live events; staff do.
    let heard = |by: &Session| {
        let (app, token) = (&app, by.access.clone());
        async move {
            let page: Value = app
                .get("/api/v1/events?after=0&limit=200", &token)
                .await
                .expect(200)
                .body;
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["type"] == "session.created")
                .count()
        }
    };
    assert_eq!(heard(&student).await, 0);
    assert_eq!(heard(&teacher).await, 2);
    // The teacher sees the lessons they hold.
    let held: Page<SessionView> = app
        .get(&format!("/api/v1/sessions?host_id={h}"), &teacher.access)
        .await
        .expect(200)
        .read();
    assert_eq!(held.data.len(), 2);

    // A key that may only read sessions reads them and schedules nothing.
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "calendar", "scopes": ["sessions:read"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    app.get("/api/v1/sessions", &key.key).await.expect(200);
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&key.key),
            session(h, "14:00", "15:00"),
        )
        .await;
    assert_eq!(res.status, 403);
    // A key names the host: it is nobody itself.
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "booking", "scopes": ["sessions:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&key.key),
            json!({"title": "x", "starts_at": at("14:00"), "ends_at": at("15:00")}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("host_id"))
    );

    // Bad filters are refused.
    for q in [
        "from=yesterday",
        "status=maybe",
        &format!("from={}&to={}", at("12:00"), at("11:00")),
        "sort=title",
    ] {
        let res = app
            .get(&format!("/api/v1/sessions?{q}"), &owner.access)
            .await;
        assert_eq!(res.status, 422, "{q}");
    }

    // A sales team has no scheduling yet.
    let sales = app.register("sales").await;
    let res = app.get("/api/v1/sessions", &sales.access).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );
    app.stop().await;
}

/// A register: taken at once, saved again to no effect, corrected, kept to
/// the session's participants; a student sees their own line; in tutoring a
/// user records their own attendance and nobody else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_is_taken_at_once_corrected_and_kept_to_its_participants() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    let me = person(
        &app,
        &owner,
        json!({"first_name": "Stu", "user_id": student.user_id}),
    )
    .await;
    let other = person(&app, &owner, json!({"first_name": "Other"})).await;
    let outsider = person(&app, &owner, json!({"first_name": "Not in it"})).await;
    let lesson = schedule(
        &app,
        &owner,
        json!({"kind": "lesson", "title": "Python", "host_id": teacher.user_id,
               "starts_at": "2026-01-05T16:00:00Z", "ends_at": "2026-01-05T17:00:00Z",
               "participant_ids": [me.id, other.id]}),
    )
    .await;
    let path = format!("/api/v1/sessions/{}/attendance", lesson.id);
    let put = |by: &Session, body: Value| {
        let (app, path, token) = (&app, path.clone(), by.access.clone());
        async move { app.call(Method::PUT, &path, Some(&token), Some(body)).await }
    };

    let blank: Vec<AttendanceView> = app.get(&path, &teacher.access).await.expect(200).read();
    assert_eq!(blank.len(), 2);
    assert!(blank.iter().all(|a| a.status.is_none() && a.version == 0));

    // Saved ten times at once: recorded once each.
    let register = json!({"records": [
        {"person_id": me.id, "status": "present"},
        {"person_id": other.id, "status": "absent"},
    ]});
    let saves = (0..10).map(|_| put(&teacher, register.clone()));
    for res in futures::future::join_all(saves).await {
        assert_eq!(res.status, 200, "{:?}", res.body);
    }
    let taken: Vec<AttendanceView> = app.get(&path, &teacher.access).await.expect(200).read();
    let lines: Vec<(Uuid, Option<AttendanceStatus>, i32)> = taken
        .iter()
        .map(|a| (a.person_id, a.status, a.version))
        .collect();
    assert_eq!(
        lines,
        [
            (me.id, Some(AttendanceStatus::Present), 1),
            (other.id, Some(AttendanceStatus::Absent), 1)
        ]
    );
    assert_eq!(taken[0].recorded_by, Some(teacher.user_id));
    // Corrected: one more version, audited as a change.
    let res = put(
        &teacher,
        json!({"records": [{"person_id": other.id, "status": "excused", "note": "Doctor"}]}),
    )
    .await
    .expect(200);
    assert_eq!(res.body[1]["status"], "excused");
    assert_eq!(res.body[1]["note"], "Doctor");
    assert_eq!(res.body[1]["version"], 2);
    app.settle(owner.workspace_id).await;
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE record_type = 'attendance'")
        .await;
    assert_eq!(audited, 3, "two taken, one corrected");

    // Erasing the person clears the note, in the register and in the
    // audit trail; whether they came stays, and the chain still verifies.
    let secret = "Doctor";
    app.post(
        &format!("/api/v1/people/{}/erase", other.id),
        Some(&owner.access),
        json!({}),
    )
    .await
    .expect(200);
    let after: Vec<AttendanceView> = app.get(&path, &teacher.access).await.expect(200).read();
    assert_eq!(
        (after[1].status, after[1].note.as_deref()),
        (Some(AttendanceStatus::Excused), None)
    );
    app.settle(owner.workspace_id).await;
    let kept = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE changes::text LIKE '%{secret}%'"
        ))
        .await;
    assert_eq!(kept, 0, "the note is gone from the audit trail");
    let verify: Value = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(verify["ok"], true, "{verify}");

    // Only the session's participants, each once, and something to record.
    for (bad, field) in [
        (
            json!({"records": [{"person_id": outsider.id, "status": "present"}]}),
            "records.0.person_id",
        ),
        (
            json!({"records": [{"person_id": me.id, "status": "present"}, {"person_id": me.id, "status": "late"}]}),
            "records.1.person_id",
        ),
        (json!({"records": []}), "records"),
    ] {
        let res = put(&teacher, bad.clone()).await;
        assert_eq!(res.status, 422, "{bad}");
        assert_eq!(
            res.body["errors"][0]["field"], field,
            "{bad}: {:?}",
            res.body
        );
    }
    let res = put(
        &teacher,
        json!({"records": [{"person_id": me.id, "status": "sleepy"}]}),
    )
    .await;
    assert!(matches!(res.status, 400 | 422));

    // A student reads their own line, and records nothing in a school.
    let mine: Vec<AttendanceView> = app.get(&path, &student.access).await.expect(200).read();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].person_id, me.id);
    let res = put(
        &student,
        json!({"records": [{"person_id": me.id, "status": "late"}]}),
    )
    .await;
    assert_eq!(res.status, 403);
    // Another workspace has no such session.
    assert_eq!(app.get(&path, &stranger.access).await.status, 404);
    assert_eq!(put(&stranger, register.clone()).await.status, 404);

    // Not before it starts, nor once cancelled.
    let later = schedule(
        &app,
        &owner,
        json!({"kind": "lesson", "title": "Later", "host_id": teacher.user_id,
               "starts_at": "2099-01-05T16:00:00Z", "ends_at": "2099-01-05T17:00:00Z",
               "participant_ids": [me.id]}),
    )
    .await;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/sessions/{}/attendance", later.id),
            Some(&teacher.access),
            Some(json!({"records": [{"person_id": me.id, "status": "present"}]})),
        )
        .await;
    assert_eq!(res.status, 422, "{:?}", res.body);
    app.post(
        &format!("/api/v1/sessions/{}/cancel", lesson.id),
        Some(&owner.access),
        json!({"reason": "Snow"}),
    )
    .await
    .expect(200);
    let res = put(&teacher, register.clone()).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("cancelled"))
    );

    // Tutoring: a user logs their own session, nobody else's.
    let tutoring = app.register("tutoring").await;
    let user = app.add_member(&tutoring, "member").await;
    let tutor = app.add_member(&tutoring, "manager").await;
    let own = person(
        &app,
        &tutoring,
        json!({"first_name": "Me", "user_id": user.user_id}),
    )
    .await;
    let peer = person(&app, &tutoring, json!({"first_name": "Peer"})).await;
    let s = schedule(
        &app,
        &tutoring,
        json!({"title": "Physics", "host_id": tutor.user_id,
               "starts_at": "2026-02-02T10:00:00Z", "ends_at": "2026-02-02T11:00:00Z",
               "participant_ids": [own.id, peer.id]}),
    )
    .await;
    let path = format!("/api/v1/sessions/{}/attendance", s.id);
    let res = app
        .call(
            Method::PUT,
            &path,
            Some(&user.access),
            Some(json!({"records": [{"person_id": own.id, "status": "present", "note": "Did the exercises"}]})),
        )
        .await
        .expect(200);
    assert_eq!(res.body.as_array().unwrap().len(), 1, "their own line only");
    let res = app
        .call(
            Method::PUT,
            &path,
            Some(&user.access),
            Some(json!({"records": [{"person_id": peer.id, "status": "absent"}]})),
        )
        .await;
    assert_eq!(res.status, 403);
    app.stop().await;
}

/// A lesson for a class is for its members on the lesson's day, as they
/// were enrolled then — not as they are today — and for the people it
/// names, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_for_a_class_is_for_its_members_on_that_day() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    let stu = person(
        &app,
        &owner,
        json!({"first_name": "Stu", "user_id": student.user_id}),
    )
    .await;
    let left = person(&app, &owner, json!({"first_name": "Left"})).await;
    let later = person(&app, &owner, json!({"first_name": "Later"})).await;
    let both = person(&app, &owner, json!({"first_name": "Both"})).await;
    let class: Value = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Python", "kind": "class"}),
        )
        .await
        .expect(201)
        .body;
    let class_id: Uuid = class["id"].as_str().unwrap().parse().unwrap();
    for (p, joined, left_on) in [
        (stu.id, "2026-01-05", None),
        (left.id, "2026-01-05", Some("2026-02-01")),
        (later.id, "2026-03-01", None),
        (both.id, "2026-01-05", None),
    ] {
        app.post(
            &format!("/api/v1/groups/{class_id}/members"),
            Some(&owner.access),
            json!({"person_id": p, "joined_on": joined, "left_on": left_on}),
        )
        .await
        .expect(201);
    }
    let theirs: Value = app
        .post(
            "/api/v1/groups",
            Some(&stranger.access),
            json!({"name": "Theirs", "kind": "class"}),
        )
        .await
        .expect(201)
        .body;
    let mut bad = session(teacher.user_id, "10:00", "11:00");
    bad["group_ids"] = json!([class_id, theirs["id"]]);
    let res = app.post("/api/v1/sessions", Some(&owner.access), bad).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.body["errors"][0]["field"], "group_ids.1");

    let lesson = schedule(
        &app,
        &owner,
        json!({"kind": "lesson", "title": "Python", "host_id": teacher.user_id,
               "starts_at": "2026-02-15T10:00:00Z", "ends_at": "2026-02-15T11:00:00Z",
               "participant_ids": [both.id], "group_ids": [class_id]}),
    )
    .await;
    assert_eq!(lesson.group_ids, [class_id]);
    assert_eq!(lesson.participant_ids, [both.id]);
    let path = format!("/api/v1/sessions/{}/attendance", lesson.id);
    let register: Vec<AttendanceView> = app.get(&path, &teacher.access).await.expect(200).read();
    let on_it: Vec<Uuid> = register.iter().map(|a| a.person_id).collect();
    assert_eq!(
        on_it.len(),
        2,
        "named once, and the class as it was that day: {on_it:?}"
    );
    assert_eq!(on_it[0], both.id, "the people named first");
    assert!(on_it.contains(&stu.id));

    // Found by the person and by the group; not for someone not yet enrolled.
    for (q, n) in [
        (format!("person_id={}", stu.id), 1),
        (format!("person_id={}", later.id), 0),
        (format!("person_id={}", left.id), 0),
        (format!("group_id={class_id}"), 1),
    ] {
        let page: Page<SessionView> = app
            .get(&format!("/api/v1/sessions?{q}"), &owner.access)
            .await
            .expect(200)
            .read();
        assert_eq!(page.data.len(), n, "{q}");
    }
    // The student sees the lesson through the class, and only their line.
    let mine: Vec<AttendanceView> = app.get(&path, &student.access).await.expect(200).read();
    assert_eq!(
        mine.iter().map(|a| a.person_id).collect::<Vec<_>>(),
        [stu.id]
    );
    // Someone not in the class that day is not on its register.
    let res = app
        .call(
            Method::PUT,
            &path,
            Some(&teacher.access),
            Some(json!({"records": [{"person_id": later.id, "status": "present"}]})),
        )
        .await;
    assert_eq!(res.status, 422, "{:?}", res.body);
    app.call(
        Method::PUT,
        &path,
        Some(&teacher.access),
        Some(json!({"records": [{"person_id": stu.id, "status": "present"}]})),
    )
    .await
    .expect(200);

    // Without the class, the lesson is for the one it names.
    let (status, body) = patch(&app, &owner, lesson.id, 1, json!({"group_ids": []})).await;
    assert_eq!(status, 200, "{body}");
    let register: Vec<AttendanceView> = app.get(&path, &teacher.access).await.expect(200).read();
    assert_eq!(
        register.iter().map(|a| a.person_id).collect::<Vec<_>>(),
        [both.id]
    );
    app.stop().await;
}
