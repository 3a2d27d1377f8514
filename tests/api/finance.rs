//! Finance: rates and pay rates price completed sessions; invoices are
//! built from them once, numbered without gaps, mailed as PDFs and freeze
//! their sessions; credit notes give back and free them; payments go to
//! the oldest invoice; reports add up revenue, cost and margin from
//! monthly figures that never drift from the lines; and only admins see
//! any of it.

use rapport_domain::api::{
    CreditNoteView, FinanceReport, InvoiceRun, InvoiceView, PackageView, Page, PaymentView,
    PayoutReport, PersonView, RateView, SessionView,
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

/// The monthly figures agree with the invoice lines and the settled
/// package sessions they are kept from.
async fn figures_agree(app: &TestApp) {
    let sql = app.sql().await;
    let drift: i64 = sql
        .query_one(
            "SELECT count(*) FROM (
                 SELECT person_id, sum(revenue_minor) r, sum(cost_minor) c, sum(sessions) s, sum(minutes) m
                 FROM finance_months GROUP BY person_id
             ) f FULL JOIN (
                 SELECT person_id, sum(r) r, sum(c) c, sum(s) s, sum(m) m FROM (
                     SELECT person_id, amount_minor - credited_minor r,
                            CASE WHEN released THEN 0 ELSE cost_minor END c,
                            CASE WHEN released OR session_id IS NULL THEN 0 ELSE 1 END s,
                            CASE WHEN released THEN 0 ELSE minutes END m
                     FROM invoice_lines
                     UNION ALL
                     SELECT person_id, 0, cost_minor, 1, minutes FROM package_uses WHERE settled
                 ) x GROUP BY person_id
             ) l USING (person_id)
             WHERE (f.r, f.c, f.s, f.m) IS DISTINCT FROM (l.r, l.c, l.s, l.m)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(drift, 0, "the monthly figures drifted from the lines");
    // The coarser figures add up to the same.
    for (coarse, key) in [
        ("finance_totals", "month, tutor_id, branch_id, currency"),
        (
            "finance_years",
            "date_trunc('year', month)::date, person_id, tutor_id, branch_id, currency",
        ),
    ] {
        let keyed = if coarse == "finance_years" {
            "year, person_id, tutor_id, branch_id, currency"
        } else {
            key
        };
        let months = format!(
            "SELECT {key}, sum(revenue_minor), sum(cost_minor), sum(sessions), sum(minutes)
             FROM finance_months GROUP BY {key}"
        );
        let coarser =
            format!("SELECT {keyed}, revenue_minor, cost_minor, sessions, minutes FROM {coarse}");
        let drift: i64 = sql
            .query_one(
                &format!(
                    "SELECT count(*) FROM (({months} EXCEPT {coarser}) UNION ALL ({coarser} EXCEPT {months})) d"
                ),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(drift, 0, "{coarse} drifted from the monthly figures");
    }
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
    assert_eq!(full.lines[0].session_id, Some(maths.id));
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
            "/api/v1/packages",
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

async fn package(app: &TestApp, by: &Session, id: Uuid) -> PackageView {
    app.get(&format!("/api/v1/packages/{id}"), &by.access)
        .await
        .expect(200)
        .read()
}

async fn attendance(app: &TestApp, by: &Session, session: Uuid, who: Uuid, status: &str) {
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{session}/attendance"),
        Some(&by.access),
        Some(json!({"records": [{"person_id": who, "status": status}]})),
    )
    .await
    .expect(200);
}

async fn ledger_balance(app: &TestApp, person: Uuid) -> i64 {
    app.sql()
        .await
        .query_one(
            "SELECT balance_minor FROM ledger_balances WHERE person_id = $1 AND currency = 'EUR'",
            &[&person],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_is_invoiced_when_sold_drawn_by_completed_sessions_and_never_billed_again() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let tutor = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "email": "ada@example.com"}),
    )
    .await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "unit": "hour", "amount": {"amount_minor": 4000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/pay-rates",
        Some(&owner.access),
        json!({"tutor_id": tutor.user_id, "unit": "hour", "amount": {"amount_minor": 2000, "currency": "EUR"}}),
    )
    .await
    .expect(201);

    // Two sessions for 70.00, invoiced at once: one line, the package.
    let sold = app
        .post(
            "/api/v1/packages",
            Some(&owner.access),
            json!({"person_id": ada.id, "name": "Two sessions", "sessions": 2, "starts_on": "2026-03-01",
                   "price": {"amount_minor": 7000, "currency": "EUR"}}),
        )
        .await
        .expect(201);
    assert_eq!(
        sold.header("location"),
        Some(format!("/api/v1/packages/{}", sold.body["id"].as_str().unwrap()).as_str())
    );
    let two: PackageView = sold.read();
    assert_eq!((two.sessions, two.used, two.remaining), (2, 0, 2));
    assert_eq!(two.invoice_number, 1);
    let sale = invoice(&app, &owner, two.invoice_id).await;
    assert_eq!(sale.total.amount_minor, 7000);
    assert_eq!(sale.open_minor, 7000);
    assert_eq!(sale.lines.len(), 1);
    assert_eq!(sale.lines[0].unit, "package");
    assert_eq!(sale.lines[0].package_id, Some(two.id));
    assert_eq!(sale.lines[0].session_id, None);
    assert_eq!(sale.lines[0].description, "Two sessions — 2 sessions");
    assert_eq!(ledger_balance(&app, ada.id).await, -7000);
    let mail = app
        .count("SELECT count(*) FROM mail_messages WHERE to_address = 'ada@example.com' AND subject LIKE 'Invoice No. 1 %'")
        .await;
    assert_eq!(mail, 1, "the package's invoice is mailed");
    // Paid in full.
    app.post(
        "/api/v1/finance/payments",
        Some(&owner.access),
        json!({"person_id": ada.id, "amount": {"amount_minor": 7000, "currency": "EUR"}, "method": "transfer"}),
    )
    .await
    .expect(201);

    // Three lessons held: the first two are drawn from the package, the
    // third is billed at her rate.
    let mut held = Vec::new();
    for day in [2, 3, 4] {
        held.push(
            done(
                &app,
                &owner,
                tutor.user_id,
                "Maths",
                (day, "10:00", "11:00"),
                &[ada.id],
                json!({}),
            )
            .await,
        );
    }
    let drawn = package(&app, &owner, two.id).await;
    assert_eq!((drawn.used, drawn.remaining), (2, 0));
    let uses: Vec<Uuid> = drawn.uses.iter().map(|u| u.session_id).collect();
    assert_eq!(uses, [held[0].id, held[1].id]);
    assert!(drawn.uses.iter().all(|u| !u.settled));

    // A preview drafts the month and keeps nothing: no invoice, number,
    // charge, mail, settling or audit entry.
    let kept = || async {
        app.sql()
            .await
            .query_one(
                "SELECT ((SELECT count(*) FROM invoices) + (SELECT count(*) FROM mail_messages)
                      + (SELECT count(*) FROM ledger_entries) + (SELECT sum(last) FROM finance_numbers)
                      + (SELECT count(*) FROM package_uses WHERE settled)
                      + (SELECT count(*) FROM audit_log))::int8",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    let before = kept().await;
    let draft = run(
        &app,
        &owner,
        json!({"month": "2026-03-01", "preview": true}),
    )
    .await;
    assert!(draft.preview);
    assert_eq!((draft.invoices.len(), draft.prepaid), (1, 2));
    assert_eq!(draft.invoices[0].number, 2);
    assert_eq!(draft.invoices[0].total.amount_minor, 4000);
    assert_eq!(kept().await, before, "a preview keeps nothing");
    let march = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert!(!march.preview);
    assert_eq!(march.invoices[0].number, 2, "the number the draft showed");
    assert_eq!(
        march.prepaid, 2,
        "the drawn sessions are settled, not billed"
    );
    assert_eq!(march.invoices.len(), 1);
    let billed = invoice(&app, &owner, march.invoices[0].id).await;
    assert_eq!(billed.lines.len(), 1);
    assert_eq!(billed.lines[0].session_id, Some(held[2].id));
    assert_eq!(billed.total.amount_minor, 4000);
    assert!(package(&app, &owner, two.id)
        .await
        .uses
        .iter()
        .all(|u| u.settled));
    let again = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert_eq!((again.invoices.len(), again.prepaid), (0, 0));

    // March: revenue of the one billed lesson, the tutor's pay for all three;
    // the package's price is revenue of the month it was sold.
    let m = report(&app, &owner, "from=2026-03-01&to=2026-03-01").await;
    assert_eq!(m.rows.len(), 1);
    assert_eq!(m.rows[0].revenue_minor, 4000);
    assert_eq!(m.rows[0].cost_minor, 3 * 2000);
    assert_eq!((m.rows[0].sessions, m.rows[0].minutes), (3, 180));
    let sold_in = sale.lines[0].month;
    let when = format!("from={sold_in}&to={sold_in}");
    let s = report(&app, &owner, &when).await;
    let row = s
        .rows
        .iter()
        .find(|r| r.key.as_deref() == Some(&sold_in.to_string()[..]))
        .unwrap();
    assert!(row.revenue_minor >= 7000);
    figures_agree(&app).await;
    // A whole year by student (read from the yearly figures) is its months:
    // the year of the lessons and the year of the sale.
    let mut years = vec![2026, chrono::Datelike::year(&sold_in)];
    years.dedup();
    let mut all = (0, 0, 0);
    for y in years {
        let year = report(
            &app,
            &owner,
            &format!("by=student&from={y}-01-01&to={y}-12-01"),
        )
        .await;
        let mut months = (0, 0, 0);
        for m in 1..=12 {
            let q = format!("by=student&from={y}-{m:02}-01&to={y}-{m:02}-01");
            for r in report(&app, &owner, &q).await.rows {
                months = (
                    months.0 + r.revenue_minor,
                    months.1 + r.cost_minor,
                    months.2 + r.sessions,
                );
            }
        }
        let r = &year.rows[0];
        assert_eq!((r.revenue_minor, r.cost_minor, r.sessions), months, "{y}");
        all = (all.0 + months.0, all.1 + months.1, all.2 + months.2);
    }
    assert_eq!(all, (7000 + 4000, 6000, 3));

    // A package for physics only: maths does not draw on it. Marking Ada
    // absent gives the session back; present again draws it.
    let physics: PackageView = app
        .post(
            "/api/v1/packages",
            Some(&owner.access),
            json!({"person_id": ada.id, "name": "Physics", "subject": "physics", "sessions": 1, "starts_on": "2026-03-01",
                   "price": {"amount_minor": 3000, "currency": "EUR"}}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(physics.invoice_number, 3);
    let maths = done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (10, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, physics.id).await.used, 0);
    let lab = done(
        &app,
        &owner,
        tutor.user_id,
        "Physics",
        (11, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, physics.id).await.used, 1);
    attendance(&app, &owner, lab.id, ada.id, "absent").await;
    assert_eq!(package(&app, &owner, physics.id).await.used, 0);
    attendance(&app, &owner, lab.id, ada.id, "late").await;
    assert_eq!(package(&app, &owner, physics.id).await.used, 1);

    // A credit note with no amount gives back what is unused: nothing of a
    // package whose one session was drawn (an amount must be named).
    let credit = |invoice: Uuid, body: Value| {
        let (app, token) = (&app, owner.access.clone());
        async move {
            app.post(
                &format!("/api/v1/invoices/{invoice}/credit-notes"),
                Some(&token),
                body,
            )
            .await
        }
    };
    let res = credit(
        physics.invoice_id,
        json!({"reason": "Changed her mind", "lines": [{"line": 1}]}),
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    // Marked absent again, the session goes back: a credit note after
    // payment then gives the package back whole and cancels it.
    attendance(&app, &owner, lab.id, ada.id, "absent").await;
    let note = credit(
        physics.invoice_id,
        json!({"reason": "Changed her mind", "lines": [{"line": 1}]}),
    )
    .await
    .expect(201);
    assert_eq!(note.body["amount"]["amount_minor"], 3000);
    let cancelled = package(&app, &owner, physics.id).await;
    assert!(cancelled.cancelled);
    assert_eq!((cancelled.used, cancelled.remaining), (0, 0));
    let first_credit = credit(
        two.invoice_id,
        json!({"reason": "Goodwill", "lines": [{"line": 1, "amount_minor": 1500}]}),
    )
    .await
    .expect(201);
    assert_eq!(
        first_credit.body["number"], 2,
        "credit notes are numbered on their own"
    );
    // Paid 7000 of 7000 + 4000 + 3000; given back 3000 + 1500: owes 2500.
    assert_eq!(ledger_balance(&app, ada.id).await, -2500);
    assert_eq!(invoice(&app, &owner, two.invoice_id).await.open_minor, 0);
    let bills = [billed.id, physics.invoice_id];
    let open: i64 = {
        let mut n = 0;
        for id in bills {
            n += invoice(&app, &owner, id).await.open_minor;
        }
        n
    };
    assert_eq!(open, 2500, "what she owes falls on her newest invoices");
    // The cancelled package draws no more: the next physics lesson is billed.
    let next = done(
        &app,
        &owner,
        tutor.user_id,
        "Physics",
        (12, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, physics.id).await.used, 0);
    let last = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert_eq!(last.prepaid, 0);
    let lines = invoice(&app, &owner, last.invoices[0].id).await.lines;
    let sessions: Vec<Option<Uuid>> = lines.iter().map(|l| l.session_id).collect();
    assert_eq!(sessions, [Some(maths.id), Some(next.id)]);
    figures_agree(&app).await;

    // Four sessions for 80.00, one used: a credit note with no amount gives
    // back the three unused and closes the package.
    let four: PackageView = app
        .post(
            "/api/v1/packages",
            Some(&owner.access),
            json!({"person_id": ada.id, "name": "Four", "sessions": 4, "starts_on": "2026-03-01",
                   "price": {"amount_minor": 8000, "currency": "EUR"}}),
        )
        .await
        .expect(201)
        .read();
    let one = done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (20, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, four.id).await.used, 1);
    // A student marked absent, then taken off a completed session, gives
    // back and takes nothing.
    let cy = person(&app, &owner, json!({"first_name": "Cy"})).await;
    let pair = done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (22, "10:00", "11:00"),
        &[ada.id, cy.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, four.id).await.used, 2);
    attendance(&app, &owner, pair.id, ada.id, "absent").await;
    assert_eq!(package(&app, &owner, four.id).await.used, 1);
    app.call(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", pair.id),
        Some(&owner.access),
        Some(json!({"participant_ids": [cy.id]})),
    )
    .await
    .expect(200);
    assert_eq!(package(&app, &owner, four.id).await.used, 1);
    // 20.00 off first, as goodwill: the price falls, the sessions stay.
    credit(
        four.invoice_id,
        json!({"reason": "Goodwill", "lines": [{"line": 1, "amount_minor": 2000}]}),
    )
    .await
    .expect(201);
    assert_eq!(package(&app, &owner, four.id).await.remaining, 3);
    let rest = credit(
        four.invoice_id,
        json!({"reason": "Moving away", "lines": [{"line": 1}]}),
    )
    .await
    .expect(201);
    // What is left (60.00) less the one used at 15.00 a session.
    assert_eq!(rest.body["amount"]["amount_minor"], 4500);
    let closed = package(&app, &owner, four.id).await;
    assert_eq!(
        (
            closed.sessions,
            closed.used,
            closed.remaining,
            closed.cancelled
        ),
        (1, 1, 0, false)
    );
    assert_eq!(
        closed.uses[0].session_id, one.id,
        "the used session stays prepaid"
    );
    done(
        &app,
        &owner,
        tutor.user_id,
        "Maths",
        (21, "10:00", "11:00"),
        &[ada.id],
        json!({}),
    )
    .await;
    assert_eq!(package(&app, &owner, four.id).await.used, 1);
    // Nothing unused is left to give back.
    let res = credit(
        four.invoice_id,
        json!({"reason": "Again", "lines": [{"line": 1}]}),
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    figures_agree(&app).await;

    // The packages list, newest first, for the student.
    let list: Page<PackageView> = app
        .get(
            &format!("/api/v1/packages?person_id={}", ada.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let ids: Vec<Uuid> = list.data.iter().map(|p| p.id).collect();
    assert_eq!(ids, [four.id, physics.id, two.id]);
    assert!(list.data.iter().all(|p| p.uses.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_logged_at_once_never_draw_more_than_a_package_holds() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "unit": "session", "amount": {"amount_minor": 3000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    let three: PackageView = app
        .post(
            "/api/v1/packages",
            Some(&owner.access),
            json!({"person_id": ada.id, "name": "Three", "sessions": 3, "starts_on": "2026-03-01",
                   "price": {"amount_minor": 8000, "currency": "EUR"}}),
        )
        .await
        .expect(201)
        .read();
    // Eight past lessons, logged as held all at once.
    let mut ids = Vec::new();
    for day in 1..=8u32 {
        let s: SessionView = app
            .post(
                "/api/v1/sessions",
                Some(&owner.access),
                json!({"title": "Maths", "host_id": owner.user_id,
                       "starts_at": format!("2026-03-{day:02}T09:00:00Z"),
                       "ends_at": format!("2026-03-{day:02}T10:00:00Z"),
                       "participant_ids": [ada.id]}),
            )
            .await
            .expect(201)
            .read();
        ids.push(s.id);
    }
    let logs = ids.iter().map(|id| {
        let (app, token) = (&app, owner.access.clone());
        async move {
            app.post(
                &format!("/api/v1/sessions/{id}/complete"),
                Some(&token),
                json!({}),
            )
            .await
            .status
        }
    });
    let statuses = futures::future::join_all(logs).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    let drawn = package(&app, &owner, three.id).await;
    assert_eq!((drawn.used, drawn.remaining, drawn.uses.len()), (3, 0, 3));
    let uses = app.count("SELECT count(*) FROM package_uses").await;
    assert_eq!(uses, 3, "never more than the package holds");
    // The other five are billed, each once.
    let march = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    assert_eq!(march.prepaid, 3);
    assert_eq!(march.invoices.len(), 1);
    assert_eq!(march.invoices[0].line_count, 5);
    assert_eq!(march.invoices[0].total.amount_minor, 5 * 3000);
    let billed = invoice(&app, &owner, march.invoices[0].id).await;
    for l in &billed.lines {
        assert!(
            !drawn
                .uses
                .iter()
                .any(|u| Some(u.session_id) == l.session_id),
            "a drawn session was billed"
        );
    }
    figures_agree(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_needs_a_student_of_the_workspace_sessions_and_a_price_and_an_admin() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let elsewhere = app.register("tutoring").await;
    let stranger = person(&app, &elsewhere, json!({"first_name": "Eve"})).await;
    let good = json!({"person_id": ada.id, "name": "Ten", "sessions": 10,
                      "price": {"amount_minor": 30000, "currency": "EUR"}});
    let bad = [
        (json!({"sessions": 0}), "sessions"),
        (json!({"sessions": 1001}), "sessions"),
        (json!({"name": " "}), "name"),
        (
            json!({"price": {"amount_minor": -5, "currency": "EUR"}}),
            "price.amount_minor",
        ),
        (
            json!({"price": {"amount_minor": 100, "currency": "eur"}}),
            "price.currency",
        ),
        (json!({"due_days": 400}), "due_days"),
        (json!({"subject": ""}), "subject"),
    ];
    for (change, field) in bad {
        let mut body = good.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let res = app
            .post("/api/v1/packages", Some(&owner.access), body)
            .await;
        assert_eq!(res.status, 422, "{field}: {}", res.body);
        assert_eq!(res.body["errors"][0]["field"], field, "{}", res.body);
    }
    let mut unknown = good.clone();
    unknown["colour"] = json!("red");
    let res = app
        .post("/api/v1/packages", Some(&owner.access), unknown)
        .await;
    assert_eq!(res.status, 422, "an unknown field is refused");
    for who in [Uuid::now_v7(), stranger.id] {
        let mut body = good.clone();
        body["person_id"] = json!(who);
        let res = app
            .post("/api/v1/packages", Some(&owner.access), body)
            .await;
        assert_eq!(res.status, 404, "{}", res.body);
    }
    let res = app
        .post("/api/v1/packages", Some(&moderator.access), good.clone())
        .await;
    assert_eq!(res.status, 403);
    let reader = app.api_key(&owner, json!(["finance:read"])).await;
    assert_eq!(
        app.post("/api/v1/packages", Some(&reader), good.clone())
            .await
            .status,
        403
    );
    assert_eq!(app.count("SELECT count(*) FROM packages").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM invoices").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM finance_numbers").await,
        0,
        "no number taken"
    );

    // The same sale sent twice with one key sells once.
    let key = [("idempotency-key", "sale-1")];
    let first = app
        .call_with(
            Method::POST,
            "/api/v1/packages",
            Some(&owner.access),
            Some(good.clone()),
            &key,
        )
        .await
        .expect(201);
    let second = app
        .call_with(
            Method::POST,
            "/api/v1/packages",
            Some(&owner.access),
            Some(good.clone()),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(app.count("SELECT count(*) FROM packages").await, 1);
    let id: Uuid = first.read::<PackageView>().id;
    // Another workspace does not see it.
    assert_eq!(
        app.get(&format!("/api/v1/packages/{id}"), &elsewhere.access)
            .await
            .status,
        404
    );
    let theirs: Page<PackageView> = app
        .get("/api/v1/packages", &elsewhere.access)
        .await
        .expect(200)
        .read();
    assert!(theirs.data.is_empty());
    assert_eq!(
        app.get(&format!("/api/v1/packages/{id}"), &reader)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_run_invoices_last_month_once_and_tells_the_admins_in_their_inbox() {
    use chrono::{Datelike, Months, Utc};
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let ada = person(&app, &owner, json!({"first_name": "Ada"})).await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": ada.id, "unit": "session", "amount": {"amount_minor": 4500, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    // Two lessons on the 10th of last month: Ada's is priced, Bob's is not.
    let last = Utc::now().date_naive().with_day(1).unwrap() - Months::new(1);
    let day = last.with_day(10).unwrap();
    for (who, hour) in [(ada.id, 9), (bob.id, 11)] {
        let starts = format!("{day}T{hour:02}:00:00Z");
        let ends = format!("{day}T{:02}:00:00Z", hour + 1);
        let s: SessionView = app
            .post(
                "/api/v1/sessions",
                Some(&owner.access),
                json!({"title": "Maths", "host_id": owner.user_id, "starts_at": starts,
                       "ends_at": ends, "participant_ids": [who]}),
            )
            .await
            .expect(201)
            .read();
        app.post(
            &format!("/api/v1/sessions/{}/complete", s.id),
            Some(&owner.access),
            json!({}),
        )
        .await
        .expect(200);
    }
    let state = app.state();
    for _ in 0..2 {
        let mut conn = state.pool.get().await.unwrap();
        rapport_api::jobs::enqueue(
            &mut conn,
            &rapport_api::finance::run::InvoiceMonth {
                workspace_id: Some(owner.workspace_id),
            },
        )
        .await
        .unwrap();
        drop(conn);
        while rapport_api::jobs::work_one(&state, "t").await {}
    }
    let list: Page<InvoiceView> = app
        .get(&format!("/api/v1/invoices?month={last}"), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(list.data.len(), 1, "invoiced once, though run twice");
    assert_eq!(list.data[0].total.amount_minor, 4500);
    // The admin is told once (the second run did nothing); the moderator,
    // who sees no money, is not.
    let told = |user: Uuid| {
        let app = &app;
        async move {
            let sql = app.sql().await;
            sql.query(
                "SELECT m.body FROM messages m
                 JOIN conversations c ON c.workspace_id = m.workspace_id AND c.id = m.conversation_id
                 WHERE c.kind = 'notifications' AND c.owner_id = $1 AND m.kind = 'notification'",
                &[&user],
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
        }
    };
    let owner_told = told(owner.user_id).await;
    assert_eq!(owner_told.len(), 1, "{owner_told:?}");
    let said = &owner_told[0];
    assert!(said.starts_with("Invoices for "), "{said}");
    assert!(said.contains(": 1 issued, "), "{said}");
    assert!(said.contains(" 1 session not invoiced, "), "{said}");
    assert!(told(moderator.user_id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_is_sent_again_to_whom_it_went_and_never_to_nobody() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let tutor = app.add_member(&owner, "member").await;
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "email": "ada@example.com"}),
    )
    .await;
    let bob = person(&app, &owner, json!({"first_name": "Bob"})).await;
    for (who, at) in [(ada.id, ("10:00", "11:00")), (bob.id, ("12:00", "13:00"))] {
        app.post(
            "/api/v1/rates",
            Some(&owner.access),
            json!({"person_id": who, "unit": "session", "amount": {"amount_minor": 3000, "currency": "EUR"}}),
        )
        .await
        .expect(201);
        done(
            &app,
            &owner,
            tutor.user_id,
            "Maths",
            (3, at.0, at.1),
            &[who],
            json!({}),
        )
        .await;
    }
    let made = run(&app, &owner, json!({"month": "2026-03-01"})).await;
    let of = |who: Uuid| {
        made.invoices
            .iter()
            .find(|i| i.person_id == who)
            .unwrap()
            .clone()
    };
    let (ada_invoice, bob_invoice) = (of(ada.id), of(bob.id));
    // Mailed when issued to who has an address.
    assert!(ada_invoice.sent_at.is_some());
    assert_eq!(bob_invoice.sent_at, None);
    let mailed = "SELECT count(*) FROM mail_messages WHERE to_address = 'ada@example.com' AND attachment_name LIKE 'invoice-%'";
    assert_eq!(app.count(mailed).await, 1);

    let send = |who: &Session, id: Uuid| {
        let (app, token) = (&app, who.access.clone());
        async move {
            app.post(
                &format!("/api/v1/invoices/{id}/send"),
                Some(&token),
                json!({}),
            )
            .await
        }
    };
    let again: InvoiceView = send(&owner, ada_invoice.id).await.expect(200).read();
    assert!(again.sent_at > ada_invoice.sent_at);
    assert_eq!(again.lines.len(), 1);
    assert_eq!(app.count(mailed).await, 2);
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'invoice.sent' AND record_id = '{}'",
            ada_invoice.id
        ))
        .await;
    assert_eq!(audited, 1);
    // Nobody to send Bob's to: said, nothing kept.
    let res = send(&owner, bob_invoice.id).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (422, Some("no_address"))
    );
    assert_eq!(invoice(&app, &owner, bob_invoice.id).await.sent_at, None);
    // A moderator, a key without finance:manage, another workspace: refused.
    assert_eq!(send(&moderator, ada_invoice.id).await.status, 403);
    let reader = app.api_key(&owner, json!(["finance:read"])).await;
    let res = app
        .post(
            &format!("/api/v1/invoices/{}/send", ada_invoice.id),
            Some(&reader),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 403);
    let other = app.register("tutoring").await;
    assert_eq!(send(&other, ada_invoice.id).await.status, 404);
    assert_eq!(send(&owner, Uuid::now_v7()).await.status, 404);
    assert_eq!(app.count(mailed).await, 2);
    app.stop().await;
}
