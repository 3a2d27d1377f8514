//! Medals: monthly limits that hold under concurrency and reset at the
//! month's boundary in the workspace's time zone, a bronze per lesson
//! attended given once and taken back when corrected, the exchange of
//! bronze for silver, and who may do what.

use crate::ledger::{balances, person};
use crate::school::class_of;
use rapport_domain::api::{Allowance, ApiKeyCreated, MedalSettings, SessionView};
use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

async fn award(app: &TestApp, by: &str, person: Uuid, medal: &str) -> rapport_tests::Resp {
    app.post(
        "/api/v1/medals/awards",
        Some(by),
        json!({"person_id": person, "medal": medal, "reason": "Well done"}),
    )
    .await
}

fn pair(c: &str, n: i64) -> (String, i64) {
    (c.to_string(), n)
}

/// Fifty awards of gold at once to one student by one teacher: the limit
/// (1 a month) gives exactly one, and the others answer 409 with the limit
/// in the detail; the cap per student holds across teachers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_awards_at_once_never_pass_the_monthly_limits() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let other_teacher = app.add_member(&owner, "staff").await;
    let ana = person(&app, &owner, json!({"first_name": "Ana"})).await;
    // Both teach her.
    class_of(&app, &owner, "Python", &teacher, &[ana.id]).await;
    class_of(&app, &owner, "Scratch", &other_teacher, &[ana.id]).await;

    let tries = (0..50).map(|_| award(&app, &teacher.access, ana.id, "gold"));
    let answers = futures::future::join_all(tries).await;
    let given = answers.iter().filter(|r| r.status == 201).count();
    let refused: Vec<&rapport_tests::Resp> = answers
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "limit_reached")
        .collect();
    assert_eq!((given, refused.len()), (1, 49));
    assert!(refused[0].body["detail"]
        .as_str()
        .unwrap()
        .contains("1 gold a month"));
    // Another teacher has a limit of their own; silver is counted apart.
    award(&app, &other_teacher.access, ana.id, "gold")
        .await
        .expect(201);
    for _ in 0..2 {
        award(&app, &teacher.access, ana.id, "silver")
            .await
            .expect(201);
    }
    assert_eq!(
        award(&app, &teacher.access, ana.id, "silver").await.status,
        409
    );
    assert_eq!(
        balances(&app, &owner, ana.id).await,
        [pair("MEDAL_GOLD", 2), pair("MEDAL_SILVER", 2)]
    );
    let left: Allowance = app
        .get(
            &format!("/api/v1/medals/allowance?person_id={}", ana.id),
            &teacher.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        (left.gold, left.silver, left.bronze, left.student_cap_left),
        (0, 0, 5, None)
    );

    // A cap of 6 a month for one student, from all teachers: 4 given, so
    // of twenty bronze at once from two teachers, two pass.
    let settings = MedalSettings {
        student_cap_per_month: Some(6),
        ..Default::default()
    };
    app.call(
        reqwest::Method::PUT,
        "/api/v1/medals/settings",
        Some(&owner.access),
        Some(serde_json::to_value(&settings).unwrap()),
    )
    .await
    .expect(200);
    let tries = (0..20).map(|i| {
        let by = if i % 2 == 0 { &teacher } else { &other_teacher };
        award(&app, &by.access, ana.id, "bronze")
    });
    let answers = futures::future::join_all(tries).await;
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 2);
    assert!(answers
        .iter()
        .filter(|r| r.status == 409)
        .all(|r| r.body["detail"]
            .as_str()
            .unwrap()
            .contains("6 medals a month")));
    // A corrected award no longer counts.
    let page: Value = app
        .get("/api/v1/ledger?currency=MEDAL_BRONZE", &owner.access)
        .await
        .expect(200)
        .read();
    let id = page["data"][0]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/ledger/{id}/correct"),
        Some(&owner.access),
        json!({"reason": "Given to the wrong student"}),
    )
    .await
    .expect(201);
    award(&app, &teacher.access, ana.id, "bronze")
        .await
        .expect(201);
    app.stop().await;
}

/// The month is the workspace's: an award at 00:30 on the 1st in Auckland
/// (still the month before in UTC) counts in the new month, one at 23:30
/// the evening before does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_limit_resets_at_the_months_boundary_in_the_workspaces_zone() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let sql = app.sql().await;
    sql.execute(
        "UPDATE workspaces SET time_zone = 'Pacific/Auckland' WHERE id = $1",
        &[&owner.workspace_id],
    )
    .await
    .unwrap();
    let teacher = app.switch(&teacher, owner.workspace_id).await;
    let (ana, ben) = (
        person(&app, &owner, json!({"first_name": "Ana"})).await,
        person(&app, &owner, json!({"first_name": "Ben"})).await,
    );
    class_of(&app, &owner, "Python", &teacher, &[ana.id, ben.id]).await;
    // Midnight of this month's first day in Auckland, in UTC.
    let boundary: chrono::DateTime<chrono::Utc> = {
        let row = sql
            .query_one(
                "SELECT (date_trunc('month', now() AT TIME ZONE 'Pacific/Auckland') AT TIME ZONE 'Pacific/Auckland')",
                &[],
            )
            .await
            .unwrap();
        row.get(0)
    };
    let given = |who: Uuid, at: chrono::DateTime<chrono::Utc>| {
        let (sql, ws, by) = (&sql, owner.workspace_id, teacher.user_id);
        async move {
            sql.execute(
                "INSERT INTO ledger_entries (workspace_id, id, person_id, amount_minor, currency, reason, \
                 cause_type, cause_id, actor_kind, actor_id, created_at) \
                 VALUES ($1, gen_random_uuid(), $2, 1, 'MEDAL_GOLD', 'Earlier', 'award', gen_random_uuid()::text, 'user', $3, $4)",
                &[&ws, &who, &by, &at],
            )
            .await
            .unwrap();
        }
    };
    given(ana.id, boundary + chrono::Duration::minutes(30)).await;
    given(ben.id, boundary - chrono::Duration::minutes(30)).await;
    let res = award(&app, &teacher.access, ana.id, "gold").await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("limit_reached")),
        "this month's"
    );
    award(&app, &teacher.access, ben.id, "gold")
        .await
        .expect(201);
    app.stop().await;
}

/// A student present at a lesson gets one bronze, however often the
/// register is saved; marked absent, it is taken back by a compensating
/// entry; present again, given again: never more than one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bronze_for_each_lesson_attended_once_and_taken_back_when_corrected() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    let leo = person(&app, &owner, json!({"first_name": "Leo"})).await;
    let start = chrono::Utc::now() - chrono::Duration::hours(2);
    let lesson: SessionView = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"kind": "lesson", "title": "Python", "starts_at": start.to_rfc3339(),
                   "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339(),
                   "participant_ids": [mia.id, leo.id]}),
        )
        .await
        .expect(201)
        .read();
    let register = |statuses: Value| {
        let (app, token, id) = (&app, owner.access.clone(), lesson.id);
        async move {
            app.call(
                reqwest::Method::PUT,
                &format!("/api/v1/sessions/{id}/attendance"),
                Some(&token),
                Some(json!({"records": statuses})),
            )
            .await
            .expect(200);
        }
    };
    let both = |a: &str, b: &str| json!([{"person_id": mia.id, "status": a}, {"person_id": leo.id, "status": b}]);
    register(both("present", "late")).await;
    register(both("present", "late")).await;
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [pair("MEDAL_BRONZE", 1)]
    );
    assert!(
        balances(&app, &owner, leo.id).await.is_empty(),
        "late earns none"
    );
    // The student sees it arrive.
    app.settle(owner.workspace_id).await;
    let events = app
        .get("/api/v1/events?after=0", &student.access)
        .await
        .expect(200);
    assert!(events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "ledger_entry.created" && e["data"]["currency"] == "MEDAL_BRONZE"));
    // Corrected to absent: taken back; present again: given again.
    register(both("absent", "late")).await;
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [pair("MEDAL_BRONZE", 0)]
    );
    register(both("present", "late")).await;
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [pair("MEDAL_BRONZE", 1)]
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ledger_entries WHERE person_id = '{}' AND cause_type = 'attendance'",
            mia.id
        ))
        .await,
        3,
        "given, taken back, given"
    );
    // Spent, then marked absent: the register is still corrected, the
    // bronze stays spent.
    app.post(
        "/api/v1/ledger",
        Some(&owner.access),
        json!({"person_id": mia.id, "amount_minor": -1, "currency": "MEDAL_BRONZE", "reason": "Bought a sticker"}),
    )
    .await
    .expect(201);
    register(both("absent", "late")).await;
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [pair("MEDAL_BRONZE", 0)]
    );
    // Switched off: no more bronze for attendance.
    app.call(
        reqwest::Method::PUT,
        "/api/v1/medals/settings",
        Some(&owner.access),
        Some(
            serde_json::to_value(MedalSettings {
                attendance_bronze: false,
                ..Default::default()
            })
            .unwrap(),
        ),
    )
    .await
    .expect(200);
    register(both("present", "present")).await;
    assert!(balances(&app, &owner, leo.id).await.is_empty());
    app.stop().await;
}

/// Bronze is exchanged for silver at the workspace's rate, never beyond
/// what one has; who may award, exchange and set what.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bronze_is_exchanged_for_silver_and_each_role_does_its_part() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    let leo = person(&app, &owner, json!({"first_name": "Leo"})).await;
    class_of(&app, &owner, "Python", &teacher, &[mia.id, leo.id]).await;
    let exchange = |by: &Session, body: Value| {
        let (app, token) = (&app, by.access.clone());
        async move {
            app.post("/api/v1/medals/exchange", Some(&token), body)
                .await
        }
    };
    // No rate: no exchange.
    let res = exchange(&student, json!({"silver": 1})).await;
    assert_eq!(res.status, 422);
    let settings = MedalSettings {
        bronze_per_silver: Some(3),
        bronze_per_month: 10,
        ..Default::default()
    };
    let res = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/medals/settings",
            Some(&teacher.access),
            Some(serde_json::to_value(&settings).unwrap()),
        )
        .await;
    assert_eq!(res.status, 403, "a teacher does not set the rules");
    app.call(
        reqwest::Method::PUT,
        "/api/v1/medals/settings",
        Some(&owner.access),
        Some(serde_json::to_value(&settings).unwrap()),
    )
    .await
    .expect(200);
    let read: MedalSettings = app
        .get("/api/v1/medals/settings", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(read, settings);
    for bad in [
        json!({"attendance_bronze": true, "gold_per_month": -1, "silver_per_month": 2, "bronze_per_month": 5, "student_cap_per_month": null, "bronze_per_silver": null}),
        json!({"attendance_bronze": true, "gold_per_month": 1, "silver_per_month": 2, "bronze_per_month": 5, "student_cap_per_month": null, "bronze_per_silver": 1}),
        json!({"attendance_bronze": "yes"}),
    ] {
        let res = app
            .call(
                reqwest::Method::PUT,
                "/api/v1/medals/settings",
                Some(&owner.access),
                Some(bad.clone()),
            )
            .await;
        assert!(matches!(res.status, 400 | 422), "{bad}: {}", res.status);
    }

    for _ in 0..7 {
        award(&app, &teacher.access, mia.id, "bronze")
            .await
            .expect(201);
    }
    // A student may not award, nor exchange another's medals.
    assert_eq!(
        award(&app, &student.access, mia.id, "gold").await.status,
        403
    );
    let res = exchange(&student, json!({"person_id": leo.id, "silver": 1})).await;
    assert_eq!(res.status, 403);
    // Two silver for six bronze; a third would need nine.
    exchange(&student, json!({"silver": 2})).await.expect(201);
    let res = exchange(&student, json!({"silver": 1})).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("insufficient"))
    );
    assert_eq!(
        balances(&app, &student, mia.id).await,
        [pair("MEDAL_BRONZE", 1), pair("MEDAL_SILVER", 2)]
    );
    let res = exchange(&student, json!({"silver": 0})).await;
    assert_eq!(res.status, 422);
    // Staff name the person.
    assert_eq!(exchange(&teacher, json!({"silver": 1})).await.status, 422);

    // Keys: only with the scope; another workspace's student is unknown.
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "medals", "scopes": ["medals:read"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(award(&app, &key.key, mia.id, "bronze").await.status, 403);
    app.get("/api/v1/medals/settings", &key.key)
        .await
        .expect(200);
    let elsewhere = app.register("school").await;
    let res = award(&app, &elsewhere.access, mia.id, "bronze").await;
    assert_eq!(res.status, 422);
    // A template without medals.
    let sales = app.register("sales").await;
    let res = award(&app, &sales.access, mia.id, "bronze").await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );
    app.stop().await;
}
