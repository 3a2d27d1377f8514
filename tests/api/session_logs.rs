//! Sessions logged on a phone that may have been offline: each log applied
//! once however often it arrives, and refused with its reason, changing
//! nothing, when the session was cancelled, invoiced or changed meanwhile
//! (its register too).

use rapport_domain::api::{
    AttendanceStatus, AttendanceView, PersonView, SessionLogView, SessionStatus, SessionView,
};
use rapport_tests::{Resp, Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

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

async fn send(app: &TestApp, token: &str, session: Uuid, body: &Value) -> Resp {
    app.post(
        &format!("/api/v1/sessions/{session}/logs"),
        Some(token),
        body.clone(),
    )
    .await
}

/// A log made an hour ago on the phone: held, and `who` present.
fn held(session: &SessionView, who: Uuid) -> Value {
    json!({
        "id": Uuid::now_v7(),
        "version": session.version,
        "completed": true,
        "records": [{"person_id": who, "status": "present", "note": "Fractions"}],
        "logged_at": chrono::Utc::now() - chrono::Duration::hours(1),
    })
}

async fn read(app: &TestApp, by: &Session, id: Uuid) -> SessionView {
    app.get(&format!("/api/v1/sessions/{id}"), &by.access)
        .await
        .expect(200)
        .read()
}

async fn register(app: &TestApp, by: &Session, id: Uuid) -> Vec<AttendanceView> {
    app.get(&format!("/api/v1/sessions/{id}/attendance"), &by.access)
        .await
        .expect(200)
        .read()
}

struct Desk {
    app: TestApp,
    owner: Session,
    user: Session,
    tutor: Session,
    own: PersonView,
    past: String,
}

impl Desk {
    async fn open() -> Desk {
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
        let past = (chrono::Utc::now() - chrono::Duration::days(2))
            .date_naive()
            .to_string();
        Desk {
            app,
            owner,
            user,
            tutor,
            own,
            past,
        }
    }

    /// A lesson two days ago at `hm` for an hour, held by the tutor for
    /// the user's person.
    async fn lesson(&self, hm: &str) -> SessionView {
        let (h, m) = hm.split_once(':').unwrap();
        let end = format!("{:02}:{m}", h.parse::<u32>().unwrap() + 1);
        schedule(
            &self.app,
            &self.owner,
            json!({"kind": "tutoring", "title": "Maths", "host_id": self.tutor.user_id,
                   "starts_at": format!("{}T{hm}:00Z", self.past),
                   "ends_at": format!("{}T{end}:00Z", self.past),
                   "participant_ids": [self.own.id]}),
        )
        .await
    }

    async fn logs(&self) -> i64 {
        self.app.count("SELECT count(*) FROM session_logs").await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_sent_again_or_many_times_at_once_is_applied_once() {
    let d = Desk::open().await;
    let app = &d.app;
    let lesson = d.lesson("10:00").await;
    let log = held(&lesson, d.own.id);

    let first: SessionLogView = send(app, &d.user.access, lesson.id, &log)
        .await
        .expect(200)
        .read();
    assert!(!first.replayed);
    assert_eq!(first.session.status, SessionStatus::Completed);
    let line = register(app, &d.owner, lesson.id).await;
    assert_eq!(line.len(), 1);
    assert_eq!(
        (line[0].status, line[0].note.as_deref()),
        (Some(AttendanceStatus::Present), Some("Fractions"))
    );

    // Sent again (the answer was lost on the way back): applied before.
    let again: SessionLogView = send(app, &d.user.access, lesson.id, &log)
        .await
        .expect(200)
        .read();
    assert!(again.replayed);
    assert_eq!(again.applied_at, first.applied_at);
    assert_eq!(again.session.version, first.session.version);
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_id = '{}' AND action = 'session.updated'",
            lesson.id
        ))
        .await;
    assert_eq!(audited, 1, "completed once");
    assert_eq!(d.logs().await, 1);

    // The same id with something else: refused, nothing changes.
    let mut other = log.clone();
    other["records"][0]["status"] = json!("absent");
    let res = send(app, &d.user.access, lesson.id, &other).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    assert_eq!(
        register(app, &d.owner, lesson.id).await[0].status,
        Some(AttendanceStatus::Present)
    );

    // Ten copies of one log at once (two tabs, a retry): one applies it.
    let busy = d.lesson("12:00").await;
    let log = held(&busy, d.own.id);
    let answers =
        futures::future::join_all((0..10).map(|_| send(app, &d.user.access, busy.id, &log))).await;
    let mut fresh = 0;
    for res in answers {
        let v: SessionLogView = res.expect(200).read();
        assert_eq!(v.session.status, SessionStatus::Completed);
        fresh += usize::from(!v.replayed);
    }
    assert_eq!(fresh, 1, "exactly one of the ten applied it");
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_id = '{}' AND action = 'session.updated'",
            busy.id
        ))
        .await;
    assert_eq!(audited, 1);
    let recorded = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_id = '{}:{}'",
            busy.id, d.own.id
        ))
        .await;
    assert_eq!(recorded, 1, "attendance recorded once");
    assert_eq!(d.logs().await, 2);

    // A phone whose clock is ahead: logged now at the latest.
    let ahead = d.lesson("14:00").await;
    let mut log = held(&ahead, d.own.id);
    log["logged_at"] = json!(chrono::Utc::now() + chrono::Duration::hours(3));
    let v: SessionLogView = send(app, &d.user.access, ahead.id, &log)
        .await
        .expect(200)
        .read();
    assert!(v.logged_at <= chrono::Utc::now());
    let again: SessionLogView = send(app, &d.user.access, ahead.id, &log)
        .await
        .expect(200)
        .read();
    assert!(again.replayed);
    assert_eq!(d.logs().await, 3);

    // Erased, the person's notes leave the logs too.
    let noted = "SELECT count(*) FROM session_logs, jsonb_array_elements(records) e WHERE e->>'note' IS NOT NULL";
    assert_eq!(app.count(noted).await, 3);
    app.post(
        &format!("/api/v1/people/{}/erase", d.own.id),
        Some(&d.owner.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(app.count(noted).await, 0);
    d.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_of_a_session_cancelled_invoiced_or_changed_since_is_refused_with_its_reason() {
    let d = Desk::open().await;
    let app = &d.app;

    // Cancelled after the phone showed it.
    let called_off = d.lesson("08:00").await;
    let log = held(&called_off, d.own.id);
    app.post(
        &format!("/api/v1/sessions/{}/cancel", called_off.id),
        Some(&d.owner.access),
        json!({"reason": "Tutor ill"}),
    )
    .await
    .expect(200);
    let res = send(app, &d.user.access, called_off.id, &log).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("cancelled")),
        "{:?}",
        res.body
    );

    // Moved after the phone showed it: the detail says where to.
    let moved = d.lesson("10:00").await;
    let log = held(&moved, d.own.id);
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", moved.id),
        Some(&d.owner.access),
        Some(json!({"starts_at": format!("{}T10:30:00Z", d.past), "ends_at": format!("{}T11:30:00Z", d.past)})),
        &[("if-match", format!("\"{}\"", moved.version).as_str())],
    )
    .await
    .expect(200);
    let res = send(app, &d.user.access, moved.id, &log).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (412, Some("stale_version"))
    );
    let detail = res.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("10:30 to 11:30"), "{detail}");
    let now = read(app, &d.owner, moved.id).await;
    assert_eq!(now.status, SessionStatus::Scheduled, "nothing changed");
    assert_eq!(register(app, &d.owner, moved.id).await[0].status, None);
    // Logged anew on what the session is now: applied.
    let anew = held(&now, d.own.id);
    let v: SessionLogView = send(app, &d.user.access, moved.id, &anew)
        .await
        .expect(200)
        .read();
    assert_eq!(v.session.status, SessionStatus::Completed);

    // Held already (the tutor logged it first): the phone's log says the
    // same, so it stands.
    let both = d.lesson("12:00").await;
    let log = json!({"id": Uuid::now_v7(), "version": both.version, "completed": true,
                     "logged_at": chrono::Utc::now()});
    app.post(
        &format!("/api/v1/sessions/{}/complete", both.id),
        Some(&d.tutor.access),
        json!({}),
    )
    .await
    .expect(200);
    let v: SessionLogView = send(app, &d.user.access, both.id, &log)
        .await
        .expect(200)
        .read();
    assert!(!v.replayed);
    // But an absence logged on a session the tutor changed meanwhile is not.
    let absent = json!({"id": Uuid::now_v7(), "version": both.version,
                        "records": [{"person_id": d.own.id, "status": "absent"}],
                        "logged_at": chrono::Utc::now()});
    let res = send(app, &d.user.access, both.id, &absent).await;
    assert_eq!(res.status, 412, "{:?}", res.body);

    // The register taken in the calendar by the owner after the tutor's
    // phone logged her late: the phone's line is refused, the owner's
    // stands.
    let taken = d.lesson("14:00").await;
    let phone = json!({"id": Uuid::now_v7(), "version": taken.version,
                       "records": [{"person_id": d.own.id, "status": "late"}],
                       "logged_at": chrono::Utc::now() - chrono::Duration::minutes(5)});
    app.call_with(
        Method::PUT,
        &format!("/api/v1/sessions/{}/attendance", taken.id),
        Some(&d.owner.access),
        Some(json!({"records": [{"person_id": d.own.id, "status": "absent", "note": "Not seen"}]})),
        &[],
    )
    .await
    .expect(200);
    let res = send(app, &d.tutor.access, taken.id, &phone).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (412, Some("stale_version")),
        "{:?}",
        res.body
    );
    let detail = res.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("register was taken"), "{detail}");
    let line = &register(app, &d.owner, taken.id).await[0];
    assert_eq!(
        (line.status, line.note.as_deref()),
        (Some(AttendanceStatus::Absent), Some("Not seen"))
    );
    // Logged anew after it, seen: the tutor's to change.
    let anew = json!({"id": Uuid::now_v7(), "version": taken.version,
                      "records": [{"person_id": d.own.id, "status": "late"}],
                      "logged_at": chrono::Utc::now()});
    send(app, &d.tutor.access, taken.id, &anew)
        .await
        .expect(200);
    let line = &register(app, &d.owner, taken.id).await[0];
    assert_eq!(line.status, Some(AttendanceStatus::Late));

    // Invoiced: the month's run billed it after the phone showed it.
    app.post(
        "/api/v1/rates",
        Some(&d.owner.access),
        json!({"person_id": d.own.id, "unit": "session", "amount": {"amount_minor": 4000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    let billed = schedule(
        app,
        &d.owner,
        json!({"kind": "tutoring", "title": "Maths", "host_id": d.tutor.user_id,
               "starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T11:00:00Z",
               "participant_ids": [d.own.id]}),
    )
    .await;
    let completed: SessionView = app
        .post(
            &format!("/api/v1/sessions/{}/complete", billed.id),
            Some(&d.owner.access),
            json!({}),
        )
        .await
        .expect(200)
        .read();
    app.post(
        "/api/v1/invoices/run",
        Some(&d.owner.access),
        json!({"month": "2026-03-01"}),
    )
    .await
    .expect(200);
    let late = json!({"id": Uuid::now_v7(), "version": completed.version,
                      "records": [{"person_id": d.own.id, "status": "absent", "note": "Ill"}],
                      "logged_at": "2026-03-02T11:00:00Z"});
    let res = send(app, &d.user.access, billed.id, &late).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("invoiced")),
        "{:?}",
        res.body
    );
    assert_eq!(register(app, &d.owner, billed.id).await[0].status, None);
    // Of the refused, nothing was kept.
    assert_eq!(d.logs().await, 3);
    d.app.stop().await;
}

/// A phone's log and a register taken by hand, sent at once: whichever the
/// server takes first (both lock the session), the register taken by hand
/// stands, and the log is applied before it or refused after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_and_a_register_taken_at_once_leave_the_register_taken() {
    let d = Desk::open().await;
    let app = &d.app;
    for hour in 14..20 {
        let lesson = d.lesson(&format!("{hour}:00")).await;
        let phone = json!({"id": Uuid::now_v7(), "version": lesson.version,
                           "records": [{"person_id": d.own.id, "status": "late"}],
                           "logged_at": chrono::Utc::now() - chrono::Duration::minutes(5)});
        let path = format!("/api/v1/sessions/{}/attendance", lesson.id);
        let body =
            json!({"records": [{"person_id": d.own.id, "status": "absent", "note": "Not seen"}]});
        let (logged, taken) = tokio::join!(
            send(app, &d.tutor.access, lesson.id, &phone),
            app.call_with(Method::PUT, &path, Some(&d.owner.access), Some(body), &[]),
        );
        taken.expect(200);
        assert!(
            logged.status == 200 || logged.body["code"] == "stale_version",
            "{}: {:?}",
            logged.status,
            logged.body
        );
        let line = &register(app, &d.owner, lesson.id).await[0];
        assert_eq!(
            (line.status, line.note.as_deref()),
            (Some(AttendanceStatus::Absent), Some("Not seen"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_logs_other_peoples_sessions_and_key_scopes_change_nothing() {
    let d = Desk::open().await;
    let app = &d.app;
    let lesson = d.lesson("10:00").await;
    let bad = |patch: Value| {
        let mut body = held(&lesson, d.own.id);
        if let (Some(b), Some(p)) = (body.as_object_mut(), patch.as_object()) {
            b.extend(p.clone());
        }
        body
    };
    for (body, field) in [
        (bad(json!({"version": 0})), "version"),
        (bad(json!({"completed": false, "records": []})), "records"),
        (
            bad(
                json!({"records": [{"person_id": d.own.id, "status": "present"},
                                   {"person_id": d.own.id, "status": "absent"}]}),
            ),
            "records.1.person_id",
        ),
    ] {
        let res = send(app, &d.user.access, lesson.id, &body).await;
        assert_eq!(res.status, 422, "{body}: {:?}", res.body);
        assert_eq!(res.body["errors"][0]["field"], field, "{:?}", res.body);
    }
    let res = send(
        app,
        &d.user.access,
        lesson.id,
        &bad(json!({"id": "not-an-id"})),
    )
    .await;
    assert!([400, 422].contains(&res.status), "{:?}", res.body);
    let res = send(app, &d.user.access, lesson.id, &bad(json!({"extra": 1}))).await;
    assert!([400, 422].contains(&res.status), "{:?}", res.body);

    // Another user's session is not theirs to see.
    let stranger = app.add_member(&d.owner, "member").await;
    let res = send(app, &stranger.access, lesson.id, &held(&lesson, d.own.id)).await;
    assert_eq!(res.status, 404);
    // Another workspace's: absent.
    let elsewhere = app.register("tutoring").await;
    let res = send(app, &elsewhere.access, lesson.id, &held(&lesson, d.own.id)).await;
    assert_eq!(res.status, 404);
    // A key without attendance:write may read, not log.
    let reader = app.api_key(&d.owner, json!(["sessions:read"])).await;
    let res = send(app, &reader, lesson.id, &held(&lesson, d.own.id)).await;
    assert_eq!(res.status, 403);
    // A user logs their own attendance only.
    let other = person(app, &d.owner, json!({"first_name": "Other"})).await;
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", lesson.id),
        Some(&d.owner.access),
        Some(json!({"participant_ids": [d.own.id, other.id]})),
        &[("if-match", format!("\"{}\"", lesson.version).as_str())],
    )
    .await
    .expect(200);
    let now = read(app, &d.owner, lesson.id).await;
    let res = send(app, &d.user.access, lesson.id, &held(&now, other.id)).await;
    assert_eq!(res.status, 403, "{:?}", res.body);
    // Nor learns anything of another's line from a stale log: refused as
    // not theirs, whatever that line holds.
    for status in ["present", "absent"] {
        let mut probe = held(&lesson, other.id);
        probe["records"][0]["status"] = json!(status);
        probe["completed"] = json!(false);
        let res = send(app, &d.user.access, lesson.id, &probe).await;
        assert_eq!(res.status, 403, "{:?}", res.body);
    }
    // Where members do not log their own sessions, a member logs nothing.
    let school = app.register("school").await;
    let pupil = app.add_member(&school, "member").await;
    let theirs = person(
        app,
        &school,
        json!({"first_name": "Pupil", "user_id": pupil.user_id}),
    )
    .await;
    let lesson2 = schedule(
        app,
        &school,
        json!({"kind": "lesson", "title": "Python", "host_id": school.user_id,
               "starts_at": format!("{}T10:00:00Z", d.past), "ends_at": format!("{}T11:00:00Z", d.past),
               "participant_ids": [theirs.id]}),
    )
    .await;
    let res = send(app, &pupil.access, lesson2.id, &held(&lesson2, theirs.id)).await;
    assert_eq!(res.status, 403);

    assert_eq!(d.logs().await, 0);
    assert_eq!(
        read(app, &d.owner, lesson.id).await.status,
        SessionStatus::Scheduled
    );
    d.app.stop().await;
}
