//! Custom fields marked sensitive: kept encrypted, shown only to those
//! allowed, never in search, lists, filters, events or the audit trail.

use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};

async fn sensitive_field(app: &TestApp, owner: &Session) -> Value {
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Medical notes", "kind": "text", "sensitive": true}),
    )
    .await
    .expect(201)
    .body
}

async fn person(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/people/{id}"), token)
        .await
        .expect(200)
        .body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_values_are_sealed_and_shown_only_to_those_allowed() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    let admin = app.add_member(&owner, "admin").await;
    let moderator = app.add_member(&owner, "manager").await;
    let field = sensitive_field(&app, &owner).await;
    assert_eq!(field["sensitive"], true);
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "School", "kind": "text"}),
    )
    .await
    .expect(201);

    let created: Value = app
        .post(
            "/api/v1/people",
            Some(&moderator.access),
            json!({"first_name": "Ada", "last_name": "Lovelace", "custom_fields": {"school": "North"}}),
        )
        .await
        .expect(201)
        .body;
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/people/{id}");
    let changed: Value = app
        .patch(
            &path,
            &admin.access,
            json!({"custom_fields": {"medical_notes": "Asthma: inhaler in the bag"}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        changed["custom_fields"]["medical_notes"],
        "Asthma: inhaler in the bag"
    );
    assert_eq!(
        changed["custom_fields"]["school"], "North",
        "the other values stay"
    );

    // Owners and admins see it on the person's page; a moderator does not,
    // nor the field itself.
    for s in [&owner, &admin] {
        assert_eq!(
            person(&app, &s.access, &id).await["custom_fields"]["medical_notes"],
            "Asthma: inhaler in the bag"
        );
    }
    let seen = person(&app, &moderator.access, &id).await;
    assert!(
        seen["custom_fields"].get("medical_notes").is_none(),
        "{seen}"
    );
    assert_eq!(seen["custom_fields"]["school"], "North");
    let fields: Value = app
        .get(
            "/api/v1/custom-fields?record_type=person",
            &moderator.access,
        )
        .await
        .expect(200)
        .body;
    let keys: Vec<&str> = fields["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["school"]);
    let fields: Value = app
        .get("/api/v1/custom-fields?record_type=person", &admin.access)
        .await
        .expect(200)
        .body;
    assert_eq!(fields["data"].as_array().unwrap().len(), 2);

    // A moderator cannot write it, and their writes leave it alone.
    app.patch(
        &path,
        &moderator.access,
        json!({"custom_fields": {"medical_notes": "none"}}),
    )
    .await
    .expect(422);
    app.patch(
        &path,
        &moderator.access,
        json!({"custom_fields": {"school": "South"}, "tags": ["maths"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        person(&app, &owner.access, &id).await["custom_fields"]["medical_notes"],
        "Asthma: inhaler in the bag"
    );

    // Keys: only with the scope.
    let plain = app.api_key(&owner, json!(["people:read"])).await;
    assert!(person(&app, &plain, &id).await["custom_fields"]
        .get("medical_notes")
        .is_none());
    let allowed = app
        .api_key(&owner, json!(["people:read", "sensitive:read"]))
        .await;
    assert_eq!(
        person(&app, &allowed, &id).await["custom_fields"]["medical_notes"],
        "Asthma: inhaler in the bag"
    );

    // Nowhere in the clear: not in the row, the trail, the events, lists,
    // search, filters or list exports.
    app.settle(owner.workspace_id).await;
    // Only those who may see its values hear of the field.
    assert_eq!(
        app.texts("SELECT permission FROM events WHERE kind = 'custom_field.created' ORDER BY seq")
            .await,
        ["sensitive:read", "custom_fields:read"]
    );
    for q in [
        "SELECT count(*) FROM people WHERE custom_fields::text LIKE '%Asthma%' OR archived_custom_fields::text LIKE '%Asthma%'",
        "SELECT count(*) FROM people WHERE position('Asthma'::bytea in sensitive_fields) > 0",
        "SELECT count(*) FROM audit_log WHERE changes::text LIKE '%Asthma%'",
        "SELECT count(*) FROM events WHERE data::text LIKE '%Asthma%'",
    ] {
        assert_eq!(app.count(q).await, 0, "{q}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM people WHERE sensitive_fields IS NOT NULL")
            .await,
        1
    );
    assert!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE record_type = 'person' AND changes ? 'sensitive_fields'"
        )
        .await
            >= 1,
        "the trail says the sensitive values changed"
    );
    let list: Value = app
        .get("/api/v1/people?limit=50", &owner.access)
        .await
        .expect(200)
        .body;
    assert!(list["data"][0]["custom_fields"]
        .get("medical_notes")
        .is_none());
    let found: Value = app
        .get("/api/v1/people?limit=50&q=asthma", &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(found["data"].as_array().unwrap().len(), 0);
    let found: Value = app
        .get("/api/v1/search?q=asthma", &owner.access)
        .await
        .expect(200)
        .body;
    assert!(!found.to_string().contains("Lovelace"), "{found}");
    app.get(
        "/api/v1/people?custom_field=medical_notes:Asthma",
        &owner.access,
    )
    .await
    .expect(422);
    let csv = app
        .get("/api/v1/people/export.csv", &owner.access)
        .await
        .expect(200)
        .text;
    assert!(
        !csv.contains("Asthma") && !csv.contains("Medical notes"),
        "{csv}"
    );

    // The right of access and the workspace export open them for admins.
    let data: Value = app
        .get(&format!("{path}/personal-data"), &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(
        data["person"]["custom_fields"]["medical_notes"],
        "Asthma: inhaler in the bag"
    );
    let zip = app
        .get("/api/v1/workspace/export", &owner.access)
        .await
        .expect(200)
        .bytes;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let people: Value = serde_json::from_reader(zip.by_name("people.json").unwrap()).unwrap();
    assert_eq!(
        people[0]["sensitive_fields"]["medical_notes"],
        "Asthma: inhaler in the bag"
    );

    // A key that may export but not see sensitive values gets none.
    let exporter = app.api_key(&owner, json!(["export:read"])).await;
    let zip = app
        .get("/api/v1/workspace/export", &exporter)
        .await
        .expect(200)
        .bytes;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let people: Value = serde_json::from_reader(zip.by_name("people.json").unwrap()).unwrap();
    assert!(people[0].get("sensitive_fields").is_none(), "{people}");
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("people.csv").unwrap(), &mut csv).unwrap();
    assert!(!csv.contains("sensitive_fields") && !csv.contains("Asthma"));

    // A person made with a sensitive value and an idempotency key: the
    // value is not kept for a replay.
    let made = app
        .call_with(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(&owner.access),
            Some(json!({"first_name": "Grace", "custom_fields": {"medical_notes": "Epilepsy"}})),
            &[("idempotency-key", "grace-1")],
        )
        .await
        .expect(201)
        .body;
    assert_eq!(made["custom_fields"]["medical_notes"], "Epilepsy");
    app.call_with(
        reqwest::Method::POST,
        "/api/v1/people",
        Some(&owner.access),
        Some(json!({"first_name": "Grace", "custom_fields": {"medical_notes": "Epilepsy"}})),
        &[("idempotency-key", "grace-1")],
    )
    .await
    .expect(409);
    assert_eq!(
        app.count("SELECT count(*) FROM idempotency_keys WHERE position('Epilepsy'::bytea in response_body) > 0")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM people WHERE first_name = 'Grace'")
            .await,
        1
    );

    // Removed with null; an erased person keeps nothing.
    app.patch(
        &path,
        &owner.access,
        json!({"custom_fields": {"medical_notes": null}}),
    )
    .await
    .expect(200);
    assert!(person(&app, &owner.access, &id).await["custom_fields"]
        .get("medical_notes")
        .is_none());
    app.patch(
        &path,
        &owner.access,
        json!({"custom_fields": {"medical_notes": "again"}}),
    )
    .await
    .expect(200);
    app.post(&format!("{path}/erase"), Some(&owner.access), json!({}))
        .await
        .expect(200);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM people WHERE erased_at IS NOT NULL AND sensitive_fields IS NULL"
        )
        .await,
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sensitive_field_is_a_persons_never_required_and_checked_like_any() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    for body in [
        json!({"record_type": "organization", "label": "Bank", "kind": "text", "sensitive": true}),
        json!({"record_type": "person", "label": "Diagnosis", "kind": "text", "sensitive": true, "required": true}),
    ] {
        app.post("/api/v1/custom-fields", Some(&owner.access), body)
            .await
            .expect(422);
    }
    let field = app
        .post(
            "/api/v1/custom-fields",
            Some(&owner.access),
            json!({"record_type": "person", "label": "Dose", "kind": "number", "sensitive": true}),
        )
        .await
        .expect(201)
        .body;
    app.patch(
        &format!("/api/v1/custom-fields/{}", field["id"].as_str().unwrap()),
        &owner.access,
        json!({"required": true}),
    )
    .await
    .expect(422);
    // A value that does not fit is refused, naming the field, and nothing is written.
    let res = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Bob", "custom_fields": {"dose": "lots"}}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "custom_fields.dose");
    assert_eq!(app.count("SELECT count(*) FROM people").await, 0);
    let created = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Bob", "custom_fields": {"dose": 2.5}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(created["custom_fields"]["dose"], 2.5);
    // Another workspace's admin never sees the person.
    let stranger = app.register("tutoring").await;
    app.get(
        &format!("/api/v1/people/{}", created["id"].as_str().unwrap()),
        &stranger.access,
    )
    .await
    .expect(404);
    app.stop().await;
}
