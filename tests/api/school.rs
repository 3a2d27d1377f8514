//! The school's faces: teachers who see their own classes and students
//! only, a student invited to sign in in one step, classes with a course,
//! the teacher's day, the student's page and a class's medal table.

use crate::ledger::person;
use rapport_domain::api::{
    ApiKeyCreated, AttendanceView, EventPage, GroupPage, GroupView, InvitationCreated, Leaderboard,
    LedgerEntryView, Page, PersonPage, PersonView, SessionView, StudentDashboard,
    TeachingDashboard,
};
use rapport_tests::{email, Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

/// A class named `name` of `owner`'s workspace led by `teacher`, with
/// `students` enrolled from long ago: its id.
pub(crate) async fn class_of(
    app: &TestApp,
    owner: &Session,
    name: &str,
    teacher: &Session,
    students: &[Uuid],
) -> Uuid {
    let class: GroupView = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": name, "kind": "class", "leader_id": teacher.user_id}),
        )
        .await
        .expect(201)
        .read();
    for s in students {
        app.post(
            &format!("/api/v1/groups/{}/members", class.id),
            Some(&owner.access),
            json!({"person_id": s, "joined_on": "2020-01-01"}),
        )
        .await
        .expect(201);
    }
    class.id
}

fn names(page: &PersonPage) -> Vec<String> {
    let mut n: Vec<String> = page.data.iter().map(|p| p.first_name.clone()).collect();
    n.sort();
    n
}

/// In a school a teacher sees the classes they lead, those classes'
/// students and the people they add; not another teacher's class or
/// students, whose ids answer 404 (or 422 in a body) and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_sees_their_own_classes_and_students_only() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let rivera = app.add_member(&owner, "staff").await;
    let okafor = app.add_member(&owner, "staff").await;
    let ana = person(&app, &owner, json!({"first_name": "Ana"})).await;
    let ben = person(&app, &owner, json!({"first_name": "Ben"})).await;
    let cy = person(&app, &owner, json!({"first_name": "Cy"})).await;
    let python = class_of(&app, &owner, "Python", &rivera, &[ana.id]).await;
    let scratch = class_of(&app, &owner, "Scratch", &okafor, &[ben.id]).await;

    // The people list, a read, search and the groups list.
    let seen: PersonPage = app
        .get("/api/v1/people", &rivera.access)
        .await
        .expect(200)
        .read();
    assert_eq!(names(&seen), ["Ana"]);
    app.get(&format!("/api/v1/people/{}", ben.id), &rivera.access)
        .await
        .expect(404);
    app.get(&format!("/api/v1/people/{}", cy.id), &rivera.access)
        .await
        .expect(404);
    let found = app
        .get("/api/v1/search?q=Ben", &rivera.access)
        .await
        .expect(200);
    assert_eq!(
        found.body["data"].as_array().map(Vec::len),
        Some(0),
        "{}",
        found.text
    );
    let groups: GroupPage = app
        .get("/api/v1/groups", &rivera.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        groups.data.iter().map(|g| g.id).collect::<Vec<_>>(),
        [python]
    );
    app.get(&format!("/api/v1/groups/{scratch}/members"), &rivera.access)
        .await
        .expect(404);
    let members = app
        .get(&format!("/api/v1/groups/{python}/members"), &rivera.access)
        .await
        .expect(200);
    assert_eq!(members.body["data"].as_array().map(Vec::len), Some(1));
    // Changing another's student is refused as if they were not there.
    app.patch(
        &format!("/api/v1/people/{}", ben.id),
        &rivera.access,
        json!({"first_name": "Benjamin"}),
    )
    .await
    .expect(404);

    // Medals: their own students only, medals only (no money).
    let refused = app
        .post(
            "/api/v1/medals/awards",
            Some(&rivera.access),
            json!({"person_id": ben.id, "medal": "gold", "reason": "Not mine"}),
        )
        .await
        .expect(422);
    assert_eq!(refused.body["errors"][0]["field"], "person_id");
    app.get(
        &format!("/api/v1/medals/allowance?person_id={}", ben.id),
        &rivera.access,
    )
    .await
    .expect(404);
    app.post(
        "/api/v1/medals/awards",
        Some(&rivera.access),
        json!({"person_id": ana.id, "medal": "gold", "reason": "Recursion"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/ledger",
        Some(&owner.access),
        json!({"person_id": ana.id, "amount_minor": -5000, "currency": "USD", "reason": "Fee"}),
    )
    .await
    .expect(201);
    let entries: Page<LedgerEntryView> = app
        .get("/api/v1/ledger", &rivera.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        entries
            .data
            .iter()
            .map(|e| (e.person_id, e.currency.as_str()))
            .collect::<Vec<_>>(),
        [(ana.id, "MEDAL_GOLD")]
    );
    app.get(
        &format!("/api/v1/people/{}/balances", ben.id),
        &rivera.access,
    )
    .await
    .expect(404);
    let balances = app
        .get(
            &format!("/api/v1/people/{}/balances", ana.id),
            &rivera.access,
        )
        .await
        .expect(200);
    assert_eq!(
        balances.body.as_array().map(Vec::len),
        Some(1),
        "medals only: {}",
        balances.text
    );

    // Someone the teacher adds is theirs to see.
    let dee = person(&app, &rivera, json!({"first_name": "Dee"})).await;
    assert_eq!(dee.owner_id, Some(rivera.user_id));
    let seen: PersonPage = app
        .get("/api/v1/people", &rivera.access)
        .await
        .expect(200)
        .read();
    assert_eq!(names(&seen), ["Ana", "Dee"]);
    // A student who moves to Okafor's class is still Rivera's former
    // student: their history stays readable to Rivera.
    let ben_in_python = app
        .post(
            &format!("/api/v1/groups/{python}/members"),
            Some(&owner.access),
            json!({"person_id": ben.id, "joined_on": "2020-01-01", "left_on": "2020-06-01"}),
        )
        .await
        .expect(201);
    assert_eq!(ben_in_python.body["person_id"], json!(ben.id));
    app.get(&format!("/api/v1/people/{}", ben.id), &rivera.access)
        .await
        .expect(200);

    // Lessons: their own, not another teacher's.
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let lesson: SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Scratch", "starts_at": start,
                   "ends_at": start + chrono::Duration::hours(1),
                   "host_id": okafor.user_id, "group_ids": [scratch]}),
        )
        .await
        .expect(201)
        .read();
    app.get(&format!("/api/v1/sessions/{}", lesson.id), &rivera.access)
        .await
        .expect(404);
    app.get(&format!("/api/v1/sessions/{}", lesson.id), &okafor.access)
        .await
        .expect(200);

    // Admins still see everyone.
    let all: PersonPage = app
        .get("/api/v1/people", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(names(&all), ["Ana", "Ben", "Cy", "Dee"]);
    app.stop().await;
}

/// Elsewhere staff see the workspace's people: a sales rep, every contact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_outside_a_school_see_every_record() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let rep = app.add_member(&owner, "staff").await;
    person(&app, &owner, json!({"first_name": "Ana"})).await;
    person(&app, &owner, json!({"first_name": "Ben"})).await;
    let seen: PersonPage = app
        .get("/api/v1/people", &rep.access)
        .await
        .expect(200)
        .read();
    assert_eq!(names(&seen), ["Ana", "Ben"]);
    app.stop().await;
}

/// An admin adds a student and invites them to sign in in one step: the
/// invitation names the person, and accepting it links the new member to
/// them, who then sees their own page. Bad and stale ids are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_invited_to_sign_in_is_linked_on_accepting() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let address = email("ana");
    let ana = person(
        &app,
        &owner,
        json!({"first_name": "Ana", "last_name": "Diaz", "email": address}),
    )
    .await;
    let inv: InvitationCreated = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": address, "role": "member", "person_id": ana.id}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(inv.person_id, Some(ana.id));
    let listed = app
        .get("/api/v1/invitations", &owner.access)
        .await
        .expect(200);
    assert_eq!(listed.body["data"][0]["person_id"], json!(ana.id));
    let res = app
        .post(
            &format!("/api/v1/invitations/{}/accept", inv.token),
            None,
            json!({"name": "Ana Diaz", "password": PASSWORD}),
        )
        .await
        .expect(200);
    let student = Session::from_tokens(&res.body, &address);
    let linked: PersonView = app
        .get(&format!("/api/v1/people/{}", ana.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(linked.user_id, Some(student.user_id));
    let mine: StudentDashboard = app
        .get("/api/v1/dashboards/student", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!((mine.person_id, mine.first_name.as_str()), (ana.id, "Ana"));
    // The link is audited as a change of the person, by the student.
    let trail = app
        .get(
            &format!("/api/v1/audit?record_type=person&record_id={}", ana.id),
            &owner.access,
        )
        .await
        .expect(200);
    assert!(
        trail.text.contains(&student.user_id.to_string()),
        "the link in the trail: {}",
        trail.text
    );

    // A person who already signs in, one of another workspace, none at all.
    let again = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": email("x"), "role": "member", "person_id": ana.id}),
        )
        .await
        .expect(409);
    assert_eq!(again.body["code"], "duplicate");
    let other = app.register("school").await;
    let stranger = person(&app, &other, json!({"first_name": "Zed"})).await;
    for id in [stranger.id, Uuid::now_v7()] {
        let bad = app
            .post(
                "/api/v1/invitations",
                Some(&owner.access),
                json!({"email": email("y"), "role": "member", "person_id": id}),
            )
            .await
            .expect(422);
        assert_eq!(bad.body["errors"][0]["field"], "person_id");
    }
    let stranger_now: PersonView = app
        .get(&format!("/api/v1/people/{}", stranger.id), &other.access)
        .await
        .expect(200)
        .read();
    assert_eq!(stranger_now.user_id, None);
    // Someone who is no person of the workspace has no student page.
    app.get("/api/v1/dashboards/student", &owner.access)
        .await
        .expect(404);

    // Two invitations of one person to two addresses, sent at once: one is
    // made, the other refused, so that accepting cannot make a member the
    // person is not linked to. Once it is revoked, another may be sent.
    let ben = person(&app, &owner, json!({"first_name": "Ben"})).await;
    let send = |address: String| {
        app.post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": address, "role": "member", "person_id": ben.id}),
        )
    };
    let (a, b) = futures::join!(send(email("ben.home")), send(email("ben.school")));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let (made, refused) = if a.status == 201 { (a, b) } else { (b, a) };
    assert_eq!(refused.body["code"], "already_invited");
    let made: InvitationCreated = made.read();
    let waiting: i64 = app
        .count(&format!(
            "SELECT count(*) FROM invitations WHERE person_id = '{}'",
            ben.id
        ))
        .await;
    assert_eq!(waiting, 1);
    app.call(
        Method::DELETE,
        &format!("/api/v1/invitations/{}", made.id),
        Some(&owner.access),
        None,
    )
    .await
    .expect(204);
    send(email("ben.other")).await.expect(201);
    app.stop().await;
}

/// A class has a course, kept, cleared and checked like its other fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_has_a_course() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let class: GroupView = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Python, Tuesday", "kind": "class", "course": "  Python for beginners "}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(class.course.as_deref(), Some("Python for beginners"));
    let bad = app
        .patch(
            &format!("/api/v1/groups/{}", class.id),
            &owner.access,
            json!({"course": "x".repeat(201)}),
        )
        .await
        .expect(422);
    assert_eq!(bad.body["errors"][0]["field"], "course");
    let cleared: GroupView = app
        .patch(
            &format!("/api/v1/groups/{}", class.id),
            &owner.access,
            json!({"course": null}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!((cleared.course, cleared.version), (None, class.version + 1));
    app.stop().await;
}

/// A teacher's day: their classes, today's lessons with how far each
/// register is (names on each line), and the medals they may still award
/// each student; the register taken moves the count. Students may not ask
/// for it; an API key leads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teachers_day_lists_their_lessons_registers_and_awards_left() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let other = app.add_member(&owner, "staff").await;
    let zoe = person(
        &app,
        &owner,
        json!({"first_name": "Zoe", "last_name": "Adams"}),
    )
    .await;
    let ana = person(
        &app,
        &owner,
        json!({"first_name": "Ana", "last_name": "Zeller"}),
    )
    .await;
    let ben = person(
        &app,
        &owner,
        json!({"first_name": "Ben", "last_name": "Moss"}),
    )
    .await;
    let python = class_of(&app, &owner, "Python", &teacher, &[zoe.id, ana.id]).await;
    class_of(&app, &owner, "Scratch", &other, &[ben.id]).await;
    let start = chrono::Utc::now() - chrono::Duration::minutes(1);
    let lesson: SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Python", "starts_at": start,
                   "ends_at": start + chrono::Duration::minutes(2),
                   "host_id": teacher.user_id, "group_ids": [python]}),
        )
        .await
        .expect(201)
        .read();
    app.post(
        "/api/v1/medals/awards",
        Some(&teacher.access),
        json!({"person_id": zoe.id, "medal": "gold", "reason": "Recursion"}),
    )
    .await
    .expect(201);

    let day: TeachingDashboard = app
        .get("/api/v1/dashboards/teaching", &teacher.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        day.classes
            .iter()
            .map(|c| (c.id, c.students))
            .collect::<Vec<_>>(),
        [(python, 2)]
    );
    assert_eq!(
        day.lessons
            .iter()
            .map(|l| (l.id, l.participants, l.recorded))
            .collect::<Vec<_>>(),
        [(lesson.id, 2, 0)]
    );
    // By family name; Zoe has had her gold of the month from this teacher.
    assert_eq!(
        day.awards_left
            .iter()
            .map(|a| (a.first_name.as_str(), a.gold, a.silver, a.bronze))
            .collect::<Vec<_>>(),
        [("Zoe", 0, 2, 5), ("Ana", 1, 2, 5)]
    );

    // The register reads with names, by family name, and taking it moves
    // the count.
    let register: Vec<AttendanceView> = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", lesson.id),
            &teacher.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        register
            .iter()
            .map(|a| (a.first_name.as_str(), a.last_name.as_str()))
            .collect::<Vec<_>>(),
        [("Zoe", "Adams"), ("Ana", "Zeller")]
    );
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{}/attendance", lesson.id),
        Some(&teacher.access),
        Some(json!({"records": [
            {"person_id": zoe.id, "status": "present"},
            {"person_id": ana.id, "status": "absent"}
        ]})),
    )
    .await
    .expect(200);
    let day: TeachingDashboard = app
        .get("/api/v1/dashboards/teaching", &teacher.access)
        .await
        .expect(200)
        .read();
    assert_eq!(day.lessons[0].recorded, 2);
    assert_eq!(day.classes[0].recorded, 2);
    assert_eq!(day.classes[0].attended, 1);

    // The other teacher's day holds none of this.
    let theirs: TeachingDashboard = app
        .get("/api/v1/dashboards/teaching", &other.access)
        .await
        .expect(200)
        .read();
    assert!(theirs.lessons.is_empty());
    assert_eq!(
        theirs
            .awards_left
            .iter()
            .map(|a| a.person_id)
            .collect::<Vec<_>>(),
        [ben.id]
    );
    // A student may not ask; an API key leads nothing.
    let student = app.add_member(&owner, "member").await;
    app.get("/api/v1/dashboards/teaching", &student.access)
        .await
        .expect(403);
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "Board", "scopes": ["attendance:write"]}),
        )
        .await
        .expect(201)
        .read();
    let empty: TeachingDashboard = app
        .get("/api/v1/dashboards/teaching", &key.key)
        .await
        .expect(200)
        .read();
    assert!(empty.classes.is_empty() && empty.lessons.is_empty() && empty.awards_left.is_empty());
    app.stop().await;
}

/// A student's page: their classes, next lessons, attendance over 90
/// days, medal balances and latest medals; and their class's medal table,
/// which a student of another class may not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_page_and_their_class_medal_table() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let outsider = app.add_member(&owner, "member").await;
    let ana = person(
        &app,
        &owner,
        json!({"first_name": "Ana", "last_name": "Diaz", "user_id": student.user_id}),
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
        json!({"first_name": "Cy", "last_name": "Roy", "user_id": outsider.user_id}),
    )
    .await;
    let python = class_of(&app, &owner, "Python", &teacher, &[ana.id, ben.id]).await;
    let scratch = class_of(&app, &owner, "Scratch", &teacher, &[cy.id]).await;
    app.patch(
        &format!("/api/v1/groups/{python}"),
        &owner.access,
        json!({"course": "Python for beginners"}),
    )
    .await
    .expect(200);
    // A lesson held two days ago (Ana present: a bronze), one to come.
    let past = chrono::Utc::now() - chrono::Duration::days(2);
    let held: SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Python", "starts_at": past,
                   "ends_at": past + chrono::Duration::hours(1),
                   "host_id": teacher.user_id, "group_ids": [python]}),
        )
        .await
        .expect(201)
        .read();
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{}/attendance", held.id),
        Some(&teacher.access),
        Some(json!({"records": [
            {"person_id": ana.id, "status": "present"},
            {"person_id": ben.id, "status": "absent"}
        ]})),
    )
    .await
    .expect(200);
    let soon = chrono::Utc::now() + chrono::Duration::days(2);
    let next: SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Python", "starts_at": soon,
                   "ends_at": soon + chrono::Duration::hours(1),
                   "host_id": teacher.user_id, "group_ids": [python]}),
        )
        .await
        .expect(201)
        .read();
    for (who, medal) in [(ben.id, "gold"), (ana.id, "silver")] {
        app.post(
            "/api/v1/medals/awards",
            Some(&teacher.access),
            json!({"person_id": who, "medal": medal, "reason": "Well done"}),
        )
        .await
        .expect(201);
    }

    let page: StudentDashboard = app
        .get("/api/v1/dashboards/student", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(page.person_id, ana.id);
    assert_eq!(
        page.classes
            .iter()
            .map(|c| (c.id, c.course.as_deref()))
            .collect::<Vec<_>>(),
        [(python, Some("Python for beginners"))]
    );
    assert_eq!(
        page.next_lessons.iter().map(|l| l.id).collect::<Vec<_>>(),
        [next.id]
    );
    assert_eq!((page.recorded, page.attended), (1, 1));
    let mut balances: Vec<(String, i64)> = page
        .balances
        .iter()
        .map(|b| (b.currency.clone(), b.balance_minor))
        .collect();
    balances.sort();
    assert_eq!(
        balances,
        [
            ("MEDAL_BRONZE".to_string(), 1),
            ("MEDAL_SILVER".to_string(), 1)
        ]
    );
    assert_eq!(
        page.recent_medals
            .iter()
            .map(|e| e.currency.as_str())
            .collect::<Vec<_>>(),
        ["MEDAL_SILVER", "MEDAL_BRONZE"]
    );

    // The class's table: gold first, then silver and bronze.
    let board: Leaderboard = app
        .get(
            &format!("/api/v1/groups/{python}/leaderboard"),
            &student.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        board
            .rows
            .iter()
            .map(|e| (e.first_name.as_str(), e.gold, e.silver, e.bronze))
            .collect::<Vec<_>>(),
        [("Ben", 1, 0, 0), ("Ana", 0, 1, 1)]
    );
    app.get(
        &format!("/api/v1/groups/{python}/leaderboard"),
        &outsider.access,
    )
    .await
    .expect(404);
    let theirs: Leaderboard = app
        .get(
            &format!("/api/v1/groups/{scratch}/leaderboard"),
            &outsider.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(theirs.rows.len(), 1);
    app.get(
        &format!("/api/v1/groups/{}/leaderboard", Uuid::now_v7()),
        &owner.access,
    )
    .await
    .expect(404);
    app.stop().await;
}

/// The events a teacher hears are of their own students and classes, over
/// `/events` as over the WebSocket's replay; an admin hears of everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_hears_of_their_own_students_and_classes_only() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let rivera = app.add_member(&owner, "staff").await;
    let okafor = app.add_member(&owner, "staff").await;
    let ana = person(&app, &owner, json!({"first_name": "Ana"})).await;
    let ben = person(&app, &owner, json!({"first_name": "Ben"})).await;
    let python = class_of(&app, &owner, "Python", &rivera, &[ana.id]).await;
    let scratch = class_of(&app, &owner, "Scratch", &okafor, &[ben.id]).await;
    for (who, name) in [(ana.id, "Anna"), (ben.id, "Benjamin")] {
        app.patch(
            &format!("/api/v1/people/{who}"),
            &owner.access,
            json!({"first_name": name}),
        )
        .await
        .expect(200);
    }
    app.settle(owner.workspace_id).await;
    let heard = |s: &Session| {
        let (app, s) = (&app, s.access.clone());
        async move {
            let page: EventPage = app
                .get("/api/v1/events?limit=200", &s)
                .await
                .expect(200)
                .read();
            page.data
                .into_iter()
                .map(|e| {
                    let id = e.data["id"]
                        .as_str()
                        .or(e.data["person_id"].as_str())
                        .unwrap_or_default()
                        .to_string();
                    (e.kind, id)
                })
                .collect::<Vec<_>>()
        }
    };
    let theirs = heard(&rivera).await;
    let has = |list: &[(String, String)], kind: &str, id: Uuid| {
        list.iter().any(|(k, i)| k == kind && *i == id.to_string())
    };
    assert!(has(&theirs, "person.updated", ana.id), "{theirs:?}");
    assert!(!has(&theirs, "person.updated", ben.id), "{theirs:?}");
    assert!(!has(&theirs, "person.created", ben.id), "{theirs:?}");
    assert!(has(&theirs, "group.created", python), "{theirs:?}");
    assert!(!has(&theirs, "group.created", scratch), "{theirs:?}");
    let all = heard(&owner).await;
    assert!(has(&all, "person.updated", ben.id) && has(&all, "group.created", scratch));
    app.stop().await;
}
