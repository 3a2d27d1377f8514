use rapport_domain::api::{ApiKeyCreated, Erasure, ImportView, PersonView, PersonalData};
use rapport_domain::imports::ImportStatus;
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// What identifies the person in the tests below, each found nowhere else.
const MARKS: [&str; 7] = [
    "Zephyrine",
    "Quillfeather",
    "zephyrine.q@example.org",
    "12 34 56 78",
    "xylophones",
    "zq-tag",
    "Zeqi",
];

async fn upload(app: &TestApp, by: &Session, csv: &str) -> ImportView {
    app.upload(
        "/api/v1/imports?record_type=person&filename=people.csv",
        &by.access,
        "text/csv",
        csv.as_bytes().to_vec(),
    )
    .await
    .expect(201)
    .read()
}

/// Every row of every table of the database, as text (a `bytea` as hex).
async fn everything(app: &TestApp) -> String {
    let sql = app.sql().await;
    let tables = app
        .texts("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        .await;
    let mut all = String::new();
    for t in tables {
        let row = sql
            .query_one(
                &format!("SELECT COALESCE(string_agg(t::text, E'\\n'), '') FROM \"{t}\" t"),
                &[],
            )
            .await
            .unwrap();
        let text: String = row.get(0);
        all.push_str(&format!("== {t}\n{text}\n"));
    }
    all
}

/// The marks still found in `dump`, as text or as hex bytes.
fn traces(dump: &str) -> Vec<String> {
    let lower = dump.to_lowercase();
    MARKS
        .iter()
        .filter(|m| {
            lower.contains(&m.to_lowercase()) || lower.contains(&hex::encode(m.to_lowercase()))
        })
        .map(|m| {
            let at = lower.find(&m.to_lowercase()).unwrap_or(0);
            let table = lower[..at].rfind("== ").map(|i| &dump[i..]).unwrap_or("");
            format!("{m} in {}", table.lines().next().unwrap_or("hex"))
        })
        .collect()
}

async fn verified(app: &TestApp, by: &Session) -> Value {
    app.get("/api/v1/audit/verify", &by.access)
        .await
        .expect(200)
        .read()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_leaves_no_trace_anywhere_and_the_audit_chain_still_verifies() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Nickname", "kind": "text"}),
    )
    .await
    .expect(201);
    // Created with an Idempotency-Key: the stored answer holds the person.
    let zeph: PersonView = app
        .call_with(
            Method::POST,
            "/api/v1/people",
            Some(&owner.access),
            Some(json!({
                "first_name": "Zephyrine", "last_name": "Quillfeather",
                "email": "Zephyrine.Q@example.org", "phone": "+33 6 12 34 56 70",
                "tags": ["zq-tag"], "custom_fields": {"nickname": "Zeqi"},
            })),
            &[("idempotency-key", "create-zeph")],
        )
        .await
        .expect(201)
        .read();
    let other: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Otto", "email": "otto@example.org"}),
        )
        .await
        .expect(201)
        .read();
    // Their class, which the teacher leads.
    let class: Value = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Robotics", "kind": "class", "leader_id": teacher.user_id}),
        )
        .await
        .expect(201)
        .read();
    app.post(
        &format!("/api/v1/groups/{}/members", class["id"].as_str().unwrap()),
        Some(&owner.access),
        json!({"person_id": zeph.id}),
    )
    .await
    .expect(201);
    let path = format!("/api/v1/people/{}", zeph.id);
    app.patch(
        &path,
        &teacher.access,
        json!({"phone": "+33 6 12 34 56 78"}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/notes",
        Some(&teacher.access),
        json!({"person_id": zeph.id, "body": "Plays **xylophones** on Fridays"}),
    )
    .await
    .expect(201);
    // An import that rejects a row holding their address, and a draft whose
    // file holds it.
    let csv =
        "First name,Email,Status\n,zephyrine.q@example.org,active\nPia,pia@example.org,active\n";
    let rejecting = upload(&app, &owner, csv).await;
    app.post(
        &format!("/api/v1/imports/{}/run", rejecting.id),
        Some(&owner.access),
        serde_json::to_value(&rejecting.settings).unwrap(),
    )
    .await
    .expect(202);
    for _ in 0.. {
        let now: ImportView = app
            .get(&format!("/api/v1/imports/{}", rejecting.id), &owner.access)
            .await
            .expect(200)
            .read();
        if now.status.is_finished() {
            assert_eq!(now.status, ImportStatus::Completed);
            assert_eq!((now.counts.created, now.counts.rejected), (1, 1));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let draft = upload(
        &app,
        &owner,
        "Name,Email\nZephyrine Quillfeather,zephyrine.q@example.org\n",
    )
    .await;
    let unrelated = upload(&app, &owner, "Name,Email\nPia,pia@example.org\n").await;
    // A message sent to them, as later modules send receipts.
    app.sql()
        .await
        .execute(
            "INSERT INTO mail_messages (id, workspace_id, to_address, subject, body) \
             VALUES (gen_random_uuid(), $1, 'ZEPHYRINE.Q@example.org', 'Receipt', 'Dear Zephyrine')",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    // A medal on the ledger, its reason naming them.
    app.post(
        "/api/v1/ledger",
        Some(&owner.access),
        json!({"person_id": zeph.id, "amount_minor": 1, "currency": "MEDAL_GOLD",
               "reason": "Quillfeather won the robotics cup"}),
    )
    .await
    .expect(201);
    // Guardians who receive the statements and receipts, and a payment
    // whose note names them.
    app.call(
        Method::PUT,
        &format!("{path}/guardians"),
        Some(&owner.access),
        Some(
            json!({"guardians": [{"name": "Ada Quillfeather", "email": "ada.quill@example.org",
                                   "phone": "+33 6 12 34 56 78"}]}),
        ),
    )
    .await
    .expect(200);
    // When they are free, with a reason for their time off.
    app.call(
        Method::PUT,
        &format!("{path}/availability"),
        Some(&owner.access),
        Some(json!({"time_zone": "UTC", "weekly": [{"weekday": 2, "from": "16:00", "to": "18:00"}],
                    "time_off": [{"starts_at": "2027-02-01T00:00:00Z", "ends_at": "2027-02-08T00:00:00Z",
                                  "reason": "The Quillfeather family trip"}]})),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/fee-plans",
        Some(&owner.access),
        json!({"name": "Robotics", "amount": {"amount_minor": 5000, "currency": "EUR"},
               "person_id": zeph.id, "first_month": "2026-10-01"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/charges/run",
        Some(&owner.access),
        json!({"month": "2026-10-01"}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/payments",
        Some(&owner.access),
        json!({"person_id": zeph.id, "amount": {"amount_minor": 5000, "currency": "EUR"},
               "method": "cash", "note": "Brought by Zephyrine's aunt"}),
    )
    .await
    .expect(201);
    // Finance, switched on here too: a rate, a lesson of theirs invoiced,
    // and a credit note whose reason names them.
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = array_append(modules, 'finance') WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    app.post(
        "/api/v1/rates",
        Some(&owner.access),
        json!({"person_id": zeph.id, "unit": "session", "amount": {"amount_minor": 3000, "currency": "EUR"}}),
    )
    .await
    .expect(201);
    let lesson: Value = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"title": "Robotics", "host_id": teacher.user_id, "starts_at": "2026-09-07T15:00:00Z",
                   "ends_at": "2026-09-07T16:00:00Z", "participant_ids": [zeph.id]}),
        )
        .await
        .expect(201)
        .read();
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", lesson["id"].as_str().unwrap()),
        Some(&owner.access),
        Some(json!({"status": "completed"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(200);
    let made: Value = app
        .post(
            "/api/v1/invoices/run",
            Some(&owner.access),
            json!({"month": "2026-09-01"}),
        )
        .await
        .expect(200)
        .read();
    app.post(
        &format!(
            "/api/v1/invoices/{}/credit-notes",
            made["invoices"][0]["id"].as_str().unwrap()
        ),
        Some(&owner.access),
        json!({"reason": "Quillfeather was away", "lines": [{"line": 1}]}),
    )
    .await
    .expect(201);
    assert_eq!(traces(&everything(&app).await).len(), MARKS.len());

    // The export: everything held, module by module.
    let export = app
        .get(&format!("{path}/personal-data"), &owner.access)
        .await
        .expect(200);
    assert!(export
        .header("content-disposition")
        .is_some_and(|d| d.contains(&format!("person-{}.json", zeph.id))));
    let data: PersonalData = export.read();
    assert_eq!(
        data.person.email.as_deref(),
        Some("zephyrine.q@example.org")
    );
    assert_eq!(data.person.custom_fields["nickname"], "Zeqi");
    let held = json!(data.held);
    let history: Vec<&str> = held["people"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["person.created", "person.updated"]);
    assert_eq!(
        held["people"]["history"][1]["changes"]["phone"]["after"],
        "+33 6 12 34 56 78"
    );
    assert!(held["people"]["history"][1].get("ip").is_none());
    assert_eq!(held["notes"][0]["body"], "Plays **xylophones** on Fridays");
    assert_eq!(held["groups"][0]["group"], "Robotics");
    assert_eq!(held["imports"]["rejected_rows"][0]["row"], 2);
    assert_eq!(held["mail"][0]["subject"], "Receipt");
    assert_eq!(
        held["ledger"]["entries"][0]["reason"],
        "Quillfeather won the robotics cup"
    );
    assert!(held["ledger"]["balances"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["currency"] == "MEDAL_GOLD" && b["balance_minor"] == 1));
    assert_eq!(held["payments"]["guardians"][0]["name"], "Ada Quillfeather");
    assert_eq!(held["free_times"]["weekly"][0]["from"], "16:00");
    assert_eq!(held["payments"]["payments"][0]["receipt_number"], 1);
    assert_eq!(held["finance"]["invoices"][0]["number"], 1);
    assert_eq!(
        held["finance"]["credit_notes"][0]["reason"],
        "Quillfeather was away"
    );
    assert_eq!(held["finance"]["rates"][0]["amount"]["amount_minor"], 3000);

    // Who may not: a lower role, a key without the scope, another workspace.
    app.get(&format!("{path}/personal-data"), &teacher.access)
        .await
        .expect(403);
    app.post(&format!("{path}/erase"), Some(&teacher.access), json!({}))
        .await
        .expect(403);
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "crm", "scopes": ["people:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    app.post(&format!("{path}/erase"), Some(&key.key), json!({}))
        .await
        .expect(403);
    let stranger = app.register("school").await;
    app.get(&format!("{path}/personal-data"), &stranger.access)
        .await
        .expect(404);
    app.post(&format!("{path}/erase"), Some(&stranger.access), json!({}))
        .await
        .expect(404);
    // A stale version changes nothing.
    app.call_with(
        Method::POST,
        &format!("{path}/erase"),
        Some(&owner.access),
        None,
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(412);
    assert_eq!(traces(&everything(&app).await).len(), MARKS.len());

    // Two erasures at once: one does it, the other finds it done.
    let erase = format!("{path}/erase");
    let (a, b) = tokio::join!(
        app.post(&erase, Some(&owner.access), json!({})),
        app.post(&erase, Some(&owner.access), json!({})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let done: Erasure = if a.status == 200 { a.read() } else { b.read() };
    let refused = if a.status == 409 { &a } else { &b };
    assert_eq!(refused.read::<Value>()["code"], "erased");
    assert_eq!(done.person.first_name, "Erased");
    assert!(done.person.email.is_none() && done.person.erased_at.is_some());
    assert!(done.person.deleted_at.is_some());
    assert_eq!(done.erased["notes"], 2, "the note and its entry");
    assert_eq!(done.erased["groups"], 1);
    assert_eq!(
        done.erased["mail"], 3,
        "the mail to them, and the invoice and credit note mailed to them"
    );
    assert_eq!(done.erased["idempotency"], 1);
    assert_eq!(done.erased["imports"], 2, "the rejected row and the draft");
    assert_eq!(
        done.erased["ledger"], 10,
        "the reasons of the medal, the charge, the payment, the invoice and the credit note, and their entries"
    );
    assert_eq!(
        done.erased["finance"], 3,
        "the credit note's reason, its entry and the invoice's entry"
    );
    assert_eq!(
        done.erased["payments"],
        8,
        "the guardian, the statement, the receipt, the invoice and the credit note mailed to them, the payment's note, its entry and the guardians' entry"
    );

    // Nothing identifies them anywhere in the database now.
    let left = traces(&everything(&app).await);
    assert!(left.is_empty(), "still held: {left:?}");
    let chain = verified(&app, &owner).await;
    assert_eq!(chain["ok"], true, "{chain}");
    // What is not theirs stays: the other person, the unrelated draft, the class.
    app.get(&format!("/api/v1/people/{}", other.id), &owner.access)
        .await
        .expect(200);
    app.get(&format!("/api/v1/imports/{}", unrelated.id), &owner.access)
        .await
        .expect(200);
    app.get(&format!("/api/v1/imports/{}", draft.id), &owner.access)
        .await
        .expect(404);
    let register: Value = app
        .get(
            &format!("/api/v1/groups/{}/members", class["id"].as_str().unwrap()),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        register["data"].as_array().unwrap().len(),
        0,
        "hidden, deleted"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM group_members WHERE person_id = '{}'",
            zeph.id
        ))
        .await,
        1,
        "the stay itself stays"
    );
    // The medal and the money stay theirs: only the reasons went.
    assert_eq!(
        app.texts(&format!(
            "SELECT balance_minor::text || ' ' || currency FROM ledger_balances WHERE person_id = '{}' ORDER BY currency",
            zeph.id
        ))
        .await,
        ["0 EUR", "1 MEDAL_GOLD"]
    );

    // An erased person stays erased.
    let person: PersonView = app.get(&path, &owner.access).await.expect(200).read();
    assert_eq!(person.first_name, "Erased");
    let restore = app
        .post(&format!("{path}/restore"), Some(&owner.access), json!({}))
        .await
        .expect(409);
    assert_eq!(restore.read::<Value>()["code"], "erased");
    app.patch(&path, &owner.access, json!({"first_name": "Back"}))
        .await
        .expect(404);
    let sql = app.sql().await;
    let err = sql
        .execute(
            "UPDATE people SET email = 'x@example.org' WHERE id = $1",
            &[&zeph.id],
        )
        .await
        .expect_err("the database refuses data on an erased person");
    assert_eq!(
        err.as_db_error().and_then(|e| e.constraint()),
        Some("people_erased_holds_nothing"),
        "{err:?}"
    );
    // The erasure is on the record, without what it erased.
    let entries: Value = app
        .get(
            &format!("/api/v1/audit?record_type=person&record_id={}", zeph.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let actions: BTreeSet<&str> = entries["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains("person.erased") && actions.contains("person.exported"),
        "{actions:?}"
    );
}

/// Every table that points at people or keeps an e-mail address belongs to
/// a module that says how to export and erase it, or is named here with
/// the reason it holds nothing about a person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_that_may_hold_a_persons_data_has_a_holder() {
    let app = TestApp::start().await;
    let not_about_people = [
        // Accounts that sign in, and invitations to become one: a member
        // leaves a workspace and deletes their account; neither is a person record.
        "users",
        "invitations",
        "password_resets",
        "memberships",
        // Companies, with their switchboard's number.
        "organizations",
    ];
    let held: BTreeSet<&str> = rapport_api::privacy::holders()
        .iter()
        .flat_map(|h| h.tables.iter().copied())
        .collect();
    let rows = app
        .sql()
        .await
        .query(
            "SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c \
              WHERE c.contype = 'f' AND c.confrelid = 'people'::regclass \
             UNION SELECT 'people' \
             UNION SELECT DISTINCT table_name::text FROM information_schema.columns \
              WHERE table_schema = 'public' \
                AND (column_name IN ('person_id', 'to_address', 'cells', 'phone', 'content') \
                     OR column_name LIKE '%email%' OR column_name LIKE '%response_body%')",
            &[],
        )
        .await
        .unwrap();
    let mut forgotten = Vec::new();
    for r in rows {
        let table: String = r.get(0);
        if !held.contains(table.as_str()) && !not_about_people.contains(&table.as_str()) {
            forgotten.push(table);
        }
    }
    assert!(
        forgotten.is_empty(),
        "tables no holder in rapport_api::privacy::holders() exports or erases: {forgotten:?}"
    );
    // And a holder's table exists.
    for t in held {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM (SELECT tablename AS name FROM pg_tables \
                 UNION ALL SELECT viewname FROM pg_views) t WHERE name = '{t}'"
            ))
            .await,
            1,
            "{t}"
        );
    }
}
