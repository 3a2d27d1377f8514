//! When a student is free: recorded by the student or by staff who see
//! them, and kept to by the slot search for a session with them, clear of
//! their other sessions; others' students are nobody's to read or change.

use rapport_domain::api::{PersonAvailabilityView, PersonView, Slot};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

async fn person(app: &TestApp, by: &Session, body: Value) -> PersonView {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn put(
    app: &TestApp,
    by: &Session,
    person: Uuid,
    body: Value,
    version: Option<i32>,
) -> rapport_tests::Resp {
    let etag = version.map(|v| format!("\"{v}\""));
    let headers: Vec<(&str, &str)> = etag.iter().map(|e| ("if-match", e.as_str())).collect();
    app.call_with(
        Method::PUT,
        &format!("/api/v1/people/{person}/availability"),
        Some(&by.access),
        Some(body),
        &headers,
    )
    .await
}

/// Monday 7 December 2026, `hh:mm` UTC.
fn monday(hm: &str) -> String {
    format!("2026-12-07T{hm}:00Z")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_records_when_they_are_free_and_the_slots_keep_to_it() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let tutor = app.add_member(&owner, "member").await;
    let student = app.add_member(&owner, "member").await;
    let someone = app.add_member(&owner, "member").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    // Leo is looked after by `someone` (a parent who signs in).
    let leo = person(
        &app,
        &owner,
        json!({"first_name": "Leo", "owner_id": someone.user_id}),
    )
    .await;
    // Sessions of the kind may be proposed from now on, two years ahead.
    app.call(
        Method::PUT,
        "/api/v1/availability/rules/tutoring",
        Some(&owner.access),
        Some(
            json!({"duration_min": 60, "buffer_before_min": 0, "buffer_after_min": 0,
                    "slot_interval_min": 30, "min_notice_min": 0, "window_days": 730,
                    "max_per_day": null, "max_per_week": null, "requires_confirmation": false}),
        ),
    )
    .await
    .expect(200);
    // The tutor teaches on Mondays, 09:00 to 17:00 UTC.
    app.call(
        Method::PUT,
        &format!("/api/v1/availability/{}", tutor.user_id),
        Some(&owner.access),
        Some(
            json!({"time_zone": "UTC", "weekly": [{"weekday": 1, "from": "09:00", "to": "17:00"}]}),
        ),
    )
    .await
    .expect(200);

    // Mia says she is free on Mondays from 14:00 to 16:00.
    let free =
        json!({"time_zone": "UTC", "weekly": [{"weekday": 1, "from": "14:00", "to": "16:00"}]});
    let mine: PersonAvailabilityView = put(&app, &student, mia.id, free.clone(), Some(0))
        .await
        .expect(200)
        .read();
    assert_eq!(
        (mine.person_id, mine.version, mine.weekly.len()),
        (mia.id, 1, 1)
    );
    // Not over a version gone by; not a bad week; not someone else's.
    assert_eq!(
        put(&app, &student, mia.id, free.clone(), Some(0))
            .await
            .status,
        412
    );
    let bad =
        json!({"time_zone": "UTC", "weekly": [{"weekday": 9, "from": "14:00", "to": "13:00"}]});
    assert_eq!(put(&app, &student, mia.id, bad, None).await.status, 422);
    let res = put(
        &app,
        &student,
        mia.id,
        json!({"time_zone": "Mars/Olympus"}),
        None,
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(
        put(&app, &someone, mia.id, free.clone(), None).await.status,
        404
    );
    assert_eq!(
        put(&app, &student, leo.id, free.clone(), None).await.status,
        404
    );
    // One who sees Leo without being him or staff reads, and may not record.
    let res = put(&app, &someone, leo.id, free.clone(), None).await;
    assert_eq!(res.status, 403, "{}", res.text);
    // Over the version she has: taken; why she is away is hers and staff's.
    let away = json!({"time_zone": "UTC", "weekly": [{"weekday": 1, "from": "14:00", "to": "16:00"}],
                      "time_off": [{"starts_at": "2027-02-01T00:00:00Z", "ends_at": "2027-02-08T00:00:00Z",
                                    "reason": "Family trip"}]});
    let again: PersonAvailabilityView = put(&app, &student, mia.id, away, Some(1))
        .await
        .expect(200)
        .read();
    assert_eq!(again.version, 2);
    // Staff read and record anyone's; another workspace finds nobody.
    let read: PersonAvailabilityView = app
        .get(
            &format!("/api/v1/people/{}/availability", mia.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(read.weekly, mine.weekly);
    assert_eq!(read.time_off[0].reason.as_deref(), Some("Family trip"));
    put(&app, &owner, leo.id, free.clone(), None)
        .await
        .expect(200);
    let stranger = app.register("tutoring").await;
    app.get(
        &format!("/api/v1/people/{}/availability", mia.id),
        &stranger.access,
    )
    .await
    .expect(404);
    assert_eq!(
        put(&app, &stranger, mia.id, free.clone(), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'person_availability.updated'")
            .await,
        3
    );

    // The tutor's slots on that Monday: all day; with Mia, within her hours.
    let slots = async |query: String| -> Vec<String> {
        let found: Vec<Slot> = app
            .get(
                &format!(
                    "/api/v1/availability/slots?host_id={}&from={}&to={}&kind=tutoring{query}",
                    tutor.user_id,
                    monday("00:00"),
                    "2026-12-08T00:00:00Z"
                ),
                &owner.access,
            )
            .await
            .expect(200)
            .read();
        found
            .iter()
            .map(|s| s.starts_at.format("%H:%M").to_string())
            .collect()
    };
    assert_eq!(
        slots(String::new()).await.first().map(String::as_str),
        Some("09:00")
    );
    assert_eq!(
        slots(format!("&person_id={}", mia.id)).await,
        ["14:00", "14:30", "15:00"]
    );
    // A session of hers with someone else takes 15:00 to 16:00 away.
    app.post(
        "/api/v1/sessions",
        Some(&owner.access),
        json!({"kind": "tutoring", "title": "Chess", "host_id": owner.user_id,
               "starts_at": monday("15:00"), "ends_at": monday("16:00"), "participant_ids": [mia.id]}),
    )
    .await
    .expect(201);
    assert_eq!(slots(format!("&person_id={}", mia.id)).await, ["14:00"]);
    // A person the caller does not see is no person here.
    let theirs = person(&app, &stranger, json!({"first_name": "Ada"})).await;
    let res = app
        .get(
            &format!(
                "/api/v1/availability/slots?host_id={}&from={}&to=2026-12-08T00:00:00Z&person_id={}",
                tutor.user_id,
                monday("00:00"),
                theirs.id
            ),
            &owner.access,
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "person_id");
}
