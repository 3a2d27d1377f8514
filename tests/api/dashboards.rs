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

/// A session of `hours_from_now` (may be negative), an hour long.
async fn session_at(
    app: &TestApp,
    by: &rapport_tests::Session,
    title: &str,
    host: uuid::Uuid,
    hours_from_now: i64,
    people: &[uuid::Uuid],
) -> uuid::Uuid {
    use chrono::{DurationRound, Utc};
    let start = Utc::now()
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap()
        + chrono::Duration::hours(hours_from_now);
    let s: rapport_domain::api::SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&by.access),
            json!({"title": title, "host_id": host, "starts_at": start.to_rfc3339(),
                   "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(),
                   "participant_ids": people}),
        )
        .await
        .expect(201)
        .read();
    s.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tutoring_home_shows_each_role_its_own_sessions_to_log_and_only_admins_money() {
    use rapport_domain::api::TutoringDashboard;
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let tutor = app.add_member(&owner, "member").await;
    let learner = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "user_id": learner.user_id}),
    )
    .await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;
    let held = session_at(&app, &owner, "Maths", tutor.user_id, -2, &[ada.id]).await;
    let other = session_at(&app, &owner, "Physics", owner.user_id, -3, &[bob.id]).await;
    let soon = session_at(&app, &owner, "English", tutor.user_id, 26, &[ada.id]).await;
    // A lesson of both: Ada sees her own name only, her tutor both.
    let pair = session_at(&app, &owner, "Chess", tutor.user_id, 50, &[ada.id, bob.id]).await;
    let board = |who: &rapport_tests::Session| {
        let (app, token) = (&app, who.access.clone());
        async move {
            app.get("/api/v1/dashboards/tutoring", &token)
                .await
                .expect(200)
                .read::<TutoringDashboard>()
        }
    };
    let ids = |l: &[rapport_domain::api::SessionBrief]| l.iter().map(|s| s.id).collect::<Vec<_>>();

    // The tutor: their own session to log, the next one; no students, no money.
    let t = board(&tutor).await;
    assert_eq!(ids(&t.unlogged), [held]);
    assert_eq!(t.unlogged_count, 1);
    assert_eq!(ids(&t.next), [soon, pair]);
    assert_eq!(t.next[1].people, ["Ada", "Bob"]);
    assert_eq!(t.unlogged[0].people, ["Ada"]);
    assert_eq!(t.unlogged[0].participants[0].id, ada.id);
    // With their ids, whose attendance a log from the home page records.
    let who = |b: &rapport_domain::api::SessionBrief| {
        b.participants
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        who(&t.next[1]),
        [(ada.id, "Ada".to_string()), (bob.id, "Bob".to_string())]
    );
    assert_eq!((t.new_students, t.money, t.no_shows), (None, None, None));
    // The student: the sessions she takes part in, nothing else.
    let s = board(&learner).await;
    assert_eq!(ids(&s.unlogged), [held]);
    assert_eq!(ids(&s.next), [soon, pair]);
    assert_eq!(s.next[1].people, ["Ada"], "a student sees no other student");
    assert_eq!(who(&s.next[1]), [(ada.id, "Ada".to_string())]);
    assert!(s.money.is_none());
    // The moderator: everyone's sessions to log (newest first), the new
    // students; counts, no money.
    let m = board(&moderator).await;
    assert_eq!(ids(&m.unlogged), [held, other]);
    assert_eq!(m.new_students_count, 2);
    assert_eq!(m.new_students.as_ref().map(Vec::len), Some(2));
    assert_eq!((m.money, m.no_shows), (None, None));
    // The admin: money and no-shows too.
    let o = board(&owner).await;
    assert_eq!(o.unlogged_count, 2);
    assert_eq!(o.no_shows, Some(0));
    assert_eq!(o.money, Some(vec![]));

    // The tutor logs the session as held: it leaves the list, and counts
    // this month when it began in this month.
    app.post(
        &format!("/api/v1/sessions/{held}/complete"),
        Some(&tutor.access),
        json!({}),
    )
    .await
    .expect(200);
    let t = board(&tutor).await;
    assert!(t.unlogged.is_empty());
    let began = chrono::Utc::now() - chrono::Duration::hours(2);
    if chrono::Datelike::month(&began) == chrono::Datelike::month(&chrono::Utc::now()) {
        assert_eq!((t.completed_this_month, t.minutes_this_month), (1, 60));
    }
    // Bob did not come; Ada buys a package: the admin sees both.
    app.call(
        Method::PATCH,
        &format!("/api/v1/sessions/{other}"),
        Some(&owner.access),
        Some(json!({"status": "no_show"})),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/packages",
        Some(&owner.access),
        json!({"person_id": ada.id, "name": "Five", "sessions": 5,
               "price": {"amount_minor": 20000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    let o = board(&owner).await;
    assert_eq!(o.unlogged_count, 0);
    let began = chrono::Utc::now() - chrono::Duration::hours(3);
    if chrono::Datelike::month(&began) == chrono::Datelike::month(&chrono::Utc::now()) {
        assert_eq!(o.no_shows, Some(1));
    }
    let money = o.money.unwrap();
    assert_eq!(money.len(), 1);
    assert_eq!(
        (
            money[0].currency.as_str(),
            money[0].revenue_this_month,
            money[0].outstanding_minor,
            money[0].debtors
        ),
        ("EUR", 20000, 20000, 1)
    );
    // The moderator still sees no amount.
    assert!(board(&moderator).await.money.is_none());
    // Bob in the trash: nobody's to log, nor listed.
    app.delete(&format!("/api/v1/people/{}", bob.id), &owner.access)
        .await
        .expect(204);
    let t = board(&tutor).await;
    assert_eq!(who(&t.next[1]), [(ada.id, "Ada".to_string())]);
    assert_eq!(t.next[1].people, ["Ada"]);

    // Another workspace sees none of it; a school has no such page's money.
    let elsewhere = app.register("tutoring").await;
    let e = board(&elsewhere).await;
    assert!(e.next.is_empty() && e.unlogged.is_empty());
    assert_eq!(e.money, Some(vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_students_list_shows_rates_to_admins_sessions_left_and_next_sessions_to_whom_may_see_them(
) {
    use rapport_domain::api::StudentSummary;
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let tutor = app.add_member(&owner, "member").await;
    let learner = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "user_id": learner.user_id}),
    )
    .await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 4000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    // Ada's package of three, one of them drawn; an old one of Bob's, used up.
    let today = chrono::Utc::now().date_naive();
    let pack = |who: uuid::Uuid, n: i32| {
        let (app, token) = (&app, owner.access.clone());
        async move {
            app.post(
                "/api/v1/packages",
                Some(&token),
                json!({"person_id": who, "name": "Maths ×3", "sessions": n,
                       "starts_on": (today - chrono::Duration::days(3)).to_string(),
                       "price": {"amount_minor": 9000, "currency": "EUR"}}),
            )
            .await
            .expect(201)
        }
    };
    pack(ada.id, 3).await;
    pack(bob.id, 1).await;
    for (who, hours) in [(ada.id, -5), (bob.id, -4)] {
        let held = session_at(&app, &owner, "Maths", tutor.user_id, hours, &[who]).await;
        app.post(
            &format!("/api/v1/sessions/{held}/complete"),
            Some(&owner.access),
            json!({}),
        )
        .await
        .expect(200);
    }
    // Ada's next sessions: four to come (three shown), one cancelled.
    let mut coming = Vec::new();
    for h in [30, 6, 54, 78] {
        coming.push(session_at(&app, &owner, "Maths", tutor.user_id, h, &[ada.id]).await);
    }
    let off = session_at(&app, &owner, "Maths", tutor.user_id, 3, &[ada.id]).await;
    app.post(
        &format!("/api/v1/sessions/{off}/cancel"),
        Some(&owner.access),
        json!({"reason": "Ill"}),
    )
    .await
    .expect(200);

    let ask = |who: &rapport_tests::Session, ids: String| {
        let (app, token) = (&app, who.access.clone());
        async move {
            app.get(&format!("/api/v1/student-summaries?ids={ids}"), &token)
                .await
        }
    };
    let both = format!("{},{}", bob.id, ada.id);
    // The admin: in the order asked, rates, sessions left, next sessions.
    let all: Vec<StudentSummary> = ask(&owner, both.clone()).await.expect(200).read();
    assert_eq!(
        all.iter().map(|s| s.person_id).collect::<Vec<_>>(),
        [bob.id, ada.id]
    );
    let (b, a) = (&all[0], &all[1]);
    assert_eq!(b.rates.as_deref().map(<[_]>::len), Some(0));
    assert!(b.packages.is_empty(), "Bob's package is used up");
    assert_eq!(b.sessions_left, 0);
    assert!(b.next.is_empty());
    let rates = a.rates.as_ref().expect("an admin sees the rates");
    assert_eq!(rates[0].amount.amount_minor, 4000);
    assert_eq!(a.packages.len(), 1);
    assert_eq!((a.packages[0].used, a.packages[0].remaining), (1, 2));
    assert_eq!(a.sessions_left, 2);
    assert_eq!(
        a.next.iter().map(|s| s.id).collect::<Vec<_>>(),
        [coming[1], coming[0], coming[2]],
        "the next three, earliest first, the cancelled one left out"
    );
    // The moderator: the counts and sessions, no amounts.
    let m: Vec<StudentSummary> = ask(&moderator, both.clone()).await.expect(200).read();
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|s| s.rates.is_none()));
    assert_eq!(m[1].sessions_left, 2);
    let text = ask(&moderator, both.clone()).await.text;
    assert!(!text.contains("amount_minor"), "{text}");
    // The student: herself only; the tutor (linked to no one) nobody.
    let s: Vec<StudentSummary> = ask(&learner, both.clone()).await.expect(200).read();
    assert_eq!(s.iter().map(|s| s.person_id).collect::<Vec<_>>(), [ada.id]);
    assert!(s[0].rates.is_none());
    assert_eq!(s[0].next.len(), 3);
    let t: Vec<StudentSummary> = ask(&tutor, both.clone()).await.expect(200).read();
    assert!(t.is_empty());
    // Another workspace's: nobody.
    let other = app.register("tutoring").await;
    let o: Vec<StudentSummary> = ask(&other, both.clone()).await.expect(200).read();
    assert!(o.is_empty());
    // Bad input.
    for (ids, code) in [
        (String::new(), "required"),
        ("not-an-id".to_string(), "format"),
        (
            (0..101)
                .map(|_| uuid::Uuid::now_v7().to_string())
                .collect::<Vec<_>>()
                .join(","),
            "too_long",
        ),
    ] {
        let res = ask(&owner, ids).await;
        assert_eq!(res.status, 422, "{:?}", res.body);
        assert_eq!(res.body["errors"][0]["code"], code);
    }
    let res = app
        .get(
            &format!("/api/v1/student-summaries?ids={}&x=1", ada.id),
            &owner.access,
        )
        .await;
    assert!([400, 422].contains(&res.status));
    app.stop().await;
}
