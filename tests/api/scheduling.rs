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
    let mut lines: Vec<(Uuid, Option<AttendanceStatus>, i32)> = taken
        .iter()
        .map(|a| (a.person_id, a.status, a.version))
        .collect();
    lines.sort_by_key(|l| l.0);
    let mut expected = [
        (me.id, Some(AttendanceStatus::Present), 1),
        (other.id, Some(AttendanceStatus::Absent), 1),
    ];
    expected.sort_by_key(|l| l.0);
    assert_eq!(lines, expected);
    assert!(taken.iter().all(|a| a.recorded_by == Some(teacher.user_id)));
    // Corrected: one more version, audited as a change.
    let res = put(
        &teacher,
        json!({"records": [{"person_id": other.id, "status": "excused", "note": "Doctor"}]}),
    )
    .await
    .expect(200);
    let line = res
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["person_id"] == json!(other.id))
        .unwrap();
    assert_eq!(line["status"], "excused");
    assert_eq!(line["note"], "Doctor");
    assert_eq!(line["version"], 2);
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
    let theirs = after.iter().find(|a| a.person_id == other.id).unwrap();
    assert_eq!(
        (theirs.status, theirs.note.as_deref()),
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

/// What a member sees and records of a session: a student sees its time,
/// place and room with only their own people among its participants (not
/// the others, the notes or the fee); a user logs their own line until the
/// host or staff have taken it; a tutor who is a user takes the whole
/// register of the sessions they hold; a participant taken off a session
/// takes their record with them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_and_records_their_own_part_and_a_tutor_their_sessions() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let tutor = app.add_member(&owner, "member").await;
    let own = person(
        &app,
        &owner,
        json!({"first_name": "Me", "user_id": user.user_id}),
    )
    .await;
    let peer = person(&app, &owner, json!({"first_name": "Peer"})).await;
    let s = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Physics", "host_id": tutor.user_id,
               "starts_at": "2026-02-02T10:00:00Z", "ends_at": "2026-02-02T11:00:00Z",
               "participant_ids": [own.id, peer.id], "notes": "Peer struggles with vectors",
               "online_url": "https://meet.example/physics",
               "fee": {"amount_minor": 4000, "currency": "EUR"}}),
    )
    .await;

    // The student's view: their own line, the room, no notes, no fee.
    let seen: SessionView = app
        .get(&format!("/api/v1/sessions/{}", s.id), &user.access)
        .await
        .expect(200)
        .read();
    assert_eq!(seen.participant_ids, [own.id]);
    assert_eq!(seen.notes, None);
    assert!(seen.fee.is_none());
    assert_eq!(
        seen.online_url.as_deref(),
        Some("https://meet.example/physics")
    );
    let listed: Page<SessionView> = app
        .get("/api/v1/sessions", &user.access)
        .await
        .expect(200)
        .read();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].participant_ids, [own.id]);
    assert_eq!(listed.data[0].notes, None);
    assert!(listed.data[0].fee.is_none());
    // The tutor holds it: all of it.
    let held: SessionView = app
        .get(&format!("/api/v1/sessions/{}", s.id), &tutor.access)
        .await
        .expect(200)
        .read();
    assert_eq!(held.participant_ids, [own.id, peer.id]);
    assert_eq!(held.notes.as_deref(), Some("Peer struggles with vectors"));
    assert!(held.fee.is_some());

    let path = format!("/api/v1/sessions/{}/attendance", s.id);
    let put = |by: &Session, body: Value| {
        let (app, path, token) = (&app, path.clone(), by.access.clone());
        async move { app.call(Method::PUT, &path, Some(&token), Some(body)).await }
    };
    // The tutor, a user, takes the whole register of their session.
    let res = put(
        &tutor,
        json!({"records": [{"person_id": own.id, "status": "late"}, {"person_id": peer.id, "status": "present"}]}),
    )
    .await
    .expect(200);
    assert_eq!(res.body.as_array().map(Vec::len), Some(2));
    let register: Vec<AttendanceView> = app.get(&path, &tutor.access).await.expect(200).read();
    assert_eq!(register.len(), 2, "the host sees every line");
    // The student may not overwrite what the tutor recorded...
    let res = put(
        &user,
        json!({"records": [{"person_id": own.id, "status": "present"}]}),
    )
    .await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("recorded")),
        "{:?}",
        res.body
    );
    let mine: Vec<AttendanceView> = app.get(&path, &user.access).await.expect(200).read();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, Some(AttendanceStatus::Late), "unchanged");
    // ...but saving it as it stands is no change, and no refusal.
    put(
        &user,
        json!({"records": [{"person_id": own.id, "status": "late"}]}),
    )
    .await
    .expect(200);
    // Another tutor, a user who does not hold it, records nothing of it.
    let other_tutor = app.add_member(&owner, "member").await;
    let res = put(
        &other_tutor,
        json!({"records": [{"person_id": peer.id, "status": "absent"}]}),
    )
    .await;
    assert_eq!(res.status, 404, "not their session: {:?}", res.body);

    // The peer is taken off the session: their record goes, audited.
    let (status, body) = patch(
        &app,
        &owner,
        s.id,
        s.version,
        json!({"participant_ids": [own.id]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let register: Vec<AttendanceView> = app.get(&path, &owner.access).await.expect(200).read();
    assert_eq!(
        register.iter().map(|a| a.person_id).collect::<Vec<_>>(),
        [own.id]
    );
    let kept = app
        .count(&format!(
            "SELECT count(*) FROM attendance WHERE person_id = '{}'",
            peer.id
        ))
        .await;
    assert_eq!(kept, 0, "no record outlives the participation");
    app.settle(owner.workspace_id).await;
    let deleted = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_type = 'attendance' AND action = 'attendance.deleted' AND record_id = '{}:{}'",
            s.id, peer.id
        ))
        .await;
    assert_eq!(deleted, 1);
    app.stop().await;
}

/// Twenty sessions of one host moved into the same hour at once: exactly
/// one moves, the others answer 409 `host_busy` and stay where they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_sessions_moved_into_one_hour_at_once_move_exactly_one() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let mut sessions = vec![];
    for day in 1..=20 {
        let body = json!({"kind": "tutoring", "title": format!("Day {day}"),
            "host_id": owner.user_id,
            "starts_at": format!("2027-03-{day:02}T10:00:00Z"),
            "ends_at": format!("2027-03-{day:02}T11:00:00Z")});
        sessions.push(schedule(&app, &owner, body).await);
    }
    let moves = sessions.iter().map(|s| {
        patch(
            &app,
            &owner,
            s.id,
            s.version,
            json!({"starts_at": "2027-04-01T09:30:00Z", "ends_at": "2027-04-01T10:30:00Z"}),
        )
    });
    let answers = futures::future::join_all(moves).await;
    let moved = answers.iter().filter(|(s, _)| *s == 200).count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "host_busy")
        .count();
    assert_eq!((moved, refused), (1, 19), "{answers:?}");
    let there = app
        .count("SELECT count(*) FROM sessions WHERE starts_at = '2027-04-01T09:30:00Z'")
        .await;
    assert_eq!(there, 1);
    let stayed = app
        .count("SELECT count(*) FROM sessions WHERE extract(hour FROM starts_at AT TIME ZONE 'UTC') = 10")
        .await;
    assert_eq!(stayed, 19);
    app.stop().await;
}

/// The starts of a series' sessions, in order, with their status and title.
async fn occurrences(
    app: &TestApp,
    by: &Session,
    series: Uuid,
) -> Vec<(String, String, String, bool)> {
    let page: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}&limit=200"),
            &by.access,
        )
        .await
        .expect(200)
        .read();
    page.data
        .into_iter()
        .map(|s| {
            (
                s.starts_at.format("%m-%d %H:%M").to_string(),
                s.status.as_str().to_string(),
                s.title,
                s.exception,
            )
        })
        .collect()
}

/// A weekly lesson at 16:00 in Paris, across the change to summer time:
/// made at 16:00 local on both sides; one occurrence moved alone (an
/// exception); all moved to 17:00 and renamed, the exception kept; the
/// series split from an occurrence on; cancelled from an occurrence on and
/// then as a whole, every remaining one cancelled and the series ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weekly_series_keeps_its_wall_clock_hour_and_changes_as_calendar_users_expect() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    // 18 March 2027, 16:00 in Paris (winter time, UTC+1).
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths", "starts_at": "2027-03-18T15:00:00Z",
               "ends_at": "2027-03-18T16:00:00Z", "participant_ids": [ada.id],
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=6", "time_zone": "Europe/Paris"}}),
    )
    .await;
    let series = first.series_id.expect("a series");
    assert_eq!(first.recurrence_id, Some(first.starts_at));
    assert_eq!(first.participant_ids, [ada.id]);
    let row = |d: &str, status: &str, title: &str, exception: bool| {
        (
            d.to_string(),
            status.to_string(),
            title.to_string(),
            exception,
        )
    };
    // 16:00 local each week: 15:00 UTC before 28 March, 14:00 after.
    assert_eq!(
        occurrences(&app, &owner, series).await,
        [
            row("03-18 15:00", "scheduled", "Maths", false),
            row("03-25 15:00", "scheduled", "Maths", false),
            row("04-01 14:00", "scheduled", "Maths", false),
            row("04-08 14:00", "scheduled", "Maths", false),
            row("04-15 14:00", "scheduled", "Maths", false),
            row("04-22 14:00", "scheduled", "Maths", false),
        ]
    );
    let s: Value = app
        .get(&format!("/api/v1/sessions/series/{series}"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(s["rrule"], "FREQ=WEEKLY;COUNT=6");
    assert_eq!(s["time_zone"], "Europe/Paris");
    assert_eq!(s["starts_local"], "2027-03-18T16:00:00");

    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let id_on = |d: &str| {
        list.data
            .iter()
            .find(|s| s.starts_at.format("%m-%d").to_string() == d)
            .map(|s| (s.id, s.version))
            .unwrap()
    };
    // 8 April alone to 18:00 local: an exception.
    let (apr8, v) = id_on("04-08");
    let (status, body) = patch(
        &app,
        &owner,
        apr8,
        v,
        json!({"starts_at": "2027-04-08T16:00:00Z", "ends_at": "2027-04-08T17:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["exception"], true);
    // All of them to 17:00 local, and renamed, from 25 March.
    let (mar25, v) = id_on("03-25");
    let (status, body) = patch(
        &app,
        &owner,
        mar25,
        v,
        json!({"starts_at": "2027-03-25T16:00:00Z", "ends_at": "2027-03-25T17:00:00Z",
               "title": "Physics", "apply_to": "all"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], mar25.to_string(), "the occurrence keeps its id");
    assert_eq!(
        occurrences(&app, &owner, series).await,
        [
            row("03-18 16:00", "scheduled", "Physics", false),
            row("03-25 16:00", "scheduled", "Physics", false),
            row("04-01 15:00", "scheduled", "Physics", false),
            row("04-08 16:00", "scheduled", "Maths", true),
            row("04-15 15:00", "scheduled", "Physics", false),
            row("04-22 15:00", "scheduled", "Physics", false),
        ]
    );
    let s: Value = app
        .get(&format!("/api/v1/sessions/series/{series}"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(s["starts_local"], "2027-03-18T17:00:00");

    // From 15 April on, renamed: the series is split there.
    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let apr15 = list
        .data
        .iter()
        .find(|s| s.starts_at.format("%m-%d").to_string() == "04-15")
        .unwrap();
    let (status, body) = patch(
        &app,
        &owner,
        apr15.id,
        apr15.version,
        json!({"title": "Physics II", "apply_to": "following"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let split: Uuid = body["series_id"].as_str().unwrap().parse().unwrap();
    assert_ne!(split, series);
    assert_eq!(
        occurrences(&app, &owner, split).await,
        [
            row("04-15 15:00", "scheduled", "Physics II", false),
            row("04-22 15:00", "scheduled", "Physics II", false),
        ]
    );
    assert_eq!(occurrences(&app, &owner, series).await.len(), 4);
    let s: Value = app
        .get(&format!("/api/v1/sessions/series/{split}"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(
        s["rrule"], "FREQ=WEEKLY;COUNT=2",
        "what is left of the count"
    );

    // Cancelled from 1 April on: that one and the exception after it.
    let (apr1, _) = {
        let list: Page<SessionView> = app
            .get(
                &format!("/api/v1/sessions?series_id={series}"),
                &owner.access,
            )
            .await
            .expect(200)
            .read();
        let s = list
            .data
            .iter()
            .find(|s| s.starts_at.format("%m-%d").to_string() == "04-01")
            .unwrap();
        (s.id, s.version)
    };
    let res = app
        .post(
            &format!("/api/v1/sessions/{apr1}/cancel"),
            Some(&owner.access),
            json!({"reason": "Holidays", "apply_to": "following"}),
        )
        .await
        .expect(200);
    assert_eq!(res.body["status"], "cancelled");
    assert_eq!(
        occurrences(&app, &owner, series).await,
        [
            row("03-18 16:00", "scheduled", "Physics", false),
            row("03-25 16:00", "scheduled", "Physics", false),
            row("04-01 15:00", "cancelled", "Physics", false),
            row("04-08 16:00", "cancelled", "Maths", true),
        ]
    );
    let s: Value = app
        .get(&format!("/api/v1/sessions/series/{series}"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(s["ends_before"], "2027-04-01T15:00:00Z");
    // The other series, all of it.
    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={split}"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    app.post(
        &format!("/api/v1/sessions/{}/cancel", list.data[1].id),
        Some(&owner.access),
        json!({"reason": "Moved away", "apply_to": "all"}),
    )
    .await
    .expect(200);
    let left: Vec<String> = occurrences(&app, &owner, split)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(left, ["cancelled", "cancelled"]);
    app.settle(owner.workspace_id).await;
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE record_type = 'session_series'")
        .await;
    assert!(audited >= 5, "made, changed, split, ended: {audited}");
    app.stop().await;
}

/// A rule, a zone or an occurrence that cannot be: 422 or 409 naming why,
/// and nothing written; the job keeps an endless series a year ahead and
/// makes an occurrence the host cannot take cancelled, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_that_cannot_be_is_refused_whole_and_an_endless_one_is_kept_a_year_ahead() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let lesson = |rrule: &str, zone: &str| {
        json!({"kind": "lesson", "title": "Python", "starts_at": "2027-01-04T16:00:00Z",
               "ends_at": "2027-01-04T17:00:00Z",
               "recurrence": {"rrule": rrule, "time_zone": zone}})
    };
    for (body, field) in [
        (lesson("FREQ=HOURLY", "Europe/Paris"), "recurrence.rrule"),
        (
            lesson("FREQ=WEEKLY;BYDAY=XX", "Europe/Paris"),
            "recurrence.rrule",
        ),
        (
            lesson("FREQ=WEEKLY;BYHOUR=9", "Europe/Paris"),
            "recurrence.rrule",
        ),
        (
            lesson("FREQ=WEEKLY;UNTIL=20260101T000000Z", "Europe/Paris"),
            "recurrence.rrule",
        ),
        (
            lesson("FREQ=WEEKLY", "Mars/Olympus"),
            "recurrence.time_zone",
        ),
        (lesson("", "Europe/Paris"), "recurrence.rrule"),
    ] {
        let res = app
            .post("/api/v1/sessions", Some(&owner.access), body.clone())
            .await;
        assert_eq!(res.status, 422, "{body}: {:?}", res.body);
        assert_eq!(
            res.body["errors"][0]["field"], field,
            "{body}: {:?}",
            res.body
        );
    }
    // The host is busy on the third Monday: the series is refused whole.
    schedule(
        &app,
        &owner,
        json!({"kind": "meeting", "title": "Parents", "starts_at": "2027-01-18T16:30:00Z",
               "ends_at": "2027-01-18T17:30:00Z"}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            lesson("FREQ=WEEKLY;COUNT=10", "UTC"),
        )
        .await;
    assert_eq!(res.status, 409, "{:?}", res.body);
    assert_eq!(res.body["code"], "host_busy");
    assert!(
        res.body["detail"].as_str().unwrap().contains("2027-01-18"),
        "{:?}",
        res.body
    );
    assert_eq!(app.count("SELECT count(*) FROM session_series").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 1);

    // An endless daily series from tomorrow: a year of it, and no more.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "lesson", "title": "Daily", "starts_at": format!("{tomorrow}T06:00:00Z"),
               "ends_at": format!("{tomorrow}T07:00:00Z"),
               "recurrence": {"rrule": "FREQ=DAILY", "time_zone": "UTC",
                              "exdates": [tomorrow + chrono::Duration::days(1)]}}),
    )
    .await;
    let series = first.series_id.unwrap();
    let made = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}'"
        ))
        .await;
    assert!((360..=367).contains(&made), "{made}");
    let skipped = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}' AND starts_at::date = '{}'",
            tomorrow + chrono::Duration::days(1)
        ))
        .await;
    assert_eq!(skipped, 0, "the excluded day has none");
    // Thirty days later, as the job sees it: the last thirty are gone, and
    // the host has a meeting where one of them will be.
    let sql = app.sql().await;
    sql.batch_execute(&format!(
        "DELETE FROM sessions WHERE series_id = '{series}' AND starts_at > now() + interval '335 days';
         UPDATE session_series SET materialised_until = now() + interval '335 days' WHERE id = '{series}';"
    ))
    .await
    .unwrap();
    let clash = (chrono::Utc::now() + chrono::Duration::days(350)).date_naive();
    schedule(
        &app,
        &owner,
        json!({"kind": "meeting", "title": "Inspection", "starts_at": format!("{clash}T06:30:00Z"),
               "ends_at": format!("{clash}T07:30:00Z")}),
    )
    .await;
    sql.execute(
        "INSERT INTO jobs (kind, payload) VALUES ('sessions.extend', '{}')",
        &[],
    )
    .await
    .unwrap();
    for _ in 0..100 {
        if app
            .count("SELECT count(*) FROM jobs WHERE kind = 'sessions.extend' AND status <> 'done'")
            .await
            == 0
        {
            break;
        }
        rapport_api::jobs::work_one(&app.state(), "t").await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let again = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}'"
        ))
        .await;
    let errors = app
        .texts("SELECT status || ': ' || coalesce(last_error, '') FROM jobs WHERE kind = 'sessions.extend'")
        .await;
    // A year from now (the first series reached a year from its first day).
    assert!(
        again + 1 >= made,
        "{again} after the job, {made} before: {errors:?}"
    );
    let ahead = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}' AND starts_at > now() + interval '364 days'"
        ))
        .await;
    assert!(ahead >= 1, "{errors:?}");
    let cancelled: Vec<String> = app
        .texts(&format!(
            "SELECT cancel_reason FROM sessions WHERE series_id = '{series}' AND status = 'cancelled'"
        ))
        .await;
    assert_eq!(cancelled.len(), 1, "the day of the inspection");
    assert!(cancelled[0].contains("already had a session"));
    // Run again: nothing more.
    sql.execute(
        "INSERT INTO jobs (kind, payload) VALUES ('sessions.extend', '{}')",
        &[],
    )
    .await
    .unwrap();
    for _ in 0..100 {
        if app
            .count("SELECT count(*) FROM jobs WHERE kind = 'sessions.extend' AND status <> 'done'")
            .await
            == 0
        {
            break;
        }
        rapport_api::jobs::work_one(&app.state(), "t").await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let still = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}'"
        ))
        .await;
    assert_eq!(still, again, "each occurrence made once");
    app.stop().await;
}

/// Reads an iCalendar text with Python's `icalendar` (installed by
/// `scripts/setup.sh`): each event's UID, start (UTC), status, sequence and
/// summary, failing on anything the parser refuses.
fn parse_ics(text: &str) -> Vec<(String, String, String, i64, String)> {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/venv/bin/python");
    assert!(
        std::path::Path::new(python).exists(),
        "{python} is missing: scripts/setup.sh --test installs it"
    );
    let script = r#"
import sys, json, datetime, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
assert cal.get('VERSION') == '2.0' and cal.get('PRODID')
out = []
for e in cal.walk('VEVENT'):
    for p in ('UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY', 'STATUS', 'SEQUENCE'):
        assert e.get(p) is not None, p
    start = e.decoded('DTSTART').astimezone(datetime.timezone.utc)
    assert e.decoded('DTEND') > e.decoded('DTSTART')
    out.append([str(e['UID']), start.strftime('%m-%d %H:%M'), str(e['STATUS']),
                int(e['SEQUENCE']), str(e['SUMMARY'])])
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused it: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A member's private feed: the sessions they take part in, read by a real
/// iCalendar parser — a weekly series across summer time at its exact
/// instants, a cancelled occurrence marked so with a higher SEQUENCE, and
/// nobody else's sessions; a new address replaces the old, and a revoked
/// one answers 404. A session is also one `.ics` file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_calendar_feed_lists_ones_own_sessions_for_a_real_calendar_parser() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let stranger = app.register("tutoring").await;
    let me = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "user_id": user.user_id}),
    )
    .await;
    let other = person(&app, &owner, json!({"first_name": "Bob"})).await;
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths; algebra, \"vectors\"", "starts_at": "2027-03-18T15:00:00Z",
               "ends_at": "2027-03-18T16:00:00Z", "participant_ids": [me.id],
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3", "time_zone": "Europe/Paris"}}),
    )
    .await;
    schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Bob's", "starts_at": "2027-03-19T15:00:00Z",
               "ends_at": "2027-03-19T16:00:00Z", "participant_ids": [other.id]}),
    )
    .await;

    let feed: Value = app
        .post("/api/v1/sessions/feed", Some(&user.access), json!({}))
        .await
        .expect(201)
        .body;
    let url = feed["url"].as_str().unwrap().to_string();
    let path = &url[url.find("/ical/").unwrap()..];
    let res = app.call(Method::GET, path, None, None).await.expect(200);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let events = parse_ics(&res.text);
    let summary = "Maths; algebra, \"vectors\"";
    let starts: Vec<(&str, &str, i64)> = events
        .iter()
        .map(|e| (e.1.as_str(), e.2.as_str(), e.3))
        .collect();
    assert_eq!(
        starts,
        [
            ("03-18 15:00", "CONFIRMED", 0),
            ("03-25 15:00", "CONFIRMED", 0),
            ("04-01 14:00", "CONFIRMED", 0),
        ],
        "16:00 in Paris on both sides of the change, and not Bob's"
    );
    assert!(events.iter().all(|e| e.4 == summary));
    assert_eq!(events[0].0, format!("{}@rapport", first.id));

    // The second is cancelled: it stays, marked, one change later.
    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={}", first.series_id.unwrap()),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    app.post(
        &format!("/api/v1/sessions/{}/cancel", list.data[1].id),
        Some(&owner.access),
        json!({"reason": "Holidays"}),
    )
    .await
    .expect(200);
    let events = parse_ics(
        &app.call(Method::GET, path, None, None)
            .await
            .expect(200)
            .text,
    );
    assert_eq!(events[1].0, format!("{}@rapport", list.data[1].id));
    assert_eq!((events[1].2.as_str(), events[1].3), ("CANCELLED", 1));

    // A new address replaces the old; a revoked one is gone.
    let again: Value = app
        .post("/api/v1/sessions/feed", Some(&user.access), json!({}))
        .await
        .expect(201)
        .body;
    let url2 = again["url"].as_str().unwrap().to_string();
    let path2 = &url2[url2.find("/ical/").unwrap()..];
    assert_ne!(path, path2);
    assert_eq!(app.call(Method::GET, path, None, None).await.status, 404);
    app.call(Method::GET, path2, None, None).await.expect(200);
    app.delete("/api/v1/sessions/feed", &user.access)
        .await
        .expect(204);
    assert_eq!(app.call(Method::GET, path2, None, None).await.status, 404);
    assert_eq!(
        app.delete("/api/v1/sessions/feed", &user.access)
            .await
            .status,
        404
    );
    for bad in ["/ical/nothing.ics", "/ical/nothing", "/ical/.ics"] {
        assert_eq!(
            app.call(Method::GET, bad, None, None).await.status,
            404,
            "{bad}"
        );
    }
    // A key is nobody: it has no feed.
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "calendar", "scopes": ["sessions:read"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    let res = app
        .post("/api/v1/sessions/feed", Some(&key.key), json!({}))
        .await;
    assert_eq!(res.status, 403, "{:?}", res.body);

    // A member who leaves takes their feed along.
    let last: Value = app
        .post("/api/v1/sessions/feed", Some(&user.access), json!({}))
        .await
        .expect(201)
        .body;
    let url3 = last["url"].as_str().unwrap().to_string();
    let path3 = &url3[url3.find("/ical/").unwrap()..];
    app.call(Method::GET, path3, None, None).await.expect(200);
    app.delete(&format!("/api/v1/members/{}", user.user_id), &owner.access)
        .await
        .expect(204);
    assert_eq!(app.call(Method::GET, path3, None, None).await.status, 404);

    // One session as a file; not another workspace's.
    let one = app
        .get(&format!("/api/v1/sessions/{}/ics", first.id), &owner.access)
        .await
        .expect(200);
    let events = parse_ics(&one.text);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, "03-18 15:00");
    assert_eq!(
        app.get(
            &format!("/api/v1/sessions/{}/ics", first.id),
            &stranger.access
        )
        .await
        .status,
        404
    );
    app.stop().await;
}

/// A host's hours in their own zone, the workspace's rule for the kind,
/// and the free slots that follow: clear of their sessions with both
/// sides' buffers, their day off and their time off; staff set their own
/// hours only, managers set the rules; bad input changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hosts_hours_and_the_rules_give_the_free_slots() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let host = app.add_member(&owner, "staff").await;
    let other = app.add_member(&owner, "staff").await;
    let member = app.add_member(&owner, "member").await;
    let stranger = app.register("consulting").await;
    let path = format!("/api/v1/availability/{}", host.user_id);
    let hours = json!({
        "time_zone": "Europe/Paris",
        "weekly": [{"weekday": 1, "from": "09:00", "to": "12:00"}, {"weekday": 2, "from": "14:00", "to": "16:00"}],
        "overrides": [{"date": "2027-01-12", "intervals": []}],
        "time_off": [{"starts_at": "2027-01-18T00:00:00Z", "ends_at": "2027-01-19T00:00:00Z", "reason": "Away"}]
    });
    let blank: Value = app.get(&path, &host.access).await.expect(200).body;
    assert_eq!(
        (blank["version"].as_i64(), blank["time_zone"].as_str()),
        (Some(0), Some("UTC"))
    );
    let set = app
        .call(Method::PUT, &path, Some(&host.access), Some(hours.clone()))
        .await
        .expect(200);
    assert_eq!(set.header("etag"), Some("\"1\""));
    assert_eq!(set.body["weekly"][1]["from"], "14:00");
    // Those who set their hours can be booked; others are not listed.
    let hosts: Vec<Value> = app
        .get("/api/v1/availability/hosts", &member.access)
        .await
        .expect(200)
        .read();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0]["user_id"], host.user_id.to_string());
    assert_eq!(hosts[0]["time_zone"], "Europe/Paris");
    let theirs: Vec<Value> = app
        .get("/api/v1/availability/hosts", &stranger.access)
        .await
        .expect(200)
        .read();
    assert!(
        theirs.is_empty(),
        "another workspace's hosts are not listed"
    );
    // Another's hours: not staff's to set; a stale version is refused.
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/availability/{}", other.user_id),
            Some(&host.access),
            Some(hours.clone()),
        )
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .call_with(
            Method::PUT,
            &path,
            Some(&owner.access),
            Some(hours.clone()),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(res.status, 412);
    for (bad, field) in [
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (
            json!({"time_zone": "UTC", "weekly": [{"weekday": 1, "from": "09:00", "to": "12:00"}, {"weekday": 1, "from": "11:00", "to": "13:00"}]}),
            "weekly",
        ),
        (
            json!({"time_zone": "UTC", "weekly": [{"weekday": 9, "from": "09:00", "to": "12:00"}]}),
            "weekly.0.weekday",
        ),
        (
            json!({"time_zone": "UTC", "weekly": [{"weekday": 1, "from": "12:00", "to": "09:00"}]}),
            "weekly.0.to",
        ),
        (
            json!({"time_zone": "UTC", "time_off": [{"starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}]}),
            "time_off.0.ends_at",
        ),
    ] {
        let res = app
            .call(Method::PUT, &path, Some(&host.access), Some(bad.clone()))
            .await;
        assert_eq!(res.status, 422, "{bad}: {:?}", res.body);
        assert_eq!(
            res.body["errors"][0]["field"], field,
            "{bad}: {:?}",
            res.body
        );
    }
    let kept: Value = app.get(&path, &member.access).await.expect(200).body;
    assert_eq!(
        (kept["version"].as_i64(), kept["time_zone"].as_str()),
        (Some(1), Some("Europe/Paris"))
    );
    assert_eq!(
        kept["time_off"][0]["reason"],
        Value::Null,
        "why the host is away is not a member's to read"
    );
    let own: Value = app.get(&path, &host.access).await.expect(200).body;
    assert_eq!(own["time_off"][0]["reason"], "Away");

    // The rule of consultations: an hour, 15 minutes after, every 30.
    let rules: Value = app
        .get("/api/v1/availability/rules", &member.access)
        .await
        .expect(200)
        .body;
    assert_eq!(rules.as_array().map(Vec::len), Some(4));
    let rule = json!({"duration_min": 60, "buffer_before_min": 0, "buffer_after_min": 15,
        "slot_interval_min": 30, "min_notice_min": 0, "window_days": 730,
        "max_per_day": 2, "max_per_week": null, "requires_confirmation": false});
    let res = app
        .call(
            Method::PUT,
            "/api/v1/availability/rules/consultation",
            Some(&host.access),
            Some(rule.clone()),
        )
        .await;
    assert_eq!(res.status, 403, "managers set the rules");
    let mut bad = rule.clone();
    bad["duration_min"] = json!(2);
    let res = app
        .call(
            Method::PUT,
            "/api/v1/availability/rules/consultation",
            Some(&owner.access),
            Some(bad),
        )
        .await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("duration_min"))
    );
    app.call(
        Method::PUT,
        "/api/v1/availability/rules/consultation",
        Some(&owner.access),
        Some(rule),
    )
    .await
    .expect(200);

    let slots = |from: &str, to: &str| {
        let (app, token, h) = (&app, member.access.clone(), host.user_id);
        let q =
            format!("/api/v1/availability/slots?host_id={h}&from={from}&to={to}&kind=consultation");
        async move {
            let v: Vec<Value> = app.get(&q, &token).await.expect(200).read();
            v.iter()
                .map(|s| s["starts_at"].as_str().unwrap()[5..16].to_string())
                .collect::<Vec<_>>()
        }
    };
    // Paris is UTC+1 in January: Monday 09:00–12:00 is 08:00–11:00 UTC.
    assert_eq!(
        slots("2027-01-04T00:00:00Z", "2027-01-13T00:00:00Z").await,
        [
            "01-04T08:00",
            "01-04T08:30",
            "01-04T09:00",
            "01-04T09:30",
            "01-04T10:00",
            "01-05T13:00",
            "01-05T13:30",
            "01-05T14:00",
            "01-11T08:00",
            "01-11T08:30",
            "01-11T09:00",
            "01-11T09:30",
            "01-11T10:00",
        ],
        "Tuesday 12 is a day off"
    );
    // A session at 10:00 local: with our 15 minutes after, only 11:00 is left.
    schedule(
        &app,
        &owner,
        json!({"kind": "consultation", "title": "Audit", "host_id": host.user_id,
               "starts_at": "2027-01-04T09:00:00Z", "ends_at": "2027-01-04T10:00:00Z"}),
    )
    .await;
    assert_eq!(
        slots("2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z").await,
        ["01-04T10:00"]
    );
    // Time off on Monday 18.
    assert!(slots("2027-01-18T00:00:00Z", "2027-01-19T00:00:00Z")
        .await
        .is_empty());

    // Bad searches, and another workspace's host.
    let h = host.user_id;
    for (q, field) in [
        (
            format!("host_id={h}&from=2027-01-04T00:00:00Z&to=2027-03-30T00:00:00Z"),
            "to",
        ),
        (
            format!("host_id={h}&from=2027-01-04T00:00:00Z&to=2027-01-03T00:00:00Z"),
            "to",
        ),
        (
            format!("host_id={h}&from=2027-01-04T00:00:00Z&to=2027-01-05T00:00:00Z&duration=2"),
            "duration",
        ),
    ] {
        let res = app
            .get(&format!("/api/v1/availability/slots?{q}"), &member.access)
            .await;
        assert_eq!(
            (res.status, res.body["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{q}"
        );
    }
    let res = app
        .get(&format!("/api/v1/availability/slots?host_id={h}&from=2027-01-04T00:00:00Z&to=2027-01-05T00:00:00Z"), &stranger.access)
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(app.get(&path, &stranger.access).await.status, 404);
    app.stop().await;
}

/// Bookings: a member books a free slot for themself (fifty at once for
/// one slot: exactly one, the others 409 `host_busy`), not outside the
/// host's hours nor for someone else; staff book for a person; the last
/// seat of a group session goes once however many ask at once; a booking
/// the host confirms waits, and of two pending requests for one hour only
/// one can be confirmed; a member moves and cancels their own booking, and
/// a cancelled slot is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_book_free_slots_and_seats_and_nothing_is_ever_booked_twice() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let host = app.add_member(&owner, "staff").await;
    let member = app.add_member(&owner, "member").await;
    let other_member = app.add_member(&owner, "member").await;
    let me = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": member.user_id}),
    )
    .await;
    person(
        &app,
        &owner,
        json!({"first_name": "Otto", "user_id": other_member.user_id}),
    )
    .await;
    let stranger_person = person(&app, &owner, json!({"first_name": "Sam"})).await;
    // Every day 09:00–17:00 UTC.
    let weekly: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "from": "09:00", "to": "17:00"}))
        .collect();
    app.call(
        Method::PUT,
        &format!("/api/v1/availability/{}", host.user_id),
        Some(&host.access),
        Some(json!({"time_zone": "UTC", "weekly": weekly})),
    )
    .await
    .expect(200);
    let day = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    // Members book what the workspace offers: no rule, no booking.
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&member.access),
            json!({"host_id": host.user_id, "starts_at": at("10:00")}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("kind")),
        "{:?}",
        res.body
    );
    app.call(
        Method::PUT,
        "/api/v1/availability/rules/consultation",
        Some(&owner.access),
        Some(
            json!({"duration_min": 60, "buffer_before_min": 0, "buffer_after_min": 0,
            "slot_interval_min": 30, "min_notice_min": 60, "window_days": 60,
            "max_per_day": null, "max_per_week": null, "requires_confirmation": false}),
        ),
    )
    .await
    .expect(200);
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&member.access),
            json!({"host_id": host.user_id, "starts_at": at("10:00"), "duration_min": 480}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("duration_min")),
        "the whole day: {:?}",
        res.body
    );
    let book = |by: &Session, body: Value| {
        let (app, token) = (&app, by.access.clone());
        async move { app.post("/api/v1/bookings", Some(&token), body).await }
    };

    let res = book(
        &member,
        json!({"host_id": host.user_id, "starts_at": at("10:00")}),
    )
    .await
    .expect(201);
    let mine: SessionView = res.read();
    assert_eq!(mine.participant_ids, [me.id]);
    assert_eq!(mine.booked_by, Some(member.user_id));
    assert_eq!(mine.status, SessionStatus::Scheduled);
    assert_eq!(mine.ends_at - mine.starts_at, chrono::Duration::minutes(60));

    // Fifty at once for one slot.
    let tries = (0..50).map(|_| {
        book(
            &member,
            json!({"host_id": host.user_id, "starts_at": at("13:00")}),
        )
    });
    let answers = futures::future::join_all(tries).await;
    let made = answers.iter().filter(|r| r.status == 201).count();
    let busy = answers
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "host_busy")
        .count();
    assert_eq!(
        (made, busy),
        (1, 49),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );

    // Not a slot: outside the hours, off the grid, in the past.
    for t in [at("20:00"), at("10:10"), "2020-01-06T10:00:00Z".to_string()] {
        let res = book(&member, json!({"host_id": host.user_id, "starts_at": t})).await;
        assert_eq!(
            (res.status, res.body["errors"][0]["field"].as_str()),
            (422, Some("starts_at")),
            "{t}: {:?}",
            res.body
        );
    }
    // For someone else: not a member's to do; staff name the person.
    let res = book(
        &member,
        json!({"host_id": host.user_id, "starts_at": at("15:00"), "person_id": stranger_person.id}),
    )
    .await;
    assert_eq!(res.status, 403);
    let for_sam: SessionView = book(
        &owner,
        json!({"host_id": host.user_id, "starts_at": at("15:00"), "person_id": stranger_person.id}),
    )
    .await
    .expect(201)
    .read();
    assert_eq!(for_sam.participant_ids, [stranger_person.id]);
    // Once with a key: the same booking.
    let key = [("idempotency-key", "book-slot-1")];
    let body = json!({"host_id": host.user_id, "starts_at": at("11:30")});
    let first = app
        .call_with(
            Method::POST,
            "/api/v1/bookings",
            Some(&member.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(201);
    let again = app
        .call_with(
            Method::POST,
            "/api/v1/bookings",
            Some(&member.access),
            Some(body),
            &key,
        )
        .await;
    assert_eq!(again.body["id"], first.body["id"]);

    // The last seat of a group session, twenty at once.
    let group: SessionView = schedule(
        &app,
        &owner,
        json!({"kind": "consultation", "title": "Workshop", "host_id": owner.user_id,
               "starts_at": at("09:00"), "ends_at": at("11:00"), "capacity": 2,
               "participant_ids": [stranger_person.id]}),
    )
    .await;
    let mut people = vec![];
    for i in 0..20 {
        people.push(
            person(&app, &owner, json!({"first_name": format!("Seat {i}")}))
                .await
                .id,
        );
    }
    let seats = people
        .iter()
        .map(|p| book(&owner, json!({"session_id": group.id, "person_id": p})));
    let answers = futures::future::join_all(seats).await;
    let got = answers.iter().filter(|r| r.status == 201).count();
    let full = answers
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "full")
        .count();
    assert_eq!((got, full), (1, 19));
    let taken = app
        .count(&format!(
            "SELECT count(*) FROM session_participants WHERE session_id = '{}'",
            group.id
        ))
        .await;
    assert_eq!(taken, 2);
    // A member's seat: they see themself on it, not the others.
    let group2: SessionView = schedule(
        &app,
        &owner,
        json!({"kind": "consultation", "title": "Open clinic", "host_id": owner.user_id,
               "starts_at": at("12:00"), "ends_at": at("13:00"), "capacity": 5,
               "participant_ids": [stranger_person.id], "notes": "Staff only"}),
    )
    .await;
    let seated: SessionView = book(&member, json!({"session_id": group2.id}))
        .await
        .expect(201)
        .read();
    assert_eq!(seated.participant_ids, [me.id]);
    assert_eq!(seated.notes, None);

    // Meetings wait for the host: two requests for one hour, one confirmed.
    app.call(
        Method::PUT,
        "/api/v1/availability/rules/meeting",
        Some(&owner.access),
        Some(
            json!({"duration_min": 30, "buffer_before_min": 0, "buffer_after_min": 0,
            "slot_interval_min": 30, "min_notice_min": 60, "window_days": 60,
            "max_per_day": null, "max_per_week": null, "requires_confirmation": true}),
        ),
    )
    .await
    .expect(200);
    let one: SessionView = book(
        &member,
        json!({"host_id": host.user_id, "kind": "meeting", "starts_at": at("16:00")}),
    )
    .await
    .expect(201)
    .read();
    let two: SessionView = book(
        &other_member,
        json!({"host_id": host.user_id, "kind": "meeting", "starts_at": at("16:00")}),
    )
    .await
    .expect(201)
    .read();
    assert_eq!(
        (one.status, two.status),
        (SessionStatus::Pending, SessionStatus::Pending)
    );
    let res = app
        .post(
            &format!("/api/v1/sessions/{}/confirm", one.id),
            Some(&member.access),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 403, "a member does not confirm");
    let confirms = [one.id, two.id].map(|id| {
        let (app, token) = (&app, host.access.clone());
        async move {
            app.post(
                &format!("/api/v1/sessions/{id}/confirm"),
                Some(&token),
                json!({}),
            )
            .await
        }
    });
    let answers = futures::future::join_all(confirms).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409],
        "{:?}",
        answers.iter().map(|r| &r.body).collect::<Vec<_>>()
    );

    // The member moves their booking, not into a taken slot, and not Sam's.
    let moved = app
        .post(
            &format!("/api/v1/bookings/{}/reschedule", mine.id),
            Some(&member.access),
            json!({"starts_at": at("14:00")}),
        )
        .await
        .expect(200);
    assert_eq!(moved.body["starts_at"], at("14:00"));
    let res = app
        .post(
            &format!("/api/v1/bookings/{}/reschedule", mine.id),
            Some(&member.access),
            json!({"starts_at": at("15:00")}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("host_busy"))
    );
    let res = app
        .post(
            &format!("/api/v1/bookings/{}/reschedule", for_sam.id),
            Some(&member.access),
            json!({"starts_at": at("12:00")}),
        )
        .await;
    assert_eq!(res.status, 404, "not theirs to see");
    // And cancels it: 14:00 is free again.
    app.post(
        &format!("/api/v1/bookings/{}/cancel", mine.id),
        Some(&member.access),
        json!({"reason": "Ill"}),
    )
    .await
    .expect(200);
    let free: Vec<Value> = app
        .get(
            &format!(
                "/api/v1/availability/slots?host_id={}&from={}&to={}",
                host.user_id,
                at("14:00"),
                at("15:00")
            ),
            &member.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(free.len(), 1, "{free:?}");

    // A template without bookings.
    let sales = app.register("sales").await;
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&sales.access),
            json!({"host_id": sales.user_id, "starts_at": at("10:00")}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );
    app.stop().await;
}

/// Changing a series as a whole keeps the seats booked on its occurrences,
/// and moving a series that repeats on given days to another day is refused
/// (the rule would name other days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_a_series_keeps_booked_seats_and_refuses_moving_its_days() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "consultation", "title": "Clinic", "starts_at": "2027-03-01T10:00:00Z",
               "ends_at": "2027-03-01T11:00:00Z", "capacity": 5,
               "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "time_zone": "UTC"}}),
    )
    .await;
    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={}", first.series_id.unwrap()),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let third = &list.data[2];
    app.post(
        "/api/v1/bookings",
        Some(&owner.access),
        json!({"session_id": third.id, "person_id": ada.id}),
    )
    .await
    .expect(201);
    let (status, body) = patch(
        &app,
        &owner,
        first.id,
        first.version,
        json!({"title": "Open clinic", "apply_to": "all"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let seat: SessionView = app
        .get(&format!("/api/v1/sessions/{}", third.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(seat.title, "Open clinic");
    assert_eq!(seat.participant_ids, [ada.id], "the booked seat stays");
    // Mondays moved to Tuesdays: not by moving the sessions.
    let now: SessionView = app
        .get(&format!("/api/v1/sessions/{}", first.id), &owner.access)
        .await
        .expect(200)
        .read();
    let (status, body) = patch(
        &app,
        &owner,
        now.id,
        now.version,
        json!({"starts_at": "2027-03-02T10:00:00Z", "ends_at": "2027-03-02T11:00:00Z", "apply_to": "all"}),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("starts_at")),
        "{body}"
    );
    app.stop().await;
}

/// Runs the job kind `kind` now, as the worker would, until none is left.
async fn run_job(app: &TestApp, kind: &str) {
    let sql = app.sql().await;
    sql.execute(
        "INSERT INTO jobs (kind, payload) VALUES ($1, '{}')",
        &[&kind],
    )
    .await
    .unwrap();
    for _ in 0..100 {
        let left = app
            .count(&format!(
                "SELECT count(*) FROM jobs WHERE kind = '{kind}' AND status <> 'done'"
            ))
            .await;
        if left == 0 {
            return;
        }
        rapport_api::jobs::work_one(&app.state(), "t").await;
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("{kind} did not finish");
}

/// Reminders: sent once, by e-mail to the host and the participants and as
/// an event, for the scheduled sessions within the workspace's lead time;
/// not for a cancelled one; again for a session moved; the lead time is a
/// manager's to set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_are_sent_once_within_the_lead_time() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let staff = app.add_member(&owner, "member").await;
    let student = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "email": "ada.reminded@example.com", "user_id": student.user_id}),
    )
    .await;
    let at = |min: i64| (chrono::Utc::now() + chrono::Duration::minutes(min)).to_rfc3339();
    let soon = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths soon", "starts_at": at(30), "ends_at": at(90),
               "participant_ids": [ada.id]}),
    )
    .await;
    schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Physics later", "starts_at": at(180), "ends_at": at(240),
               "participant_ids": [ada.id]}),
    )
    .await;
    let off = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Chemistry off", "starts_at": at(100), "ends_at": at(110),
               "host_id": staff.user_id, "participant_ids": [ada.id]}),
    )
    .await;
    app.post(
        &format!("/api/v1/sessions/{}/cancel", off.id),
        Some(&owner.access),
        json!({"reason": "Ill"}),
    )
    .await
    .expect(200);
    let mails = |title: &'static str| {
        let app = &app;
        async move {
            app.texts(&format!(
                "SELECT to_address FROM mail_messages WHERE subject LIKE 'Reminder: {title}%' ORDER BY to_address"
            ))
            .await
        }
    };
    run_job(&app, "sessions.remind").await;
    assert_eq!(
        mails("Maths soon").await,
        ["ada.reminded@example.com".to_string(), owner.email.clone()]
    );
    assert!(mails("Physics later").await.is_empty(), "beyond the hour");
    assert!(mails("Chemistry off").await.is_empty(), "cancelled");
    app.settle(owner.workspace_id).await;
    let events = app
        .count("SELECT count(*) FROM events WHERE kind = 'session.reminder'")
        .await;
    assert_eq!(events, 2, "one for those who schedule, one for the student");
    // In the app: the student hears of their own session, the owner once,
    // a member who neither holds it nor takes part not at all.
    let reminders = |by: &Session| {
        let (app, token) = (&app, by.access.clone());
        async move {
            let res = app.get("/api/v1/events?after=0", &token).await.expect(200);
            res.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["type"] == "session.reminder")
                .map(|e| e["data"]["title"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(reminders(&student).await, ["Maths soon"]);
    assert_eq!(reminders(&owner).await, ["Maths soon"]);
    assert!(reminders(&staff).await.is_empty());
    // Once.
    run_job(&app, "sessions.remind").await;
    assert_eq!(mails("Maths soon").await.len(), 2);
    // Moved: reminded again at its new time.
    let (status, body) = patch(
        &app,
        &owner,
        soon.id,
        soon.version,
        json!({"starts_at": at(40), "ends_at": at(100)}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    run_job(&app, "sessions.remind").await;
    assert_eq!(mails("Maths soon").await.len(), 4);

    // Four hours ahead: Physics is due now. Not a user's to set; in range.
    let res = app
        .call(
            Method::PUT,
            "/api/v1/sessions/reminders",
            Some(&staff.access),
            Some(json!({"lead_min": 240})),
        )
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .call(
            Method::PUT,
            "/api/v1/sessions/reminders",
            Some(&owner.access),
            Some(json!({"lead_min": 99999})),
        )
        .await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("lead_min"))
    );
    app.call(
        Method::PUT,
        "/api/v1/sessions/reminders",
        Some(&owner.access),
        Some(json!({"lead_min": 240})),
    )
    .await
    .expect(200);
    let read: Value = app
        .get("/api/v1/sessions/reminders", &staff.access)
        .await
        .expect(200)
        .body;
    assert_eq!(read["lead_min"], 240);
    run_job(&app, "sessions.remind").await;
    assert_eq!(mails("Physics later").await.len(), 2);
    app.stop().await;
}

/// A session entered by mistake is deleted before it begins, audited; one
/// that has begun or has a register is cancelled instead (409); an
/// occurrence deleted stays gone however often its series is extended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_entered_by_mistake_is_deleted_but_what_happened_stays() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let stranger = app.register("tutoring").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let wrong = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Wrong day", "starts_at": "2027-05-03T10:00:00Z",
               "ends_at": "2027-05-03T11:00:00Z", "participant_ids": [ada.id]}),
    )
    .await;
    let path = format!("/api/v1/sessions/{}", wrong.id);
    assert_eq!(app.delete(&path, &stranger.access).await.status, 404);
    assert_eq!(app.delete(&path, &user.access).await.status, 403);
    let stale = app
        .call_with(
            Method::DELETE,
            &path,
            Some(&owner.access),
            None,
            &[("if-match", "\"9\"")],
        )
        .await;
    assert_eq!(stale.status, 412);
    app.delete(&path, &owner.access).await.expect(204);
    assert_eq!(app.get(&path, &owner.access).await.status, 404);
    app.settle(owner.workspace_id).await;
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'session.deleted' AND record_id = '{}'",
            wrong.id
        ))
        .await;
    assert_eq!(audited, 1);

    // Held, with its register: cancelled, not deleted.
    let held = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Held", "starts_at": "2026-01-05T10:00:00Z",
               "ends_at": "2026-01-05T11:00:00Z", "participant_ids": [ada.id]}),
    )
    .await;
    let res = app
        .delete(&format!("/api/v1/sessions/{}", held.id), &owner.access)
        .await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("constraint"))
    );

    // An occurrence: skipped by its series from then on.
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Weekly", "starts_at": "2027-06-07T10:00:00Z",
               "ends_at": "2027-06-07T11:00:00Z",
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3", "time_zone": "UTC"}}),
    )
    .await;
    let series = first.series_id.unwrap();
    let list: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    app.delete(
        &format!("/api/v1/sessions/{}", list.data[1].id),
        &owner.access,
    )
    .await
    .expect(204);
    let s: Value = app
        .get(&format!("/api/v1/sessions/series/{series}"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(s["exdates"], json!(["2027-06-14"]));
    app.sql()
        .await
        .execute(
            "UPDATE session_series SET materialised_until = now() WHERE id = $1",
            &[&series],
        )
        .await
        .unwrap();
    run_job(&app, "sessions.extend").await;
    let left = app
        .count(&format!(
            "SELECT count(*) FROM sessions WHERE series_id = '{series}'"
        ))
        .await;
    assert_eq!(left, 2, "the deleted occurrence is not made again");
    app.stop().await;
}

/// Works the queue until no invitation is left to send.
async fn invitations_sent(app: &TestApp) {
    for _ in 0..200 {
        let left = app
            .count(
                "SELECT count(*) FROM jobs WHERE kind LIKE 'sessions.invite%' AND status <> 'done'",
            )
            .await;
        if left == 0 {
            return;
        }
        rapport_api::jobs::work_one(&app.state(), "t").await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the invitations were not sent");
}

/// The invitations sent to `to`, oldest first: each subject and calendar.
async fn invitations_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    let subjects = app
        .texts(&format!(
            "SELECT subject FROM mail_messages WHERE to_address = '{to}' AND calendar IS NOT NULL ORDER BY created_at, id"
        ))
        .await;
    let calendars = app
        .texts(&format!(
            "SELECT calendar FROM mail_messages WHERE to_address = '{to}' AND calendar IS NOT NULL ORDER BY created_at, id"
        ))
        .await;
    subjects.into_iter().zip(calendars).collect()
}

/// Invitations: a participant is sent the session as an iTIP REQUEST, an
/// update with the same UID and a higher SEQUENCE when it moves, and a
/// CANCEL when they are taken off it, when it is cancelled and when it is
/// deleted; a change nobody would see sends nothing, and neither does a
/// session that is over or an occurrence of a series. The calendars are
/// read by a real iCalendar parser; the message carries the calendar as
/// mail programs expect an invitation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_are_invited_updated_and_cancelled_by_email_with_ics() {
    let dir = std::env::temp_dir().join(format!("rapport-invite-{}", Uuid::new_v4().simple()));
    let app = TestApp::start_with(|c| c.mail_dir = Some(dir.clone())).await;
    let owner = app.register("tutoring").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "last_name": "Invited", "email": "ada.invited@example.com"}),
    )
    .await;
    let bob = person(
        &app,
        &owner,
        json!({"first_name": "Bob", "last_name": "Invited", "email": "bob.invited@example.com"}),
    )
    .await;
    let day = |d: i64, h: u32| {
        (chrono::Utc::now().date_naive() + chrono::Duration::days(d))
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    };
    let (a, b) = ("ada.invited@example.com", "bob.invited@example.com");
    let s = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths; algebra", "starts_at": day(2, 14), "ends_at": day(2, 15),
               "location": "Room 1, upstairs", "participant_ids": [ada.id]}),
    )
    .await;
    invitations_sent(&app).await;
    let sent = invitations_to(&app, a).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].0.starts_with("Invitation: Maths; algebra"),
        "{}",
        sent[0].0
    );
    let cal = &sent[0].1;
    let lines = cal.replace("\r\n ", "");
    let line = |name: &str| {
        lines
            .split("\r\n")
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(line("METHOD"), "METHOD:REQUEST");
    // Organised by the host, the owner here.
    assert!(
        line("ORGANIZER;CN=").ends_with(&format!(":mailto:{}", owner.email)),
        "{cal}"
    );
    assert_eq!(
        line("ATTENDEE"),
        format!("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{a}")
    );
    assert_eq!(line("LOCATION"), "LOCATION:Room 1\\, upstairs");
    let uid = format!("{}@rapport", s.id);
    let start = day(2, 14).format("%m-%d %H:%M").to_string();
    assert_eq!(
        parse_ics(cal),
        [(
            uid.clone(),
            start,
            "CONFIRMED".to_string(),
            0,
            "Maths; algebra".to_string()
        )]
    );

    // Its notes change: nothing any calendar shows, nothing sent.
    let (status, body) = patch(
        &app,
        &owner,
        s.id,
        s.version,
        json!({"notes": "Bring the textbook"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    assert_eq!(invitations_to(&app, a).await.len(), 1);

    // Moved an hour later: an update, the same UID, a higher SEQUENCE.
    let (status, body) = patch(
        &app,
        &owner,
        s.id,
        s.version + 1,
        json!({"starts_at": day(2, 15), "ends_at": day(2, 16)}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    let sent = invitations_to(&app, a).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].0.starts_with("Updated: Maths; algebra"),
        "{}",
        sent[1].0
    );
    let moved = parse_ics(&sent[1].1);
    assert_eq!(moved[0].0, uid);
    assert_eq!(moved[0].1, day(2, 15).format("%m-%d %H:%M").to_string());
    assert!(moved[0].3 > 0, "the sequence grows: {moved:?}");
    // Sent again by a second run: nothing new.
    let again = json!({"workspace_id": owner.workspace_id, "session_id": s.id}).to_string();
    app.sql()
        .await
        .execute(
            &format!("INSERT INTO jobs (kind, payload) VALUES ('sessions.invite', '{again}')"),
            &[],
        )
        .await
        .unwrap();
    invitations_sent(&app).await;
    assert_eq!(invitations_to(&app, a).await.len(), 2);

    // Bob instead of Ada: Bob is invited, Ada's calendar loses it.
    let (status, body) = patch(
        &app,
        &owner,
        s.id,
        s.version + 2,
        json!({"participant_ids": [bob.id]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    let to_ada = invitations_to(&app, a).await;
    assert_eq!(to_ada.len(), 3);
    assert!(
        to_ada[2].0.starts_with("Cancelled: Maths; algebra"),
        "{}",
        to_ada[2].0
    );
    assert!(to_ada[2].1.contains("METHOD:CANCEL\r\n"));
    let gone = parse_ics(&to_ada[2].1);
    assert_eq!(
        (gone[0].0.as_str(), gone[0].2.as_str()),
        (uid.as_str(), "CANCELLED")
    );
    assert!(gone[0].3 > moved[0].3);
    let to_bob = invitations_to(&app, b).await;
    assert_eq!(to_bob.len(), 1);
    assert!(to_bob[0].0.starts_with("Invitation: "));

    // Cancelled: Bob's calendar loses it, with the reason.
    app.post(
        &format!("/api/v1/sessions/{}/cancel", s.id),
        Some(&owner.access),
        json!({"reason": "The tutor is ill"}),
    )
    .await
    .expect(200);
    invitations_sent(&app).await;
    let to_bob = invitations_to(&app, b).await;
    assert_eq!(to_bob.len(), 2);
    assert_eq!(parse_ics(&to_bob[1].1)[0].2, "CANCELLED");
    let body = app
        .texts(&format!("SELECT body FROM mail_messages WHERE to_address = '{b}' ORDER BY created_at DESC LIMIT 1"))
        .await;
    assert!(body[0].contains("Reason: The tutor is ill"), "{body:?}");

    // Deleted: cancelled with what was sent.
    let other = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Physics", "starts_at": day(3, 9), "ends_at": day(3, 10),
               "participant_ids": [ada.id]}),
    )
    .await;
    invitations_sent(&app).await;
    app.delete(&format!("/api/v1/sessions/{}", other.id), &owner.access)
        .await
        .expect(204);
    invitations_sent(&app).await;
    let to_ada = invitations_to(&app, a).await;
    assert_eq!(to_ada.len(), 5);
    assert!(
        to_ada[4].0.starts_with("Cancelled: Physics"),
        "{}",
        to_ada[4].0
    );
    assert_eq!(
        parse_ics(&to_ada[4].1)[0].0,
        format!("{}@rapport", other.id)
    );

    // A session already over: no invitation; a weekly series: one, for
    // the whole series (see the next test).
    schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Held yesterday", "starts_at": day(-1, 9), "ends_at": day(-1, 10),
               "participant_ids": [bob.id]}),
    )
    .await;
    schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Weekly", "starts_at": day(4, 9), "ends_at": day(4, 10),
               "participant_ids": [bob.id], "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=4", "time_zone": "UTC"}}),
    )
    .await;
    invitations_sent(&app).await;
    let to_bob = invitations_to(&app, b).await;
    assert_eq!(to_bob.len(), 3);
    assert!(
        to_bob[2].0.starts_with("Invitation: Weekly"),
        "{}",
        to_bob[2].0
    );

    // Delivered as an invitation: the calendar part names its method, and
    // the calendar comes as an attachment too.
    let mut file = None;
    for _ in 0..100 {
        file = std::fs::read_dir(&dir).ok().and_then(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .find(|m| m.contains("method=REQUEST"))
        });
        if file.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let file = file.expect("an .eml file of an invitation");
    assert!(file.contains("Content-Type: multipart/mixed"), "{file}");
    assert!(
        file.contains("Content-Type: text/calendar; charset=utf-8; method=REQUEST"),
        "{file}"
    );
    assert!(file.contains("filename=\"invite.ics\""), "{file}");
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

/// The sessions of series `series`, in order: each id and version.
async fn series_sessions(app: &TestApp, by: &Session, series: Uuid) -> Vec<(Uuid, i32)> {
    let page: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}&limit=200"),
            &by.access,
        )
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|s| (s.id, s.version)).collect()
}

/// Cancels session `id` (and those `apply_to` names), then reads the
/// invitations sent to `to`.
async fn cancel_and_read(
    app: &TestApp,
    by: &Session,
    id: Uuid,
    apply_to: &str,
    to: &str,
) -> Vec<(String, String)> {
    app.post(
        &format!("/api/v1/sessions/{id}/cancel"),
        Some(&by.access),
        json!({"reason": "Plans changed", "apply_to": apply_to}),
    )
    .await
    .expect(200);
    invitations_sent(app).await;
    invitations_to(app, to).await
}

/// A weekly series is one invitation, not one per occurrence: its rule on
/// the wall clock of its zone with the zone's VTIMEZONE; a cancelled
/// occurrence leaves the attendee's calendar as an EXDATE, a moved one is
/// an exception with its RECURRENCE-ID, each an update with a higher
/// SEQUENCE; cancelling from one occurrence on ends the rule there, and
/// cancelling the rest takes the series out of the calendar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_is_one_invitation_and_its_exceptions_follow_it() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let cleo = person(
        &app,
        &owner,
        json!({"first_name": "Cleo", "last_name": "Weekly", "email": "cleo.weekly@example.com"}),
    )
    .await;
    let to = "cleo.weekly@example.com";
    // Six Mondays at 16:00 in Paris, a week away at least, all in winter
    // (UTC+1) whatever today is.
    use chrono::Datelike;
    let winter = |d: chrono::NaiveDate| matches!(d.month(), 12 | 1 | 2);
    let mut first = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    while first.weekday() != chrono::Weekday::Mon
        || !winter(first)
        || !winter(first + chrono::Duration::weeks(5))
    {
        first += chrono::Duration::days(1);
    }
    let day = |w: i64| first + chrono::Duration::weeks(w);
    let starts = |w: i64| format!("{}T15:00:00Z", day(w));
    let ends = |w: i64| format!("{}T16:00:00Z", day(w));
    let s = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Weekly maths", "starts_at": starts(0), "ends_at": ends(0),
               "participant_ids": [cleo.id],
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=6", "time_zone": "Europe/Paris"}}),
    )
    .await;
    let series = s.series_id.expect("a series");
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    assert_eq!(sent.len(), 1, "one invitation for six sessions: {sent:?}");
    assert!(
        sent[0].0.starts_with("Invitation: Weekly maths"),
        "{}",
        sent[0].0
    );
    let cal = sent[0].1.replace("\r\n ", "");
    let ymd = |w: i64| day(w).format("%Y%m%d").to_string();
    for line in [
        "METHOD:REQUEST".to_string(),
        "BEGIN:VTIMEZONE".to_string(),
        "TZID:Europe/Paris".to_string(),
        format!("DTSTART;TZID=Europe/Paris:{}T160000", ymd(0)),
        format!("DTEND;TZID=Europe/Paris:{}T170000", ymd(0)),
        "RRULE:FREQ=WEEKLY;COUNT=6".to_string(),
    ] {
        assert!(cal.split("\r\n").any(|l| l == line), "{line} in {cal}");
    }
    let uid = format!("{series}@rapport");
    let read = parse_ics(&sent[0].1);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].0, uid);
    assert_eq!(
        read[0].1,
        day(0).format("%m-%d 15:00").to_string(),
        "16:00 in Paris is 15:00 UTC in winter"
    );

    // The second is cancelled: an update whose rule skips it.
    let occ = series_sessions(&app, &owner, series).await;
    assert_eq!(occ.len(), 6);
    let sent = cancel_and_read(&app, &owner, occ[1].0, "this", to).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].0.starts_with("Updated: Weekly maths"),
        "{}",
        sent[1].0
    );
    let cal = sent[1].1.replace("\r\n ", "");
    assert!(
        cal.contains(&format!("EXDATE;TZID=Europe/Paris:{}T160000\r\n", ymd(1))),
        "{cal}"
    );
    let after_cancel = parse_ics(&sent[1].1);
    assert!(after_cancel[0].3 > read[0].3, "the sequence grows");

    // The third moves an hour later on its own: an exception named by its
    // original start.
    let (status, body) = patch(
        &app,
        &owner,
        occ[2].0,
        occ[2].1,
        json!({"starts_at": format!("{}T16:00:00Z", day(2)), "ends_at": format!("{}T17:00:00Z", day(2)), "apply_to": "this"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    assert_eq!(sent.len(), 3);
    let cal = sent[2].1.replace("\r\n ", "");
    assert!(
        cal.contains(&format!(
            "RECURRENCE-ID;TZID=Europe/Paris:{}T160000\r\n",
            ymd(2)
        )),
        "{cal}"
    );
    let events = parse_ics(&sent[2].1);
    assert_eq!(events.len(), 2, "the series and its exception: {events:?}");
    assert!(events.iter().all(|e| e.0 == uid));
    assert_eq!(events[1].1, day(2).format("%m-%d 16:00").to_string());
    assert!(events[0].3 > after_cancel[0].3);

    // Cancelled from the fourth on: the rule ends after three.
    let sent = cancel_and_read(&app, &owner, occ[3].0, "following", to).await;
    assert_eq!(sent.len(), 4);
    let cal = sent[3].1.replace("\r\n ", "");
    assert!(cal.contains("RRULE:FREQ=WEEKLY;COUNT=3\r\n"), "{cal}");

    // And the rest: the series leaves the calendar.
    let sent = cancel_and_read(&app, &owner, occ[0].0, "all", to).await;
    assert_eq!(
        sent.len(),
        5,
        "{:?}",
        sent.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    assert!(
        sent[4].0.starts_with("Cancelled: Weekly maths"),
        "{}",
        sent[4].0
    );
    assert!(sent[4].1.contains("METHOD:CANCEL\r\n"));
    assert_eq!(parse_ics(&sent[4].1)[0].0, uid);
    let bodies = app
        .texts(&format!(
            "SELECT body FROM mail_messages WHERE to_address = '{to}' AND subject LIKE 'Cancelled: Weekly maths%' ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .await;
    assert!(bodies[0].contains("Reason: Plans changed"), "{bodies:?}");
    app.stop().await;
}

/// Calendar addresses cannot be guessed quickly: sixty requests a minute
/// from one address, then 429 with `Retry-After`, found or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_feeds_are_rate_limited_per_address() {
    let app = TestApp::start().await;
    for i in 0..60 {
        let res = app
            .call(Method::GET, &format!("/ical/guess{i}.ics"), None, None)
            .await;
        assert_eq!(res.status, 404, "request {i}");
    }
    let res = app.call(Method::GET, "/ical/guess60.ics", None, None).await;
    assert_eq!(res.status, 429, "{:?}", res.body);
    assert!(res.headers.get("retry-after").is_some());
    app.stop().await;
}

/// A series split where its first part is already over still ends, in the
/// calendars that have it, where the split is; the second part is a new
/// invitation of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_series_ends_in_the_calendars_that_have_it_even_when_its_first_part_is_over() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let dora = person(
        &app,
        &owner,
        json!({"first_name": "Dora", "last_name": "Split", "email": "dora.split@example.com"}),
    )
    .await;
    let to = "dora.split@example.com";
    // Eight weeks, the first four over by an hour.
    use chrono::Timelike;
    let start = (chrono::Utc::now() - chrono::Duration::days(21) - chrono::Duration::hours(2))
        .with_nanosecond(0)
        .unwrap();
    let s = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths", "starts_at": start, "ends_at": start + chrono::Duration::hours(1),
               "participant_ids": [dora.id],
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=8", "time_zone": "UTC"}}),
    )
    .await;
    let series = s.series_id.expect("a series");
    invitations_sent(&app).await;
    assert_eq!(invitations_to(&app, to).await.len(), 1);
    let occ = series_sessions(&app, &owner, series).await;
    assert_eq!(occ.len(), 8);
    let (status, body) = patch(
        &app,
        &owner,
        occ[4].0,
        occ[4].1,
        json!({"title": "Maths, second term", "apply_to": "following"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    assert_eq!(
        sent.len(),
        3,
        "{:?}",
        sent.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let ended = sent
        .iter()
        .find(|s| s.0.starts_with("Updated: Maths"))
        .expect("the first part, updated");
    assert!(
        ended.1.contains("RRULE:FREQ=WEEKLY;COUNT=4\r\n"),
        "{}",
        ended.1
    );
    assert_eq!(parse_ics(&ended.1)[0].0, format!("{series}@rapport"));
    let second = sent
        .iter()
        .find(|s| s.0.starts_with("Invitation: Maths, second term"))
        .expect("the second part, invited");
    assert_ne!(parse_ics(&second.1)[0].0, format!("{series}@rapport"));
    assert!(
        second.1.contains("RRULE:FREQ=WEEKLY;COUNT=4\r\n"),
        "{}",
        second.1
    );
    app.stop().await;
}

/// A member finds the group sessions with seats left, books one and gives
/// it up; full, past, cancelled and seatless sessions and other workspaces'
/// are not offered, and an offer shows no one else who comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_find_group_sessions_with_seats_book_one_and_give_it_up() {
    use rapport_domain::api::SeatOffer;
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let member = app.add_member(&owner, "member").await;
    let me = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": member.user_id}),
    )
    .await;
    let sam = person(&app, &owner, json!({"first_name": "Sam"})).await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    let group = |title: &str, from: &str, to: &str, capacity: Option<i32>, who: Vec<Uuid>| {
        json!({"kind": "meeting", "title": title, "host_id": owner.user_id,
               "starts_at": at(from), "ends_at": at(to), "capacity": capacity,
               "participant_ids": who, "notes": "Staff only",
               "online_url": "https://meet.example/secret"})
    };
    let open = schedule(
        &app,
        &owner,
        group("Open clinic", "09:00", "10:00", Some(3), vec![sam.id]),
    )
    .await;
    let full = schedule(
        &app,
        &owner,
        group("Small circle", "11:00", "12:00", Some(1), vec![ada.id]),
    )
    .await;
    schedule(
        &app,
        &owner,
        group("One to one", "13:00", "14:00", None, vec![sam.id]),
    )
    .await;
    let called_off = schedule(
        &app,
        &owner,
        group("Called off", "15:00", "16:00", Some(5), vec![]),
    )
    .await;
    app.post(
        &format!("/api/v1/sessions/{}/cancel", called_off.id),
        Some(&owner.access),
        json!({"reason": "Room flooded"}),
    )
    .await
    .expect(200);
    // One that has begun, written as it would be by the time it came.
    let begun = schedule(
        &app,
        &owner,
        group("Begun", "17:00", "18:00", Some(5), vec![]),
    )
    .await;
    app.sql()
        .await
        .execute(
            "UPDATE sessions SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE id = $1",
            &[&begun.id],
        )
        .await
        .expect("begun");
    let elsewhere = app.register("consulting").await;
    schedule(
        &app,
        &elsewhere,
        json!({"kind": "meeting", "title": "Theirs", "host_id": elsewhere.user_id,
        "starts_at": at("09:00"), "ends_at": at("10:00"), "capacity": 9}),
    )
    .await;

    let offers = |token: String, query: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/bookings/seats{query}"), &token)
                .await
                .expect(200)
        }
    };
    let res = offers(member.access.clone(), "").await;
    for field in ["participant_ids", "group_ids", "notes", "online_url"] {
        assert!(
            res.body["data"][0].get(field).is_none(),
            "{field} is not for every member: {:?}",
            res.body
        );
    }
    let page: Page<SeatOffer> = res.read();
    let seen: Vec<(&str, i32, i32, bool)> = page
        .data
        .iter()
        .map(|o| (o.title.as_str(), o.capacity, o.seats_left, o.booked))
        .collect();
    assert_eq!(
        seen,
        [("Open clinic", 3, 2, false), ("Small circle", 1, 0, false)]
    );
    assert_eq!(page.data[0].session_id, open.id);
    assert_eq!(page.data[0].host_name.as_deref(), Some("Olive Owner"));

    // Booked: the offer says so, with a seat fewer.
    app.post(
        "/api/v1/bookings",
        Some(&member.access),
        json!({"session_id": open.id}),
    )
    .await
    .expect(201);
    let page: Page<SeatOffer> = offers(member.access.clone(), "").await.read();
    assert_eq!((page.data[0].seats_left, page.data[0].booked), (1, true));
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&member.access),
            json!({"session_id": full.id}),
        )
        .await;
    assert_eq!((res.status, res.body["code"].as_str()), (409, Some("full")));

    // A page at a time, and by time, host and kind.
    let first: Page<SeatOffer> = offers(member.access.clone(), "?limit=1").await.read();
    assert_eq!(first.data.len(), 1);
    let cursor = first.next_cursor.expect("a next page");
    let next: Page<SeatOffer> = app
        .get(
            &format!("/api/v1/bookings/seats?limit=1&cursor={cursor}"),
            &member.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(next.data[0].session_id, full.id);
    let later: Page<SeatOffer> = app
        .get(
            &format!(
                "/api/v1/bookings/seats?from={}",
                at("10:30").replace(':', "%3A")
            ),
            &member.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        later.data.iter().map(|o| o.session_id).collect::<Vec<_>>(),
        [full.id]
    );
    let none: Page<SeatOffer> = offers(member.access.clone(), "?kind=lesson").await.read();
    assert!(none.data.is_empty());
    let none: Page<SeatOffer> = app
        .get(
            &format!("/api/v1/bookings/seats?host_id={}", member.user_id),
            &member.access,
        )
        .await
        .expect(200)
        .read();
    assert!(none.data.is_empty());

    // Given up: the seat is free again, and they are no longer on it.
    app.post(
        &format!("/api/v1/bookings/{}/cancel", open.id),
        Some(&member.access),
        json!({"reason": "Cannot come"}),
    )
    .await
    .expect(200);
    let page: Page<SeatOffer> = offers(member.access.clone(), "").await.read();
    assert_eq!((page.data[0].seats_left, page.data[0].booked), (2, false));
    let still = app
        .count(&format!(
            "SELECT count(*) FROM session_participants WHERE session_id = '{}' AND person_id = '{}'",
            open.id, me.id
        ))
        .await;
    assert_eq!(still, 0);

    // Bad input, a key without the scope, a template without bookings.
    for q in [
        "?to=2020-01-01T00:00:00Z&from=2021-01-01T00:00:00Z",
        "?kind=party",
        "?host=me",
    ] {
        let res = app
            .get(&format!("/api/v1/bookings/seats{q}"), &member.access)
            .await;
        assert!(
            matches!(res.status, 400 | 422)
                && res.header("content-type") == Some("application/problem+json"),
            "{q}: {} {:?}",
            res.status,
            res.body
        );
    }
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "audit", "scopes": ["audit:read"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(
        app.get("/api/v1/bookings/seats", &key.key).await.status,
        403
    );
    let sales = app.register("sales").await;
    let res = app.get("/api/v1/bookings/seats", &sales.access).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );
    app.stop().await;
}

/// In tutoring a user marks a session they take part in or hold as held
/// (`completed`), once it has begun; not another's, not a cancelled one,
/// and not in a template where members do not log their sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_tutoring_a_user_marks_their_own_session_held_and_nothing_else() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let tutor = app.add_member(&owner, "member").await;
    let stranger = app.add_member(&owner, "member").await;
    let own = person(
        &app,
        &owner,
        json!({"first_name": "Me", "user_id": user.user_id}),
    )
    .await;
    person(
        &app,
        &owner,
        json!({"first_name": "Else", "user_id": stranger.user_id}),
    )
    .await;
    let at = |day: &str, hm: &str| format!("{day}T{hm}:00Z");
    let past = (chrono::Utc::now() - chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let future = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let lesson = |day: &str, hm: &str, to: &str| {
        json!({"kind": "tutoring", "title": "Maths", "host_id": tutor.user_id,
               "starts_at": at(day, hm), "ends_at": at(day, to), "participant_ids": [own.id]})
    };
    let held = schedule(&app, &owner, lesson(&past, "10:00", "11:00")).await;
    let by_tutor = schedule(&app, &owner, lesson(&past, "12:00", "13:00")).await;
    let coming = schedule(&app, &owner, lesson(&future, "10:00", "11:00")).await;
    let called_off = schedule(&app, &owner, lesson(&past, "14:00", "15:00")).await;
    app.post(
        &format!("/api/v1/sessions/{}/cancel", called_off.id),
        Some(&owner.access),
        json!({"reason": "Tutor ill"}),
    )
    .await
    .expect(200);
    let complete = |by: &Session, id: Uuid| {
        let (app, token) = (&app, by.access.clone());
        async move {
            app.post(
                &format!("/api/v1/sessions/{id}/complete"),
                Some(&token),
                json!({}),
            )
            .await
        }
    };

    // Someone else's: not theirs to see, so not theirs to mark.
    assert_eq!(complete(&stranger, held.id).await.status, 404);
    let marked: SessionView = complete(&user, held.id).await.expect(200).read();
    assert_eq!(marked.status, SessionStatus::Completed);
    assert_eq!(
        marked.participant_ids,
        [own.id],
        "still their own part only"
    );
    // Again: nothing changes, one audit entry.
    let again: SessionView = complete(&user, held.id).await.expect(200).read();
    assert_eq!(again.version, marked.version);
    let entries = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_id = '{}' AND action = 'session.updated' AND actor_id = '{}'",
            held.id, user.user_id
        ))
        .await;
    assert_eq!(entries, 1);
    // The tutor marks the one they hold.
    let marked: SessionView = complete(&tutor, by_tutor.id).await.expect(200).read();
    assert_eq!(marked.status, SessionStatus::Completed);
    // Not before it begins; not a cancelled one.
    let res = complete(&user, coming.id).await;
    assert_eq!(
        (res.status, res.body["errors"][0]["field"].as_str()),
        (422, Some("status"))
    );
    let res = complete(&user, called_off.id).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("cancelled"))
    );
    // A no-show stays one.
    let missed = schedule(&app, &owner, lesson(&past, "16:00", "17:00")).await;
    patch(
        &app,
        &owner,
        missed.id,
        missed.version,
        json!({"status": "no_show"}),
    )
    .await;
    let res = complete(&user, missed.id).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("not_scheduled"))
    );
    let status = app
        .texts(&format!(
            "SELECT status FROM sessions WHERE id = '{}'",
            missed.id
        ))
        .await;
    assert_eq!(status, ["no_show"]);

    // Where members do not log their sessions, only staff mark them.
    let school = app.register("school").await;
    let pupil = app.add_member(&school, "member").await;
    let mine = person(
        &app,
        &school,
        json!({"first_name": "Pupil", "user_id": pupil.user_id}),
    )
    .await;
    let lesson: SessionView = schedule(
        &app,
        &school,
        json!({"kind": "lesson", "title": "Python", "host_id": school.user_id,
               "starts_at": at(&past, "10:00"), "ends_at": at(&past, "11:00"),
               "participant_ids": [mine.id]}),
    )
    .await;
    assert_eq!(complete(&pupil, lesson.id).await.status, 403);
    complete(&school, lesson.id).await.expect(200);
    app.stop().await;
}

/// "All" from an occurrence that already holds the new values (it was
/// changed alone before) still changes its series: every other occurrence
/// that has not begun takes them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_from_an_occurrence_already_changed_alone_changes_the_whole_series() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let first = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Maths", "starts_at": "2027-03-01T15:00:00Z",
               "ends_at": "2027-03-01T16:00:00Z",
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3", "time_zone": "UTC"}}),
    )
    .await;
    let series = first.series_id.expect("a series");
    let page: Page<SessionView> = app
        .get(
            &format!("/api/v1/sessions?series_id={series}"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let second = &page.data[1];
    let (status, body) = patch(
        &app,
        &owner,
        second.id,
        second.version,
        json!({"title": "Algebra"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let version = body["version"].as_i64().unwrap() as i32;
    let (status, body) = patch(
        &app,
        &owner,
        second.id,
        version,
        json!({"title": "Algebra", "apply_to": "all"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let titles: Vec<String> = occurrences(&app, &owner, series)
        .await
        .into_iter()
        .map(|(_, _, title, _)| title)
        .collect();
    assert_eq!(titles, ["Algebra", "Algebra", "Algebra"]);
    app.stop().await;
}

/// A series moved as a whole keeps out of its attendees' calendars the
/// occurrences cancelled before: their EXDATE follows the rule's new time,
/// the past ones' included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_moved_whole_keeps_its_cancelled_occurrences_out_of_calendars() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let dora = person(
        &app,
        &owner,
        json!({"first_name": "Dora", "email": "dora.moved@example.com"}),
    )
    .await;
    let to = "dora.moved@example.com";
    let first = chrono::Utc::now().date_naive() - chrono::Duration::days(14);
    let day = |w: i64| first + chrono::Duration::weeks(w);
    let s = schedule(
        &app,
        &owner,
        json!({"kind": "tutoring", "title": "Moved maths",
               "starts_at": format!("{}T10:00:00Z", day(0)), "ends_at": format!("{}T11:00:00Z", day(0)),
               "participant_ids": [dora.id],
               "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=5", "time_zone": "UTC"}}),
    )
    .await;
    let series = s.series_id.expect("a series");
    let occ = series_sessions(&app, &owner, series).await;
    assert_eq!(occ.len(), 5);
    // The first, held a fortnight ago, was called off.
    app.post(
        &format!("/api/v1/sessions/{}/cancel", occ[0].0),
        Some(&owner.access),
        json!({"reason": "Holiday"}),
    )
    .await
    .expect(200);
    // Then every one that has not begun moves an hour later.
    let (status, body) = patch(
        &app,
        &owner,
        occ[3].0,
        occ[3].1,
        json!({"starts_at": format!("{}T11:00:00Z", day(3)), "ends_at": format!("{}T12:00:00Z", day(3)), "apply_to": "all"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    let cal = sent.last().expect("invited").1.replace("\r\n ", "");
    let ymd = |w: i64| day(w).format("%Y%m%d").to_string();
    let exdate = cal
        .split("\r\n")
        .find(|l| l.starts_with("EXDATE"))
        .unwrap_or_else(|| panic!("an EXDATE in {cal}"))
        .to_string();
    assert!(
        exdate.ends_with(&format!("{}T110000", ymd(0)))
            || exdate.ends_with(&format!("{}T110000Z", ymd(0))),
        "{exdate} in {cal}"
    );
    assert!(
        cal.split("\r\n")
            .any(|l| l.starts_with("DTSTART") && l.contains("T110000")),
        "{cal}"
    );
    app.stop().await;
}

/// A student who joins a class is invited to its coming lessons, and one
/// whose stay is removed has them cancelled in their calendar: the class's
/// members are its lessons' attendees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_or_leaving_a_class_updates_the_invitations_of_its_coming_lessons() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let eve = person(
        &app,
        &owner,
        json!({"first_name": "Eve", "email": "eve.joins@example.com"}),
    )
    .await;
    let to = "eve.joins@example.com";
    let class: Value = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Robotics", "kind": "class"}),
        )
        .await
        .expect(201)
        .read();
    let class_id = class["id"].as_str().unwrap().to_string();
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    schedule(
        &app,
        &owner,
        json!({"kind": "lesson", "title": "Robotics lab", "starts_at": format!("{day}T15:00:00Z"),
               "ends_at": format!("{day}T16:00:00Z"), "group_ids": [class_id]}),
    )
    .await;
    invitations_sent(&app).await;
    assert!(
        invitations_to(&app, to).await.is_empty(),
        "not in the class yet"
    );
    let stay: Value = app
        .post(
            &format!("/api/v1/groups/{class_id}/members"),
            Some(&owner.access),
            json!({"person_id": eve.id}),
        )
        .await
        .expect(201)
        .read();
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].0.starts_with("Invitation: Robotics lab"),
        "{}",
        sent[0].0
    );
    // Entered by mistake: removed, and the lesson leaves her calendar.
    app.delete(
        &format!(
            "/api/v1/groups/{class_id}/members/{}",
            stay["id"].as_str().unwrap()
        ),
        &owner.access,
    )
    .await
    .expect(204);
    invitations_sent(&app).await;
    let sent = invitations_to(&app, to).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].0.starts_with("Cancelled: Robotics lab"),
        "{}",
        sent[1].0
    );
    assert!(sent[1].1.contains("METHOD:CANCEL"));
    app.stop().await;
}
