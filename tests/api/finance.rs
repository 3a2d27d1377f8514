//! Finance: rates and pay rates price completed sessions; invoices are
//! built from them once, numbered without gaps, mailed as PDFs and freeze
//! their sessions; credit notes give back and free them; payments go to
//! the oldest invoice; reports add up revenue, cost and margin from
//! monthly figures that never drift from the lines; and only admins see
//! any of it.

use rapport_domain::api::{
    CreditNoteView, FinanceReport, InvoiceRun, InvoiceView, Page, PaymentView, PayoutReport,
    PersonView, RateView, SessionView,
};
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

/// A session on `day` of March 2026 from `from` to `to` (UTC), held by
/// `host` with `people`, marked completed.
async fn done(
    app: &TestApp,
    by: &Session,
    host: Uuid,
    title: &str,
    (day, from, to): (u32, &str, &str),
    people: &[Uuid],
    extra: Value,
) -> SessionView {
    let mut body = json!({
        "title": title, "host_id": host,
        "starts_at": format!("2026-03-{day:02}T{from}:00Z"),
        "ends_at": format!("2026-03-{day:02}T{to}:00Z"),
        "participant_ids": people,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let s: SessionView = app
        .post("/api/v1/sessions", Some(&by.access), body)
        .await
        .expect(201)
        .read();
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", s.id),
        Some(&by.access),
        Some(json!({"status": "completed"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(200)
    .read()
}

async fn run(app: &TestApp, by: &Session, body: Value) -> InvoiceRun {
    app.post("/api/v1/invoices/run", Some(&by.access), body)
        .await
        .expect(200)
        .read()
}

async fn invoice(app: &TestApp, by: &Session, id: Uuid) -> InvoiceView {
    app.get(&format!("/api/v1/invoices/{id}"), &by.access)
        .await
        .expect(200)
        .read()
}

async fn report(app: &TestApp, by: &Session, query: &str) -> FinanceReport {
    app.get(&format!("/api/v1/finance/report?{query}"), &by.access)
        .await
        .expect(200)
        .read()
}

/// The monthly figures agree with the invoice lines they are kept from.
async fn figures_agree(app: &TestApp) {
    let sql = app.sql().await;
    let drift: i64 = sql
        .query_one(
            "SELECT count(*) FROM (
                 SELECT person_id, sum(revenue_minor) r, sum(cost_minor) c, sum(sessions) s, sum(minutes) m
                 FROM finance_months GROUP BY person_id
             ) f FULL JOIN (
                 SELECT person_id, sum(amount_minor - credited_minor) r,
                        sum(CASE WHEN released THEN 0 ELSE cost_minor END) c,
                        count(*) FILTER (WHERE NOT released) s,
                        coalesce(sum(minutes) FILTER (WHERE NOT released), 0) m
                 FROM invoice_lines GROUP BY person_id
             ) l USING (person_id)
             WHERE (f.r, f.c, f.s, f.m) IS DISTINCT FROM (l.r, l.c, l.s::numeric, l.m)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(drift, 0, "the monthly figures drifted from the lines");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_sessions_is_priced_invoiced_once_frozen_credited_and_paid() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let tutor = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ада", "last_name": "Zoë", "email": "ada@example.com"}),
    )
    .await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;

    // Ada pays 40.00 an hour, and 50.00 a session of physics with her tutor.
    let hourly: RateView = app
        .post(
            "/api/v1/rates",
            Some(&owner.access),
            json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 4000, "currency": "EUR"}}),
        )
        .await
        .expect(201)
        .read();
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "tutor_id": tutor.user_id, "subject": "physics", "unit": "session",
               "amount": {"amount_minor": 5000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    // The same rate twice is refused.
    let twice = app
        .post(
            "/api/v1/rates",
            Some(&owner.access),
            json!({"person_id": ada.id, "unit": "session", "amount": {"amount_minor": 1, "currency": "EUR"}}),
        )
        .await;
    assert_eq!(
        (twice.status, twice.body["code"].as_str()),
        (409, Some("duplicate"))
    );
    // The tutor earns 20.00 an hour.
    app.post(
        "/api/v1/pay-rates",
        Some(&owner.access),
        json!({"tutor_id": tutor.user_id, "unit": "hour", "amount": {"amount_minor": 2000, "currency": "EUR"}}),
    )
    .await
    .expect(201);

    let t = tutor.user_id;
    let maths = done(
        &app,
        &owner,
        t,
        "Maths",
        (2, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    let physics = done(
        &app,
        &owner,
        t,
        "Physics",
        (3, "10:00", "11:30"),
        &[ada.id],
        json!({}),
    )
    .await;
    // A shared session: Bob has no rate, so his part waits for one.
    let shared = done(
        &app,
        &owner,
        t,
        "Maths",
        (4, "10:00", "10:45"),
        &[ada.id, bob.id],
        json!({}),
    )
    .await;
    // A session with a fee of its own is priced by it.
    done(
        &app,
        &owner,
        t,
        "Exam prep",
        (5, "10:00", "11:00"),
        &[ada.id],
        json!({"fee": {"amount_minor": 2500, "currency": "EUR"}}),
    )
    .await;
    // Not billed: a session to come, one Ada missed.
    app.post(
        "/api/v1/sessions",
        Some(&owner.access),
        json!({"title": "Maths", "host_id": t, "starts_at": "2030-03-06T10:00:00Z",
               "ends_at": "2030-03-06T11:00:00Z", "participant_ids": [ada.id]}),
    )
    .await
    .expect(201);
    let missed = done(
        &app,
        &owner,
        t,
        "Maths",
        (9, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{}/attendance", missed.id),
        Some(&owner.access),
        Some(json!({"records": [{"person_id": ada.id, "status": "absent"}]})),
    )
    .await
    .expect(200);

    let first = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert_eq!(first.invoices.len(), 1, "one invoice, Ada's");
    let inv = &first.invoices[0];
    assert_eq!(inv.number, 1);
    assert_eq!(inv.person_id, ada.id);
    // 40.00 + 50.00 + 45 minutes at 40.00 an hour + the fee of 25.00.
    assert_eq!(inv.total.amount_minor, 4000 + 5000 + 3000 + 2500);
    assert_eq!(inv.open_minor, 14_500);
    assert_eq!(inv.line_count, 4);
    assert_eq!(first.unpriced.len(), 1);
    assert_eq!(
        (first.unpriced[0].session_id, first.unpriced[0].person_id),
        (shared.id, bob.id)
    );
    let full = invoice(&app, &owner, inv.id).await;
    let costs: Vec<i64> = full.lines.iter().map(|l| l.cost_minor).collect();
    // The tutor's 45 minutes (15.00) are shared by the two who came.
    assert_eq!(costs, [2000, 3000, 750, 2000]);
    assert_eq!(full.lines[0].session_id, maths.id);
    assert_eq!(full.lines[2].unit, "hour");
    assert_eq!(full.lines[3].unit, "fee");

    // Run again: nothing is invoiced twice, and no number is taken.
    let again = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert!(again.invoices.is_empty());
    assert_eq!(app.count("SELECT count(*) FROM invoices").await, 1);

    // The invoice, its PDF and its mail.
    let pdf = app
        .get(&format!("/api/v1/invoices/{}/pdf", inv.id), &owner.access)
        .await
        .expect(200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let text = rapport_tests::pdf::text(&pdf.bytes);
    assert!(text.contains("Invoice No. 1"), "{text}");
    assert!(text.lines().any(|l| l == "Ада Zoë"), "{text}");
    assert!(text.lines().any(|l| l == "145.00 EUR"), "{text}");
    let mailed = app
        .texts("SELECT to_address || ' ' || attachment_name FROM mail_messages WHERE attachment IS NOT NULL")
        .await;
    assert_eq!(mailed, ["ada@example.com invoice-1.pdf"]);

    // An invoiced session is frozen: its times, title, attendance and people.
    let frozen = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/sessions/{}", maths.id),
            Some(&owner.access),
            Some(json!({"title": "Algebra"})),
            &[("if-match", &format!("\"{}\"", maths.version))],
        )
        .await;
    assert_eq!(
        (frozen.status, frozen.body["code"].as_str()),
        (409, Some("invoiced")),
        "{:?}",
        frozen.body
    );
    let frozen = app
        .call(
            Method::PUT,
            &format!("/api/v1/sessions/{}/attendance", physics.id),
            Some(&owner.access),
            Some(json!({"records": [{"person_id": ada.id, "status": "absent"}]})),
        )
        .await;
    assert_eq!(
        (frozen.status, frozen.body["code"].as_str()),
        (409, Some("invoiced")),
        "{:?}",
        frozen.body
    );
    let gone = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/sessions/{}", physics.id),
            Some(&owner.access),
            Some(json!({"participant_ids": []})),
            &[("if-match", &format!("\"{}\"", physics.version))],
        )
        .await;
    assert_eq!(
        (gone.status, gone.body["code"].as_str()),
        (409, Some("invoiced")),
        "{:?}",
        gone.body
    );
    // A rate changed later does not change the invoice.
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/rates/{}", hourly.id),
        Some(&owner.access),
        Some(json!({"amount": {"amount_minor": 4400, "currency": "EUR"}})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(200);
    let stale = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/rates/{}", hourly.id),
            Some(&owner.access),
            Some(json!({"unit": "session"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, 412);
    assert_eq!(
        invoice(&app, &owner, inv.id).await.total.amount_minor,
        14_500
    );

    // A credit note gives the first line back whole, and frees its session.
    let note: CreditNoteView = app
        .post(
            &format!("/api/v1/invoices/{}/credit-notes", inv.id),
            Some(&owner.access),
            json!({"reason": "Booked at the wrong length", "lines": [{"line": 1}]}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!((note.number, note.amount.amount_minor), (1, 4000));
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", maths.id),
        Some(&owner.access),
        Some(json!({"title": "Algebra"})),
        &[("if-match", &format!("\"{}\"", maths.version))],
    )
    .await
    .expect(200);
    // More than is left of a line is refused, and changes nothing.
    let over = app
        .post(
            &format!("/api/v1/invoices/{}/credit-notes", inv.id),
            Some(&owner.access),
            json!({"reason": "Too much", "lines": [{"line": 2, "amount_minor": 5001}]}),
        )
        .await;
    assert_eq!(over.status, 422, "{:?}", over.body);
    assert_eq!(over.body["errors"][0]["field"], "lines[0].amount_minor");
    let gone_line = app
        .post(
            &format!("/api/v1/invoices/{}/credit-notes", inv.id),
            Some(&owner.access),
            json!({"reason": "Again", "lines": [{"line": 1}]}),
        )
        .await;
    assert_eq!(
        gone_line.status, 422,
        "a line given back whole has nothing left"
    );
    // Part of a line: the session stays frozen.
    let part: CreditNoteView = app
        .post(
            &format!("/api/v1/invoices/{}/credit-notes", inv.id),
            Some(&owner.access),
            json!({"reason": "Started late", "lines": [{"line": 2, "amount_minor": 1000}]}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(part.number, 2, "credit notes have numbers of their own");
    let after = invoice(&app, &owner, inv.id).await;
    assert_eq!(after.credited_minor, 5000);
    assert_eq!(after.open_minor, 9500);
    assert_eq!(after.credit_notes.len(), 2);
    assert_eq!(after.lines[1].credited_minor, 1000);

    // A payment goes to the oldest open invoice.
    let paid: PaymentView = app
        .post(
            "/api/v1/finance/payments",
            Some(&owner.access),
            json!({"person_id": ada.id, "amount": {"amount_minor": 6000, "currency": "EUR"}, "method": "card"}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(paid.applied.len(), 1);
    assert_eq!(
        (paid.applied[0].charge_id, paid.applied[0].amount_minor),
        (inv.id, 6000)
    );
    assert_eq!(invoice(&app, &owner, inv.id).await.open_minor, 3500);

    // The freed session, changed, is invoiced again, at today's rate.
    let second = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert_eq!(second.invoices.len(), 1);
    assert_eq!(second.invoices[0].number, 2);
    assert_eq!(second.invoices[0].total.amount_minor, 4400);

    // The month: revenue less credits, the tutor's pay for what was billed.
    let by_month = report(&app, &owner, "from=2026-03-01&to=2026-03-01").await;
    assert_eq!(by_month.rows.len(), 1);
    let m = &by_month.rows[0];
    assert_eq!(m.label, "March 2026");
    assert_eq!(m.revenue_minor, 14_500 - 5000 + 4400);
    assert_eq!(m.cost_minor, 2000 + 3000 + 750 + 2000);
    assert_eq!(m.margin_minor, m.revenue_minor - m.cost_minor);
    assert_eq!((m.sessions, m.minutes), (4, 60 + 90 + 45 + 60));
    assert_eq!(by_month.totals[0].revenue_minor, m.revenue_minor);
    let by_student = report(&app, &owner, "by=student&from=2026-01-01&to=2026-12-01").await;
    assert_eq!(by_student.rows[0].label, "Ада Zoë");
    assert_eq!(
        by_student.rows[0].key.as_deref(),
        Some(ada.id.to_string().as_str())
    );
    let by_tutor = report(&app, &owner, "by=tutor&from=2026-01-01&to=2026-12-01").await;
    assert_eq!(
        by_tutor.rows[0].key.as_deref(),
        Some(tutor.user_id.to_string().as_str())
    );
    let by_branch = report(&app, &owner, "by=branch&from=2026-01-01&to=2026-12-01").await;
    assert_eq!(by_branch.rows[0].label, "(no branch)");
    figures_agree(&app).await;

    // The tutor's month: every completed session they held, at their rate.
    let payouts: PayoutReport = app
        .get("/api/v1/finance/payouts?month=2026-03-01", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(payouts.rows.len(), 1);
    let p = &payouts.rows[0];
    assert_eq!(p.tutor_id, tutor.user_id);
    assert_eq!((p.sessions, p.minutes), (5, 60 + 90 + 45 + 60 + 60));
    assert_eq!(p.pay_minor, 2000 + 3000 + 1500 + 2000 + 2000);

    // Everything is on the ledger: invoices take, credit notes and payments give.
    let balance: i64 = app
        .sql()
        .await
        .query_one(
            "SELECT balance_minor FROM ledger_balances WHERE person_id = $1 AND currency = 'EUR'",
            &[&ada.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(balance, -14_500 + 5000 + 6000 - 4400);

    // A workspace deleted takes its invoiced sessions and money with it.
    app.sql()
        .await
        .execute(
            "DELETE FROM workspaces WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    for table in [
        "invoices",
        "invoice_lines",
        "finance_months",
        "sessions",
        "credit_notes",
    ] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_and_credit_notes_at_once_invoice_each_session_once_without_gaps() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let tutor = app.add_member(&owner, "member").await;
    let mut people = Vec::new();
    for name in ["A", "B", "C", "D"] {
        let p = person(&app, &owner, json!({"first_name": name})).await;
        app.post(
            "/api/v1/rates",
            Some(&owner.access),
            json!({"person_id": p.id, "unit": "session", "amount": {"amount_minor": 3000, "currency": "USD"}}),
        )
        .await
        .expect(201);
        people.push(p.id);
    }
    for (i, p) in people.iter().enumerate() {
        let from = format!("{:02}:00", 8 + i);
        let to = format!("{:02}:00", 9 + i);
        done(
            &app,
            &owner,
            tutor.user_id,
            "Chess",
            (10, &from, &to),
            &[*p],
            json!({}),
        )
        .await;
    }
    // Ten runs at once: one invoice per student, numbered 1 to 4.
    let asks = (0..10).map(|_| {
        let (app, token) = (&app, owner.access.clone());
        async move {
            app.post(
                "/api/v1/invoices/run",
                Some(&token),
                json!({"month": "2026-03-01"}),
            )
            .await
        }
    });
    let answers = futures::future::join_all(asks).await;
    assert!(
        answers.iter().all(|r| r.status == 200),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let mut numbers: Vec<i64> = answers
        .iter()
        .flat_map(|r| {
            r.read::<InvoiceRun>()
                .invoices
                .into_iter()
                .map(|i| i.number)
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3, 4]);
    let page: Page<InvoiceView> = app
        .get("/api/v1/invoices", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(page.data.len(), 4);
    let first = page.data.iter().find(|i| i.number == 1).unwrap().id;

    // Ten credit notes of the same whole line at once: one is made.
    let asks = (0..10).map(|_| {
        let (app, token) = (&app, owner.access.clone());
        let path = format!("/api/v1/invoices/{first}/credit-notes");
        async move {
            app.post(
                &path,
                Some(&token),
                json!({"reason": "Twice", "lines": [{"line": 1}]}),
            )
            .await
        }
    });
    let mut statuses: Vec<u16> = futures::future::join_all(asks)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 422, 422, 422, 422, 422, 422, 422, 422, 422]);
    assert_eq!(app.count("SELECT count(*) FROM credit_notes").await, 1);
    figures_agree(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_is_for_admins_only_and_bad_input_changes_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let user = app.add_member(&owner, "member").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;

    // Moderators and users see no money: 403 on every finance route.
    for who in [&moderator, &user] {
        for path in [
            "/api/v1/rates",
            "/api/v1/invoices",
            "/api/v1/finance/report",
            "/api/v1/finance/payouts",
            "/api/v1/pay-rates",
        ] {
            let res = app.get(path, &who.access).await;
            assert_eq!(res.status, 403, "{} {path}", who.role);
        }
        let res = app
            .post(
                "/api/v1/invoices/run",
                Some(&who.access),
                json!({"month": "2026-03-01"}),
            )
            .await;
        assert_eq!(res.status, 403);
    }
    // A key with finance:read reads and does not write; another scope neither.
    let reader = app.api_key(&owner, json!(["finance:read"])).await;
    let other = app.api_key(&owner, json!(["people:read"])).await;
    app.get("/api/v1/invoices", &reader).await.expect(200);
    assert_eq!(app.get("/api/v1/invoices", &other).await.status, 403);
    let res = app
        .post(
            "/api/v1/invoices/run",
            Some(&reader),
            json!({"month": "2026-03-01"}),
        )
        .await;
    assert_eq!(res.status, 403);

    // A school has no finance module.
    let school = app.register("school").await;
    let res = app.get("/api/v1/invoices", &school.access).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );

    // Another workspace's student and invoice are not found.
    let elsewhere = app.register("tutoring").await;
    let res = app
        .post(
            "/api/v1/rates",
            Some(&elsewhere.access),
            json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 100, "currency": "EUR"}}),
        )
        .await;
    assert_eq!(res.status, 404, "{:?}", res.body);
    let tutor = app.add_member(&owner, "member").await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 3000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (2, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    // The user is a student too: their own invoices are no money they see.
    let lea = person(
        &app,
        &owner,
        json!({"first_name": "Lea", "user_id": user.user_id}),
    )
    .await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": lea.id, "unit": "hour", "amount": {"amount_minor": 3000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    let leas = done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (3, "10:00", "11:00"),
        &[lea.id],
        json!({}),
    )
    .await;
    let lea_invoice = run(&app, &owner, json!({"person_id": lea.id}))
        .await
        .invoices[0]
        .id;
    let own: Value = app
        .get("/api/v1/ledger", &user.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        own["data"],
        json!([]),
        "a tutoring user sees no money: {own}"
    );
    let theirs: Value = app
        .get(
            &format!("/api/v1/ledger?person_id={}", lea.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(theirs["data"][0]["amount_minor"], -3000, "the admin does");
    // Marked present after the invoice: billed alike, so it is taken;
    // marked absent: who is billed would change, so it is not.
    let register = format!("/api/v1/sessions/{}/attendance", leas.id);
    app.call(
        Method::PUT,
        &register,
        Some(&owner.access),
        Some(json!({"records": [{"person_id": lea.id, "status": "present"}]})),
    )
    .await
    .expect(200);
    let absent = app
        .call(
            Method::PUT,
            &register,
            Some(&owner.access),
            Some(json!({"records": [{"person_id": lea.id, "status": "absent"}]})),
        )
        .await;
    assert_eq!(
        (absent.status, absent.body["code"].as_str()),
        (409, Some("invoiced"))
    );
    // Given back whole, she may be taken off the session.
    app.post(
        &format!("/api/v1/invoices/{lea_invoice}/credit-notes"),
        Some(&owner.access),
        json!({"reason": "Not her session", "lines": [{"line": 1}]}),
    )
    .await
    .expect(201);
    let current: SessionView = app
        .get(&format!("/api/v1/sessions/{}", leas.id), &owner.access)
        .await
        .expect(200)
        .read();
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", leas.id),
        Some(&owner.access),
        Some(json!({"participant_ids": []})),
        &[("if-match", &format!("\"{}\"", current.version))],
    )
    .await
    .expect(200);

    let made = run(&app, &owner, json!({"person_id": ada.id})).await;
    assert_eq!(made.invoices.len(), 1, "on demand, everything up to now");
    let id = made.invoices[0].id;
    // A tutor whose sessions are invoiced may leave: the lines keep who taught.
    app.call(
        Method::DELETE,
        &format!("/api/v1/members/{}", tutor.user_id),
        Some(&owner.access),
        None,
    )
    .await
    .expect(204);
    let kept = invoice(&app, &owner, id).await;
    assert_eq!(kept.lines[0].tutor_id, Some(tutor.user_id));
    for path in [
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/pdf"),
    ] {
        assert_eq!(app.get(&path, &elsewhere.access).await.status, 404);
    }
    let res = app
        .post(
            &format!("/api/v1/invoices/{id}/credit-notes"),
            Some(&elsewhere.access),
            json!({"reason": "Mine", "lines": [{"line": 1}]}),
        )
        .await;
    assert_eq!(res.status, 404);

    // Bad input: 422, and nothing changes.
    for (body, field) in [
        (json!({}), "month"),
        (json!({"month": "2026-03-02"}), "month"),
        (json!({"month": "2099-01-01"}), "month"),
        (json!({"month": "2026-03-01", "due_days": 1000}), "due_days"),
    ] {
        let res = app
            .post("/api/v1/invoices/run", Some(&owner.access), body.clone())
            .await;
        assert_eq!(res.status, 422, "{body}");
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    for (body, field) in [
        (
            json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 100, "currency": "eur"}}),
            "amount.currency",
        ),
        (
            json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 0, "currency": "EUR"}}),
            "amount.amount_minor",
        ),
        (
            json!({"person_id": ada.id, "unit": "hour", "subject": "x".repeat(201), "amount": {"amount_minor": 1, "currency": "EUR"}}),
            "subject",
        ),
    ] {
        let res = app
            .post("/api/v1/rates", Some(&owner.access), body.clone())
            .await;
        assert_eq!(res.status, 422, "{body}");
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    let res = app
        .post("/api/v1/rates", Some(&owner.access), json!({"person_id": ada.id, "unit": "minute", "amount": {"amount_minor": 1, "currency": "EUR"}}))
        .await;
    assert!(matches!(res.status, 400 | 422), "{}", res.status);
    for (body, field) in [
        (json!({"reason": "", "lines": [{"line": 1}]}), "reason"),
        (json!({"reason": "x", "lines": []}), "lines"),
        (
            json!({"reason": "x", "lines": [{"line": 7}]}),
            "lines[0].line",
        ),
        (
            json!({"reason": "x", "lines": [{"line": 1, "amount_minor": 0}]}),
            "lines[0].amount_minor",
        ),
    ] {
        let res = app
            .post(
                &format!("/api/v1/invoices/{id}/credit-notes"),
                Some(&owner.access),
                body.clone(),
            )
            .await;
        assert_eq!(res.status, 422, "{body}");
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    for query in [
        "from=2026-05-01&to=2026-03-01",
        "from=2000-01-01&to=2026-03-01",
        "by=colour",
        "to=-0001-05-01",
        "from=1999-12-01&to=2000-01-01",
    ] {
        let res = app
            .get(&format!("/api/v1/finance/report?{query}"), &owner.access)
            .await;
        assert!(matches!(res.status, 400 | 422), "{query}: {}", res.status);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM credit_notes").await,
        1,
        "Lea's"
    );
    assert_eq!(app.count("SELECT count(*) FROM invoices").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM rates").await, 2);
}
