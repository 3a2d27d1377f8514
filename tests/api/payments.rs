//! Tuition: a month charged once per student however often the run goes,
//! discounts, payments applied to the oldest charge first, receipts
//! numbered without gaps and mailed to the guardians, debts by age, and
//! who may see and do what.

use crate::ledger::{balances, person};
use chrono::{Datelike, NaiveDate};
use rapport_domain::api::{ChargeRun, ChargeView, DebtReport, FeePlanView, Page, PaymentView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

/// Waits for the monthly run queued when the server started, so that it
/// does not charge the test's plans behind its back (its next run is an
/// hour away).
async fn after_the_first_run(app: &TestApp) {
    for _ in 0..200 {
        let done = app
            .count(
                "SELECT count(*) FROM jobs WHERE kind = 'payments.charge_month' AND finished_at IS NOT NULL",
            )
            .await;
        if done > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the monthly run did not run at start");
}

async fn plan(app: &TestApp, by: &Session, body: Value) -> FeePlanView {
    app.post("/api/v1/fee-plans", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn run(app: &TestApp, by: &Session, month: &str) -> ChargeRun {
    app.post(
        "/api/v1/charges/run",
        Some(&by.access),
        json!({"month": month}),
    )
    .await
    .expect(200)
    .read()
}

async fn pay(app: &TestApp, by: &Session, person: Uuid, amount: i64) -> PaymentView {
    app.post(
        "/api/v1/payments",
        Some(&by.access),
        json!({"person_id": person, "amount": {"amount_minor": amount, "currency": "USD"}, "method": "cash"}),
    )
    .await
    .expect(201)
    .read()
}

async fn charges(app: &TestApp, by: &Session, query: &str) -> Vec<ChargeView> {
    let page: Page<ChargeView> = app
        .get(&format!("/api/v1/charges?limit=200{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn enrol(
    app: &TestApp,
    by: &Session,
    group: &str,
    person: Uuid,
    from: &str,
    to: Option<&str>,
) {
    app.post(
        &format!("/api/v1/groups/{group}/members"),
        Some(&by.access),
        json!({"person_id": person, "joined_on": from, "left_on": to}),
    )
    .await
    .expect(201);
}

/// A class's plan charges who was enrolled during each month, once,
/// with each student's discount; payments settle the oldest charges
/// first and keep the rest in advance; the debts are aged by month; a
/// waived charge no longer counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_is_charged_monthly_once_and_payments_settle_the_oldest_charges_first() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    after_the_first_run(&app).await;
    let class = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Python beginners", "kind": "class"}),
        )
        .await
        .expect(201);
    let class = class.body["id"].as_str().unwrap().to_string();
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "last_name": "Rivera"}),
    )
    .await;
    let leo = person(
        &app,
        &owner,
        json!({"first_name": "Leo", "last_name": "Rivera"}),
    )
    .await;
    let sam = person(
        &app,
        &owner,
        json!({"first_name": "Sam", "last_name": "Okafor"}),
    )
    .await;
    enrol(&app, &owner, &class, mia.id, "2026-09-01", None).await;
    // Leo joins in the middle of October; Sam leaves at the end of September.
    enrol(&app, &owner, &class, leo.id, "2026-10-15", None).await;
    enrol(
        &app,
        &owner,
        &class,
        sam.id,
        "2026-09-01",
        Some("2026-10-01"),
    )
    .await;
    app.call(
        Method::PUT,
        &format!("/api/v1/fee-discounts/{}", leo.id),
        Some(&owner.access),
        Some(json!({"percent": 10, "reason": "Sibling discount"})),
    )
    .await
    .expect(200);
    let python = plan(
        &app,
        &owner,
        json!({"name": "Python beginners", "amount": {"amount_minor": 12000, "currency": "USD"},
               "group_id": class, "first_month": "2026-09-01"}),
    )
    .await;

    let sep = run(&app, &owner, "2026-09-01").await;
    assert_eq!((sep.charged, sep.already), (2, 0), "Mia and Sam");
    let oct = run(&app, &owner, "2026-10-01").await;
    assert_eq!((oct.charged, oct.already), (2, 0), "Mia and Leo");
    let nov = run(&app, &owner, "2026-11-01").await;
    assert_eq!((nov.charged, nov.already), (2, 0));
    // Again: nothing more.
    let again = run(&app, &owner, "2026-11-01").await;
    assert_eq!((again.charged, again.already), (0, 2));

    let leos = charges(&app, &owner, &format!("&person_id={}", leo.id)).await;
    assert_eq!(leos.len(), 2);
    assert!(leos
        .iter()
        .all(|c| c.amount.amount_minor == 10800 && c.discount_percent == 10));
    assert_eq!(leos[0].plan_id, Some(python.id));
    assert_eq!(
        charges(&app, &owner, &format!("&person_id={}", sam.id))
            .await
            .len(),
        1
    );
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [("USD".to_string(), -36000)]
    );

    // 150.00: September whole, then 30.00 of October.
    let first = pay(&app, &owner, mia.id, 15000).await;
    assert_eq!(first.receipt_number, 1);
    let applied: Vec<(NaiveDate, i64)> = first
        .applied
        .iter()
        .map(|a| (a.month, a.amount_minor))
        .collect();
    assert_eq!(applied, [(d("2026-09-01"), 12000), (d("2026-10-01"), 3000)]);
    assert_eq!(first.advance_minor, 0);
    // 300.00: the rest of October, November, and 90.00 in advance.
    let second = pay(&app, &owner, mia.id, 30000).await;
    assert_eq!(second.receipt_number, 2);
    let applied: Vec<(NaiveDate, i64)> = second
        .applied
        .iter()
        .map(|a| (a.month, a.amount_minor))
        .collect();
    assert_eq!(applied, [(d("2026-10-01"), 9000), (d("2026-11-01"), 12000)]);
    assert_eq!(second.advance_minor, 9000);
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [("USD".to_string(), 9000)]
    );

    // Who owes what: Leo two months, Sam September; Mia nothing.
    let report: DebtReport = app
        .get("/api/v1/debts", &owner.access)
        .await
        .expect(200)
        .read();
    let owed: Vec<(Uuid, i64)> = report
        .data
        .iter()
        .map(|r| (r.person_id, r.debt_minor))
        .collect();
    assert_eq!(owed, [(leo.id, 21600), (sam.id, 12000)]);
    let age = |month: &str| -> i64 { (report.as_of - d(month)).num_days() };
    let bucket = |a: &rapport_domain::api::Aging, days: i64| match days {
        ..=30 => a.days_0_30,
        31..=60 => a.days_31_60,
        61..=90 => a.days_61_90,
        _ => a.days_90_plus,
    };
    let sams = &report.data[1].aging;
    assert_eq!(bucket(sams, age("2026-09-01")), 12000);
    assert_eq!(
        sams.days_0_30 + sams.days_31_60 + sams.days_61_90 + sams.days_90_plus,
        12000
    );
    assert_eq!(report.data[0].oldest_open_month, Some(d("2026-10-01")));
    assert_eq!(report.totals.len(), 1);
    assert_eq!(
        (report.totals[0].debt_minor, report.totals[0].debtors),
        (33600, 2)
    );

    // Sam's September is waived: he owes nothing; once only.
    let sams_charge = charges(&app, &owner, &format!("&person_id={}", sam.id)).await[0].id;
    let waived: ChargeView = app
        .post(
            &format!("/api/v1/charges/{sams_charge}/void"),
            Some(&owner.access),
            json!({"reason": "Left before the month began"}),
        )
        .await
        .expect(200)
        .read();
    assert!(waived.voided_at.is_some());
    let twice = app
        .post(
            &format!("/api/v1/charges/{sams_charge}/void"),
            Some(&owner.access),
            json!({"reason": "Again"}),
        )
        .await
        .expect(409);
    assert_eq!(twice.body["code"], "already_corrected");
    assert_eq!(
        balances(&app, &owner, sam.id).await,
        [("USD".to_string(), 0)]
    );
    let report: DebtReport = app
        .get("/api/v1/debts", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(report.data.len(), 1);
    // A waived month is not charged again.
    let rerun = run(&app, &owner, "2026-09-01").await;
    assert_eq!((rerun.charged, rerun.already), (0, 2));

    // A plan stopped charges nothing more; December is the next month.
    app.patch(
        &format!("/api/v1/fee-plans/{}", python.id),
        &owner.access,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let stopped = run(&app, &owner, "2026-12-01").await;
    assert_eq!((stopped.charged, stopped.already), (0, 0));
    app.stop().await;
}

/// Receipts are numbered 1, 2, 3 ... per workspace with no gap and no
/// number twice, however many payments arrive at once, and a payment
/// refused takes no number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_numbers_have_no_gaps_under_concurrent_payments() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let other = app.register("school").await;
    let a = person(&app, &owner, json!({"first_name": "Ana"})).await;
    let b = person(&app, &owner, json!({"first_name": "Ben"})).await;
    let stranger = person(&app, &other, json!({"first_name": "Zoe"})).await;
    let mut calls = Vec::new();
    for i in 0..24 {
        let (app, owner) = (&app, &owner);
        // Every fourth names a person of another workspace: refused.
        let who = match i % 4 {
            0 => stranger.id,
            1 => a.id,
            _ => b.id,
        };
        calls.push(async move {
            app.post(
                "/api/v1/payments",
                Some(&owner.access),
                json!({"person_id": who, "amount": {"amount_minor": 100 + i, "currency": "USD"}, "method": "card"}),
            )
            .await
        });
    }
    let answers = futures::future::join_all(calls).await;
    let mut numbers: Vec<i64> = Vec::new();
    for (i, res) in answers.into_iter().enumerate() {
        if i % 4 == 0 {
            assert_eq!(res.status, 422, "{}", res.text);
        } else {
            let p: PaymentView = res.expect(201).read();
            numbers.push(p.receipt_number);
        }
    }
    numbers.sort();
    assert_eq!(numbers, (1..=18).collect::<Vec<i64>>());
    // The other workspace counts from 1.
    let theirs = pay(&app, &other, stranger.id, 100).await;
    assert_eq!(theirs.receipt_number, 1);
    // The ledger holds what was paid, to the cent.
    let paid: i64 = (0..24).filter(|i| i % 4 != 0).map(|i| 100 + i).sum();
    let held: i64 =
        balances(&app, &owner, a.id).await[0].1 + balances(&app, &owner, b.id).await[0].1;
    assert_eq!(held, paid);
    app.stop().await;
}

/// Ten runs of one month at once charge each student once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_charge_each_student_once() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    after_the_first_run(&app).await;
    let mut people = Vec::new();
    for i in 0..5 {
        let p = person(&app, &owner, json!({"first_name": format!("Student {i}")})).await;
        plan(
            &app,
            &owner,
            json!({"name": format!("Lessons {i}"), "amount": {"amount_minor": 5000, "currency": "EUR"},
                   "person_id": p.id, "first_month": "2026-10-01"}),
        )
        .await;
        people.push(p);
    }
    let runs = futures::future::join_all((0..10).map(|_| run(&app, &owner, "2026-10-01"))).await;
    assert_eq!(runs.iter().map(|r| r.charged).sum::<i64>(), 5);
    assert_eq!(app.count("SELECT count(*) FROM tuition_charges").await, 5);
    assert_eq!(
        app.count("SELECT count(*) FROM ledger_entries WHERE cause_type = 'tuition_charge'")
            .await,
        5
    );
    for p in &people {
        assert_eq!(
            balances(&app, &owner, p.id).await,
            [("EUR".to_string(), -5000)]
        );
    }
    app.stop().await;
}

/// The monthly job charges the current month in the workspace's time
/// zone, once however often it runs; the guardians get the statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_job_charges_the_current_month_once_and_mails_the_statement() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    after_the_first_run(&app).await;
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET time_zone = 'Pacific/Kiritimati' WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    let ivy = person(
        &app,
        &owner,
        json!({"first_name": "Ivy", "last_name": "Chen"}),
    )
    .await;
    app.call(
        Method::PUT,
        &format!("/api/v1/people/{}/guardians", ivy.id),
        Some(&owner.access),
        Some(json!({"guardians": [
            {"name": "Lin Chen", "relation": "mother", "email": "Lin.Chen@example.com"},
            {"name": "Wei Chen", "phone": "+1 555 0100", "receives_mail": false}
        ]})),
    )
    .await
    .expect(200);
    // The plan starts this month (left out).
    let p = plan(
        &app,
        &owner,
        json!({"name": "Robotics", "amount": {"amount_minor": 9000, "currency": "USD"}, "person_id": ivy.id}),
    )
    .await;
    let tz: chrono_tz::Tz = "Pacific/Kiritimati".parse().unwrap();
    let month = chrono::Utc::now()
        .with_timezone(&tz)
        .date_naive()
        .with_day(1)
        .unwrap();
    assert_eq!(p.first_month, month);
    let state = app.state();
    for _ in 0..2 {
        let mut conn = state.pool.get().await.unwrap();
        rapport_api::jobs::enqueue(
            &mut conn,
            &rapport_api::payments::charge_run::ChargeMonth {
                workspace_id: Some(owner.workspace_id),
            },
        )
        .await
        .unwrap();
        drop(conn);
        while rapport_api::jobs::work_one(&state, "t").await {}
    }
    // A workspace that switched payments off is not charged, whatever
    // plans it keeps; the run over every workspace charges nobody twice.
    let other = app.register("school").await;
    let zoe = person(&app, &other, json!({"first_name": "Zoe"})).await;
    plan(
        &app,
        &other,
        json!({"name": "Robotics", "amount": {"amount_minor": 9000, "currency": "USD"}, "person_id": zoe.id}),
    )
    .await;
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = array_remove(modules, 'payments') WHERE id = $1",
            &[&other.workspace_id],
        )
        .await
        .unwrap();
    let mut conn = state.pool.get().await.unwrap();
    rapport_api::jobs::enqueue(
        &mut conn,
        &rapport_api::payments::charge_run::ChargeMonth { workspace_id: None },
    )
    .await
    .unwrap();
    drop(conn);
    while rapport_api::jobs::work_one(&state, "t").await {}
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM tuition_charges WHERE workspace_id = '{}'",
            other.workspace_id
        ))
        .await,
        0
    );
    let made = charges(&app, &owner, "").await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].month, month);
    assert_eq!(
        balances(&app, &owner, ivy.id).await,
        [("USD".to_string(), -9000)]
    );
    let statements = app
        .texts("SELECT to_address || ' ' || subject FROM mail_messages WHERE subject LIKE 'Tuition for %'")
        .await;
    assert_eq!(statements.len(), 1, "{statements:?}");
    assert!(statements[0].starts_with("lin.chen@example.com Tuition for "));
    app.stop().await;
}

/// A payment's receipt is a PDF, mailed to the guardians who receive
/// mail; a student reads their own charges, payments, debt and receipts,
/// and nothing of anyone else's; teachers see no money.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_are_mailed_and_each_sees_only_what_is_theirs() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    after_the_first_run(&app).await;
    let student = app.add_member(&owner, "member").await;
    let teacher = app.add_member(&owner, "staff").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Мия", "last_name": "Zoë", "user_id": student.user_id}),
    )
    .await;
    let leo = person(&app, &owner, json!({"first_name": "Leo"})).await;
    app.call(
        Method::PUT,
        &format!("/api/v1/people/{}/guardians", mia.id),
        Some(&owner.access),
        Some(json!({"guardians": [{"name": "Ana Zoë", "email": "ana@example.com"}]})),
    )
    .await
    .expect(200);
    for p in [mia.id, leo.id] {
        plan(
            &app,
            &owner,
            json!({"name": "Scratch", "amount": {"amount_minor": 8000, "currency": "USD"},
                   "person_id": p, "first_month": "2026-10-01"}),
        )
        .await;
    }
    run(&app, &owner, "2026-10-01").await;
    let key = [("idempotency-key", "pay-once")];
    let body = json!({"person_id": mia.id, "amount": {"amount_minor": 5000, "currency": "USD"},
                      "method": "transfer", "note": "Bank transfer ref 42"});
    let paid: PaymentView = app
        .call_with(
            Method::POST,
            "/api/v1/payments",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(201)
        .read();
    let replay: PaymentView = app
        .call_with(
            Method::POST,
            "/api/v1/payments",
            Some(&owner.access),
            Some(body),
            &key,
        )
        .await
        .expect(201)
        .read();
    assert_eq!(replay.id, paid.id, "the same key pays once");
    assert_eq!(app.count("SELECT count(*) FROM payments").await, 1);
    let leos = pay(&app, &owner, leo.id, 8000).await;

    // The guardian's mail carries the receipt.
    let mail = app
        .sql()
        .await
        .query_one(
            "SELECT to_address, subject, attachment_name, attachment FROM mail_messages WHERE attachment IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(mail.get::<_, String>(0), "ana@example.com");
    assert!(mail.get::<_, String>(1).starts_with("Receipt No. 1"));
    assert_eq!(mail.get::<_, String>(2), "receipt-1.pdf");
    let pdf: Vec<u8> = mail.get(3);
    assert!(pdf.starts_with(b"%PDF-"));
    // What it says, read as a reader reads it: the name as written, in
    // Cyrillic and with its diaeresis.
    let text = rapport_tests::pdf::text(&pdf);
    assert!(
        text.contains("Receipt No. 1"),
        "the number is on it: {text}"
    );
    assert!(text.lines().any(|l| l == "Мия Zoë"), "{text}");
    assert!(text.lines().any(|l| l == "50.00 USD"), "{text}");
    assert!(text.contains("Note: Bank transfer ref 42"), "{text}");

    // The student: their own.
    let own = app
        .get(
            &format!("/api/v1/payments/{}/receipt", paid.id),
            &student.access,
        )
        .await
        .expect(200);
    assert_eq!(own.header("content-type"), Some("application/pdf"));
    assert!(own.text.starts_with("%PDF-"));
    app.get(
        &format!("/api/v1/payments/{}/receipt", leos.id),
        &student.access,
    )
    .await
    .expect(404);
    app.get(&format!("/api/v1/payments/{}", leos.id), &student.access)
        .await
        .expect(404);
    let mine: Page<PaymentView> = app
        .get("/api/v1/payments", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        mine.data.iter().map(|p| p.id).collect::<Vec<_>>(),
        [paid.id]
    );
    let mine = charges(&app, &student, "").await;
    assert_eq!(
        mine.iter().map(|c| c.person_id).collect::<Vec<_>>(),
        [mia.id]
    );
    let debt: DebtReport = app
        .get("/api/v1/debts", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        debt.data
            .iter()
            .map(|d| (d.person_id, d.debt_minor))
            .collect::<Vec<_>>(),
        [(mia.id, 3000)]
    );
    let guardians = app
        .get(
            &format!("/api/v1/people/{}/guardians", mia.id),
            &student.access,
        )
        .await
        .expect(200);
    assert_eq!(guardians.body[0]["name"], "Ana Zoë");
    app.get(
        &format!("/api/v1/people/{}/guardians", leo.id),
        &student.access,
    )
    .await
    .expect(404);
    // A student records no payment and sees no plan.
    app.post(
        "/api/v1/payments",
        Some(&student.access),
        json!({"person_id": mia.id, "amount": {"amount_minor": 100, "currency": "USD"}, "method": "cash"}),
    )
    .await
    .expect(403);
    app.get("/api/v1/fee-plans", &student.access)
        .await
        .expect(403);
    // A teacher sees no money at all.
    for path in [
        "/api/v1/charges",
        "/api/v1/payments",
        "/api/v1/debts",
        "/api/v1/fee-plans",
    ] {
        app.get(path, &teacher.access).await.expect(403);
    }
    app.get(
        &format!("/api/v1/payments/{}/receipt", paid.id),
        &teacher.access,
    )
    .await
    .expect(403);
    app.stop().await;
}

/// What is not right is refused with the field it is about, and changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plans_payments_runs_and_guardians_are_refused() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let other = app.register("school").await;
    let mia = person(&app, &owner, json!({"first_name": "Mia"})).await;
    let theirs = app
        .post(
            "/api/v1/groups",
            Some(&other.access),
            json!({"name": "Their class"}),
        )
        .await
        .expect(201);
    let field = |res: &rapport_tests::Resp| {
        res.body["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let cases = [
        (
            json!({"name": "Both", "amount": {"amount_minor": 100, "currency": "USD"}, "group_id": theirs.body["id"], "person_id": mia.id}),
            "group_id",
        ),
        (
            json!({"name": "Theirs", "amount": {"amount_minor": 100, "currency": "USD"}, "group_id": theirs.body["id"]}),
            "group_id",
        ),
        (
            json!({"name": "Free", "amount": {"amount_minor": 0, "currency": "USD"}, "person_id": mia.id}),
            "amount.amount_minor",
        ),
        (
            json!({"name": "Floats", "amount": {"amount_minor": 10.5, "currency": "USD"}, "person_id": mia.id}),
            "",
        ),
        (
            json!({"name": "Lower", "amount": {"amount_minor": 100, "currency": "usd"}, "person_id": mia.id}),
            "amount.currency",
        ),
        (
            json!({"name": "Mid-month", "amount": {"amount_minor": 100, "currency": "USD"}, "person_id": mia.id, "first_month": "2026-10-15"}),
            "first_month",
        ),
    ];
    for (body, at) in cases {
        let res = app
            .post("/api/v1/fee-plans", Some(&owner.access), body.clone())
            .await;
        assert!([400, 422].contains(&res.status), "{body}: {}", res.text);
        if !at.is_empty() {
            assert_eq!(field(&res), at, "{body}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM fee_plans").await, 0);
    let future = (chrono::Utc::now() + chrono::Duration::days(70))
        .date_naive()
        .with_day(1)
        .unwrap();
    let res = app
        .post(
            "/api/v1/charges/run",
            Some(&owner.access),
            json!({"month": future}),
        )
        .await
        .expect(422);
    assert_eq!(field(&res), "month");
    for (body, at) in [
        (
            json!({"person_id": mia.id, "amount": {"amount_minor": -100, "currency": "USD"}, "method": "cash"}),
            "amount.amount_minor",
        ),
        (
            json!({"person_id": Uuid::now_v7(), "amount": {"amount_minor": 100, "currency": "USD"}, "method": "cash"}),
            "person_id",
        ),
        (
            json!({"person_id": mia.id, "amount": {"amount_minor": 100, "currency": "MEDAL_GOLD"}, "method": "cash"}),
            "amount.currency",
        ),
    ] {
        let res = app
            .post("/api/v1/payments", Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(field(&res), at, "{body}");
    }
    let res = app
        .post(
            "/api/v1/payments",
            Some(&owner.access),
            json!({"person_id": mia.id, "amount": {"amount_minor": 100, "currency": "USD"}, "method": "cheque"}),
        )
        .await;
    assert!([400, 422].contains(&res.status), "{}", res.text);
    assert_eq!(app.count("SELECT count(*) FROM payments").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM receipt_numbers").await, 0);
    let guardians = format!("/api/v1/people/{}/guardians", mia.id);
    let res = app
        .call(
            Method::PUT,
            &guardians,
            Some(&owner.access),
            Some(json!({"guardians": [{"name": "No address"}]})),
        )
        .await
        .expect(422);
    assert_eq!(field(&res), "guardians[0].email");
    let five: Vec<Value> = (0..5)
        .map(|i| json!({"name": format!("G{i}"), "receives_mail": false}))
        .collect();
    let res = app
        .call(
            Method::PUT,
            &guardians,
            Some(&owner.access),
            Some(json!({"guardians": five})),
        )
        .await
        .expect(422);
    assert_eq!(field(&res), "guardians");
    assert_eq!(app.count("SELECT count(*) FROM guardians").await, 0);
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/fee-discounts/{}", mia.id),
            Some(&owner.access),
            Some(json!({"percent": 0, "reason": "None"})),
        )
        .await
        .expect(422);
    assert_eq!(field(&res), "percent");
    // Another workspace's person has no discount here.
    app.call(
        Method::PUT,
        &format!("/api/v1/fee-discounts/{}", mia.id),
        Some(&other.access),
        Some(json!({"percent": 10, "reason": "Theirs"})),
    )
    .await
    .expect(404);
    app.stop().await;
}
