//! The school's dashboard: the figures an admin checks, counted from what
//! was recorded, and for admins only.

use crate::ledger::person;
use rapport_domain::api::SchoolDashboard;
use rapport_tests::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_dashboard_counts_enrolment_attendance_money_and_medals() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let empty: SchoolDashboard = app
        .get("/api/v1/dashboards/school", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!((empty.students, empty.classes.len()), (0, 0));

    // The teacher leads both: they award their own students.
    let class = |name: &'static str| {
        let (app, owner, teacher) = (&app, &owner, &teacher);
        async move {
            app.post(
                "/api/v1/groups",
                Some(&owner.access),
                json!({"name": name, "kind": "class", "leader_id": teacher.user_id}),
            )
            .await
            .expect(201)
            .body["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let python = class("Python").await;
    let scratch = class("Scratch").await;
    let ana = person(
        &app,
        &owner,
        json!({"first_name": "Ana", "last_name": "Diaz"}),
    )
    .await;
    let ben = person(
        &app,
        &owner,
        json!({"first_name": "Ben", "last_name": "Ito"}),
    )
    .await;
    let cy = person(
        &app,
        &owner,
        json!({"first_name": "Cy", "last_name": "Roy"}),
    )
    .await;
    let today = empty.today;
    let long_ago = today - chrono::Duration::days(90);
    for (group, who, left) in [
        (&python, ana.id, None),
        (&python, ben.id, None),
        (&python, cy.id, Some(today - chrono::Duration::days(1))),
        (&scratch, ana.id, None),
    ] {
        app.post(
            &format!("/api/v1/groups/{group}/members"),
            Some(&owner.access),
            json!({"person_id": who, "joined_on": long_ago, "left_on": left}),
        )
        .await
        .expect(201);
    }
    // A lesson of Python three days ago: Ana present, Ben late, Cy absent.
    let start = chrono::Utc::now() - chrono::Duration::days(3);
    let lesson = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Python", "starts_at": start,
                   "ends_at": start + chrono::Duration::hours(1), "group_ids": [python]}),
        )
        .await
        .expect(201);
    let id = lesson.body["id"].as_str().unwrap();
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{id}/attendance"),
        Some(&owner.access),
        Some(json!({"records": [
            {"person_id": ana.id, "status": "present"},
            {"person_id": ben.id, "status": "late"},
            {"person_id": cy.id, "status": "absent"}
        ]})),
    )
    .await
    .expect(200);
    // This month: 100.00 each charged, 60.00 paid by Ana.
    for p in [ana.id, ben.id] {
        app.post(
            "/api/v1/fee-plans",
            Some(&owner.access),
            json!({"name": "Python", "amount": {"amount_minor": 10000, "currency": "USD"}, "person_id": p}),
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/v1/charges/run",
        Some(&owner.access),
        json!({"month": empty.month}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/payments",
        Some(&owner.access),
        json!({"person_id": ana.id, "amount": {"amount_minor": 6000, "currency": "USD"}, "method": "cash"}),
    )
    .await
    .expect(201);
    // Medals this month: Ben a gold, Ana a silver; a gold given to Cy and
    // taken back does not count.
    let award = |who: uuid::Uuid, medal: &'static str| {
        let (app, teacher) = (&app, &teacher);
        async move {
            app.post(
                "/api/v1/medals/awards",
                Some(&teacher.access),
                json!({"person_id": who, "medal": medal, "reason": "Well done"}),
            )
            .await
            .expect(201)
        }
    };
    award(ben.id, "gold").await;
    award(ana.id, "silver").await;
    let taken = award(cy.id, "gold").await;
    let entry = taken.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/ledger/{entry}/correct"),
        Some(&owner.access),
        json!({"reason": "Given by mistake"}),
    )
    .await
    .expect(201);

    let d: SchoolDashboard = app
        .get("/api/v1/dashboards/school", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(d.students, 2, "Ana and Ben; Cy left yesterday");
    let figures: Vec<(&str, i64, i64, i64)> = d
        .classes
        .iter()
        .map(|c| (c.name.as_str(), c.students, c.recorded, c.attended))
        .collect();
    assert_eq!(figures, [("Python", 2, 3, 2), ("Scratch", 1, 0, 0)]);
    assert_eq!(d.money.len(), 1);
    let m = &d.money[0];
    assert_eq!(
        (
            m.currency.as_str(),
            m.charged_minor,
            m.paid_minor,
            m.owed_minor,
            m.debtors
        ),
        ("USD", 20000, 6000, 14000, 2)
    );
    let earners: Vec<(&str, i64, i64)> = d
        .top_earners
        .iter()
        .map(|e| (e.first_name.as_str(), e.gold, e.silver))
        .collect();
    assert_eq!(earners[0], ("Ben", 1, 0));
    assert!(earners.contains(&("Ana", 0, 1)));
    assert!(
        earners.iter().all(|e| e.0 != "Cy"),
        "a gold taken back is not earned: {earners:?}"
    );

    // Admins only.
    app.get("/api/v1/dashboards/school", &teacher.access)
        .await
        .expect(403);
    app.get("/api/v1/dashboards/school", &student.access)
        .await
        .expect(403);
    app.stop().await;
}
