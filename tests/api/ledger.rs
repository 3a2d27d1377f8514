//! The ledger: entries only ever added, corrections that compensate,
//! balances that are always the sums of their entries (also after a burst
//! of concurrent writes), medals never below zero, and who sees what.

use rapport_domain::api::{ApiKeyCreated, Balance, LedgerEntryView, Page, PersonView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

pub(crate) async fn person(app: &TestApp, by: &Session, body: Value) -> PersonView {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn post(
    app: &TestApp,
    by: &str,
    person: Uuid,
    amount: i64,
    currency: &str,
) -> rapport_tests::Resp {
    app.post(
        "/api/v1/ledger",
        Some(by),
        json!({"person_id": person, "amount_minor": amount, "currency": currency,
               "reason": format!("{amount} {currency}")}),
    )
    .await
}

/// `person`'s balances as `by` sees them: currency and amount.
pub(crate) async fn balances(app: &TestApp, by: &Session, person: Uuid) -> Vec<(String, i64)> {
    let list: Vec<Balance> = app
        .get(&format!("/api/v1/people/{person}/balances"), &by.access)
        .await
        .expect(200)
        .read();
    list.into_iter()
        .map(|b| (b.currency, b.balance_minor))
        .collect()
}

async fn entries(app: &TestApp, by: &Session, query: &str) -> Vec<(String, i64)> {
    let page: Page<LedgerEntryView> = app
        .get(&format!("/api/v1/ledger{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data
        .into_iter()
        .map(|e| (e.currency, e.amount_minor))
        .collect()
}

/// Entries are added and corrected by compensating entries, never changed;
/// balances follow in the same transaction; medals never go below zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_added_and_corrected_never_changed_and_balances_follow() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let ana = person(&app, &owner, json!({"first_name": "Ana"})).await;

    let fee: LedgerEntryView = post(&app, &owner.access, ana.id, -4500, "EUR")
        .await
        .expect(201)
        .read();
    post(&app, &owner.access, ana.id, 3000, "EUR")
        .await
        .expect(201);
    post(&app, &owner.access, ana.id, 2, "MEDAL_GOLD")
        .await
        .expect(201);
    assert_eq!(
        balances(&app, &owner, ana.id).await,
        [("EUR".to_string(), -1500), ("MEDAL_GOLD".to_string(), 2)]
    );
    // Newest first, a page at a time.
    assert_eq!(
        entries(&app, &owner, "").await,
        [
            ("MEDAL_GOLD".to_string(), 2),
            ("EUR".to_string(), 3000),
            ("EUR".to_string(), -4500)
        ]
    );
    assert_eq!(
        entries(&app, &owner, "?kind=money&sort=created_at").await,
        [("EUR".to_string(), -4500), ("EUR".to_string(), 3000)]
    );

    // The fee was wrong: reversed, once.
    let fix: LedgerEntryView = app
        .post(
            &format!("/api/v1/ledger/{}/correct", fee.id),
            Some(&owner.access),
            json!({"reason": "Charged twice"}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!((fix.amount_minor, fix.corrects), (4500, Some(fee.id)));
    assert_eq!(fix.reason, "Charged twice");
    let again = app
        .post(
            &format!("/api/v1/ledger/{}/correct", fee.id),
            Some(&owner.access),
            json!({"reason": "Again"}),
        )
        .await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (409, Some("already_corrected"))
    );
    let back = app
        .post(
            &format!("/api/v1/ledger/{}/correct", fix.id),
            Some(&owner.access),
            json!({"reason": "Undo the undo"}),
        )
        .await;
    assert_eq!(
        (back.status, back.body["code"].as_str()),
        (409, Some("already_corrected"))
    );
    let page: Page<LedgerEntryView> = app
        .get("/api/v1/ledger?currency=EUR&sort=created_at", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(page.data[0].corrected_by, Some(fix.id));
    assert_eq!(
        balances(&app, &owner, ana.id).await,
        [("EUR".to_string(), 3000), ("MEDAL_GOLD".to_string(), 2)]
    );

    // Medals are never spent beyond what one has; nothing is written.
    let res = post(&app, &owner.access, ana.id, -3, "MEDAL_GOLD").await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("insufficient"))
    );
    let res = post(&app, &owner.access, ana.id, -1, "MEDAL_SILVER").await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("insufficient"))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ledger_entries").await,
        4,
        "the refused ones wrote nothing"
    );

    // Bad input: 422 (or 400 for a body that is not one), nothing written.
    for body in [
        json!({"person_id": ana.id, "amount_minor": 0, "currency": "EUR", "reason": "x"}),
        json!({"person_id": ana.id, "amount_minor": 5, "currency": "euro", "reason": "x"}),
        json!({"person_id": ana.id, "amount_minor": 5, "currency": "MEDAL_PLATINUM", "reason": "x"}),
        json!({"person_id": ana.id, "amount_minor": 5, "currency": "EUR", "reason": "  "}),
        json!({"person_id": ana.id, "amount_minor": 1_000_000_000_000i64, "currency": "EUR", "reason": "x"}),
        json!({"person_id": Uuid::now_v7(), "amount_minor": 5, "currency": "EUR", "reason": "x"}),
        json!({"person_id": ana.id, "amount_minor": 5, "currency": "EUR", "reason": "x", "note": "?"}),
        json!({"person_id": ana.id, "amount_minor": 2.5, "currency": "EUR", "reason": "x"}),
    ] {
        let res = app
            .post("/api/v1/ledger", Some(&owner.access), body.clone())
            .await;
        assert!(
            matches!(res.status, 400 | 422),
            "{body}: {} {}",
            res.status,
            res.text
        );
    }
    let res = app.get("/api/v1/ledger?currency=euro", &owner.access).await;
    assert_eq!(res.status, 422);
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, 4);

    // Once with a key: one entry.
    let key = [("idempotency-key", "opening-ana")];
    let body =
        json!({"person_id": ana.id, "amount_minor": 100, "currency": "EUR", "reason": "Opening"});
    let first = app
        .call_with(
            Method::POST,
            "/api/v1/ledger",
            Some(&owner.access),
            Some(body.clone()),
            &key,
        )
        .await
        .expect(201);
    let replay = app
        .call_with(
            Method::POST,
            "/api/v1/ledger",
            Some(&owner.access),
            Some(body),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(first.body["id"], replay.body["id"]);
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, 5);

    // Not even the database changes or deletes an entry or a balance.
    let sql = app.sql().await;
    for statement in [
        "UPDATE ledger_entries SET amount_minor = 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_balances SET balance_minor = 0",
        "DELETE FROM ledger_balances",
    ] {
        let err = sql.execute(statement, &[]).await.expect_err(statement);
        assert!(
            err.to_string().contains("never changed")
                || format!("{err:?}").contains("never changed"),
            "{statement}: {err:?}"
        );
    }
    // A person with entries outlives the purge of the deleted; their sums stay.
    app.delete(&format!("/api/v1/people/{}", ana.id), &owner.access)
        .await
        .expect(204);
    sql.execute(
        "UPDATE people SET deleted_at = now() - interval '40 days' WHERE id = $1",
        &[&ana.id],
    )
    .await
    .unwrap();
    sql.execute("DELETE FROM people WHERE id = $1", &[&ana.id])
        .await
        .unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM people WHERE id = '{}'",
            ana.id
        ))
        .await,
        1
    );
    // A correction of a deleted person's entry still goes through; a new
    // entry for them does not.
    let res = post(&app, &owner.access, ana.id, 5, "EUR").await;
    assert_eq!(res.status, 422);
    let drift = app
        .count(&format!(
            "SELECT count(*) FROM ledger_balances b WHERE workspace_id = '{}' AND balance_minor <> \
             (SELECT sum(amount_minor) FROM ledger_entries e WHERE e.workspace_id = b.workspace_id \
              AND e.person_id = b.person_id AND e.currency = b.currency)",
            owner.workspace_id
        ))
        .await;
    assert_eq!(drift, 0);
    // A workspace deleted takes its ledger with it.
    sql.execute(
        "DELETE FROM workspaces WHERE id = $1",
        &[&owner.workspace_id],
    )
    .await
    .unwrap();
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, 0);
    app.stop().await;
}

/// Owners and admins see all; a teacher the medals only; a student their
/// own entries and balances, money included, and hears of them live;
/// lower roles, keys without the scope and other workspaces change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_its_part_and_only_admins_write() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let admin = app.add_member(&owner, "admin").await;
    let teacher = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    let leo = person(&app, &owner, json!({"first_name": "Leo"})).await;
    // The teacher teaches both.
    crate::school::class_of(&app, &owner, "Python", &teacher, &[mia.id, leo.id]).await;
    for (who, amount, currency) in [
        (mia.id, -4500, "EUR"),
        (mia.id, 3, "MEDAL_BRONZE"),
        (leo.id, -4500, "EUR"),
        (leo.id, 1, "MEDAL_SILVER"),
    ] {
        post(&app, &admin.access, who, amount, currency)
            .await
            .expect(201);
    }

    assert_eq!(entries(&app, &owner, "").await.len(), 4);
    // A teacher: medals, no money.
    assert_eq!(
        entries(&app, &teacher, "?sort=created_at").await,
        [
            ("MEDAL_BRONZE".to_string(), 3),
            ("MEDAL_SILVER".to_string(), 1)
        ]
    );
    assert!(entries(&app, &teacher, "?kind=money").await.is_empty());
    assert_eq!(
        balances(&app, &teacher, mia.id).await,
        [("MEDAL_BRONZE".to_string(), 3)]
    );
    // A student: their own, money included; another's is not found.
    assert_eq!(
        entries(&app, &student, "?sort=created_at").await,
        [("EUR".to_string(), -4500), ("MEDAL_BRONZE".to_string(), 3)]
    );
    assert!(entries(&app, &student, &format!("?person_id={}", leo.id))
        .await
        .is_empty());
    assert_eq!(
        balances(&app, &student, mia.id).await,
        [("EUR".to_string(), -4500), ("MEDAL_BRONZE".to_string(), 3)]
    );
    app.get(
        &format!("/api/v1/people/{}/balances", leo.id),
        &student.access,
    )
    .await
    .expect(404);
    // They heard of their own entries, and of no one else's.
    app.settle(owner.workspace_id).await;
    let events = app
        .get("/api/v1/events?after=0", &student.access)
        .await
        .expect(200);
    let theirs: Vec<&Value> = events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "ledger_entry.created")
        .collect();
    assert_eq!(theirs.len(), 2);
    assert!(theirs
        .iter()
        .all(|e| e["data"]["person_id"] == mia.id.to_string()));

    // Writing: owners and admins only; keys with ledger:write.
    for who in [&teacher, &student] {
        let res = post(&app, &who.access, mia.id, 1, "MEDAL_GOLD").await;
        assert_eq!(res.status, 403);
    }
    let first: Page<LedgerEntryView> = app.get("/api/v1/ledger", &owner.access).await.read();
    let res = app
        .post(
            &format!("/api/v1/ledger/{}/correct", first.data[0].id),
            Some(&teacher.access),
            json!({"reason": "No"}),
        )
        .await;
    assert_eq!(res.status, 403);
    let key = |scopes: Value| {
        let (app, token) = (&app, owner.access.clone());
        async move {
            let k: ApiKeyCreated = app
                .post(
                    "/api/v1/api-keys",
                    Some(&token),
                    json!({"name": "books", "scopes": scopes, "expires_at": null}),
                )
                .await
                .expect(201)
                .read();
            k.key
        }
    };
    let reader = key(json!(["ledger:read"])).await;
    app.get("/api/v1/ledger", &reader).await.expect(200);
    assert_eq!(post(&app, &reader, mia.id, 1, "EUR").await.status, 403);
    let other = key(json!(["people:read"])).await;
    assert_eq!(app.get("/api/v1/ledger", &other).await.status, 403);
    let writer = key(json!(["ledger:write"])).await;
    post(&app, &writer, mia.id, 1, "EUR").await.expect(201);

    // Another workspace: its people and entries are not found.
    let elsewhere = app.register("school").await;
    let res = post(&app, &elsewhere.access, mia.id, 1, "EUR").await;
    assert_eq!(res.status, 422);
    app.post(
        &format!("/api/v1/ledger/{}/correct", first.data[0].id),
        Some(&elsewhere.access),
        json!({"reason": "Theirs"}),
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/v1/people/{}/balances", mia.id),
        &elsewhere.access,
    )
    .await
    .expect(404);
    assert!(entries(&app, &elsewhere, "").await.is_empty());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM ledger_entries WHERE workspace_id = '{}'",
            owner.workspace_id
        ))
        .await,
        5
    );
    app.stop().await;
}

/// A burst of concurrent entries and corrections, spends that would take
/// medals below zero among them: every balance is still the sum of its
/// entries, and no medal balance is negative.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_equal_their_entries_after_a_burst_of_concurrent_writes() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let a = person(&app, &owner, json!({"first_name": "A"})).await;
    let b = person(&app, &owner, json!({"first_name": "B"})).await;
    post(&app, &owner.access, a.id, 5, "MEDAL_BRONZE")
        .await
        .expect(201);
    let early: LedgerEntryView = post(&app, &owner.access, b.id, 700, "EUR")
        .await
        .expect(201)
        .read();

    let token = owner.access.clone();
    let mut calls = vec![];
    for i in 0..60 {
        let (app, token) = (&app, token.clone());
        let (who, amount, currency) = match i % 4 {
            0 => (a.id, -1, "MEDAL_BRONZE"),
            1 => (a.id, 1, "MEDAL_BRONZE"),
            2 => (b.id, 250, "EUR"),
            _ => (a.id, -1, "MEDAL_BRONZE"),
        };
        calls.push(
            Box::pin(async move { post(app, &token, who, amount, currency).await.status })
                as std::pin::Pin<Box<dyn std::future::Future<Output = u16> + Send>>,
        );
    }
    for _ in 0..5 {
        let (app, token, id) = (&app, token.clone(), early.id);
        calls.push(Box::pin(async move {
            app.post(
                &format!("/api/v1/ledger/{id}/correct"),
                Some(&token),
                json!({"reason": "Once"}),
            )
            .await
            .status
        }));
    }
    let statuses = futures::future::join_all(calls).await;
    assert!(
        statuses.iter().all(|s| matches!(s, 201 | 409)),
        "{statuses:?}"
    );
    let corrections = statuses[60..].iter().filter(|s| **s == 201).count();
    assert_eq!(corrections, 1, "an entry is corrected once: {statuses:?}");
    let drifted = app
        .count(&format!(
            "SELECT count(*) FROM (SELECT person_id, currency, sum(amount_minor) s, count(*) c \
               FROM ledger_entries WHERE workspace_id = '{0}' GROUP BY 1, 2) e \
             FULL JOIN (SELECT person_id, currency, balance_minor, entries FROM ledger_balances \
               WHERE workspace_id = '{0}') b USING (person_id, currency) \
             WHERE e.s IS DISTINCT FROM b.balance_minor OR e.c IS DISTINCT FROM b.entries",
            owner.workspace_id
        ))
        .await;
    assert_eq!(drifted, 0);
    let negative = app
        .count("SELECT count(*) FROM ledger_balances WHERE currency LIKE 'MEDAL%' AND balance_minor < 0")
        .await;
    assert_eq!(negative, 0);
    // Spends went through while the balance covered them: the five held
    // at the start at least, and every one the gains made room for.
    let (spent, gained) = (
        app.count("SELECT count(*) FROM ledger_entries WHERE currency = 'MEDAL_BRONZE' AND amount_minor = -1").await,
        app.count("SELECT count(*) FROM ledger_entries WHERE currency = 'MEDAL_BRONZE' AND amount_minor = 1").await,
    );
    assert_eq!(gained, 15);
    assert!(spent >= 5, "{spent} spent");
    let refused = statuses[..60].iter().filter(|s| **s == 409).count() as i64;
    assert_eq!(
        spent + refused,
        30,
        "every spend either went through or was refused"
    );
    let eur = balances(&app, &owner, b.id).await;
    assert_eq!(
        eur,
        [("EUR".to_string(), 15 * 250)],
        "700 in, 700 out, fifteen of 250"
    );
    app.stop().await;
}
