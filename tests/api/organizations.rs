use rapport_domain::api::{OrganizationView, Page, PersonView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn create(app: &TestApp, by: &Session, body: Value) -> OrganizationView {
    app.post("/api/v1/organizations", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn names(app: &TestApp, by: &Session, query: &str) -> Vec<String> {
    let page: Page<OrganizationView> = app
        .get(&format!("/api/v1/organizations?{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|o| o.name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_is_created_changed_deleted_and_restored_and_its_people_stay() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let globex = create(
        &app,
        &owner,
        json!({"name": " Globex ", "domain": "WWW.Globex.example", "industry": "Manufacturing", "tags": ["customer"]}),
    )
    .await;
    assert_eq!(globex.name, "Globex");
    assert_eq!(
        globex.domain.as_deref(),
        Some("globex.example"),
        "kept as a bare domain"
    );
    create(
        &app,
        &owner,
        json!({"name": "Initech", "domain": "initech.example"}),
    )
    .await;
    let hank: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Hank", "organization_id": globex.id}),
        )
        .await
        .expect(201)
        .read();

    assert_eq!(names(&app, &owner, "").await, ["Globex", "Initech"]);
    assert_eq!(names(&app, &owner, "q=init").await, ["Initech"]);
    assert_eq!(
        names(&app, &owner, "q=globex.ex").await,
        ["Globex"],
        "domain prefix"
    );
    assert_eq!(
        names(&app, &owner, "domain=GLOBEX.EXAMPLE").await,
        ["Globex"]
    );
    assert_eq!(names(&app, &owner, "tag=customer").await, ["Globex"]);
    assert_eq!(
        names(&app, &owner, "sort=-name").await,
        ["Initech", "Globex"]
    );

    let path = format!("/api/v1/organizations/{}", globex.id);
    let changed: OrganizationView = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({"industry": null, "phone": "+1 555 0100"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(changed.industry, None);
    assert_eq!(changed.version, 2);
    app.call_with(
        Method::PATCH,
        &path,
        Some(&owner.access),
        Some(json!({"name": "Stale"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(412);

    app.delete(&path, &owner.access).await.expect(204);
    assert_eq!(names(&app, &owner, "").await, ["Initech"]);
    assert_eq!(names(&app, &owner, "deleted=true").await, ["Globex"]);
    // Its people stay, still pointing at it until it is purged; no one new
    // can be linked to a deleted organisation.
    let still: PersonView = app
        .get(&format!("/api/v1/people/{}", hank.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(still.organization_id, Some(globex.id));
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Late", "organization_id": globex.id}),
    )
    .await
    .expect(422);
    app.post(&format!("{path}/restore"), Some(&owner.access), json!({}))
        .await
        .expect(200);
    assert_eq!(names(&app, &owner, "").await, ["Globex", "Initech"]);
    let actions = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_type = 'organization' AND record_id = '{}'",
            globex.id
        ))
        .await;
    assert_eq!(actions, 4, "created, updated, deleted, restored");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_other_workspaces_are_absent() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let stranger = app.register("support").await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (
            json!({"name": "A", "domain": "https://a.example/x"}),
            "domain",
        ),
        (json!({"name": "A", "phone": "n/a"}), "phone"),
        (
            json!({"name": "A", "owner_id": stranger.user_id}),
            "owner_id",
        ),
    ] {
        let res = app
            .post("/api/v1/organizations", Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(app.count("SELECT count(*) FROM organizations").await, 0);
    let theirs = create(&app, &stranger, json!({"name": "Theirs"})).await;
    let path = format!("/api/v1/organizations/{}", theirs.id);
    app.get(&path, &owner.access).await.expect(404);
    app.patch(&path, &owner.access, json!({"name": "Mine"}))
        .await
        .expect(404);
    app.delete(&path, &owner.access).await.expect(404);
    // Nor can a person of this workspace point at it.
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Spy", "organization_id": theirs.id}),
    )
    .await
    .expect(422);
    assert!(names(&app, &owner, "").await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_sees_their_own_organisation_and_a_school_has_none() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let customer = app.add_member(&owner, "member").await;
    let agent = app.add_member(&owner, "staff").await;
    let theirs = create(&app, &owner, json!({"name": "Customer Co"})).await;
    create(&app, &owner, json!({"name": "Other Co"})).await;
    let looked_after = create(
        &app,
        &owner,
        json!({"name": "Minded Co", "owner_id": customer.user_id}),
    )
    .await;
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Cara", "user_id": customer.user_id, "organization_id": theirs.id}),
    )
    .await
    .expect(201);
    assert_eq!(
        names(&app, &customer, "").await,
        ["Customer Co", "Minded Co"],
        "their own and the one they look after"
    );
    app.get(
        &format!("/api/v1/organizations/{}", looked_after.id),
        &customer.access,
    )
    .await
    .expect(200);
    assert_eq!(names(&app, &agent, "").await.len(), 3);
    app.post(
        "/api/v1/organizations",
        Some(&customer.access),
        json!({"name": "X"}),
    )
    .await
    .expect(403);
    app.delete(
        &format!("/api/v1/organizations/{}", theirs.id),
        &agent.access,
    )
    .await
    .expect(403);

    let school = app.register("school").await;
    let res = app
        .get("/api/v1/organizations", &school.access)
        .await
        .expect(403);
    assert_eq!(res.body["code"], "module_disabled");
    app.stop().await;
}

/// The lists' text filter and an import's matching of names are case-blind
/// by Unicode's rules, not only for ASCII letters: "école" finds "ÉCOLE
/// NORMALE", "émile" finds "Émile", and a file naming "école normale"
/// reaches the organisation written in capitals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_matched_case_blind_beyond_ascii_letters() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let ecole = create(&app, &owner, json!({"name": "ÉCOLE NORMALE"})).await;
    create(&app, &owner, json!({"name": "Ecole du Nord"})).await;
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Émile", "last_name": "Zola"}),
    )
    .await
    .expect(201);
    for q in ["école", "ÉCOLE", "Éc"] {
        assert_eq!(
            names(&app, &owner, &format!("q={q}")).await,
            ["ÉCOLE NORMALE"],
            "{q}"
        );
    }
    let people: Page<PersonView> = app
        .get("/api/v1/people?q=%C3%A9mi", &owner.access)
        .await
        .expect(200)
        .read();
    let found: Vec<&str> = people.data.iter().map(|p| p.first_name.as_str()).collect();
    assert_eq!(found, ["Émile"]);
    let groups_owner = app.register("school").await;
    app.post(
        "/api/v1/groups",
        Some(&groups_owner.access),
        json!({"name": "Ärzte und Öl", "kind": "class"}),
    )
    .await
    .expect(201);
    let groups: Value = app
        .get("/api/v1/groups?q=%C3%A4rz", &groups_owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(groups["data"].as_array().unwrap().len(), 1, "{groups}");

    // A person's organisation named in a file, in other capitals.
    let file = "First name,Last name,Company\nAda,Lovelace,école normale\n";
    let draft: Value = app
        .upload(
            "/api/v1/imports?record_type=person&filename=p.csv",
            &owner.access,
            "text/csv",
            file.as_bytes().to_vec(),
        )
        .await
        .expect(201)
        .body;
    let mut settings = draft["settings"].clone();
    settings["create_organizations"] = json!(false);
    let preview: Value = app
        .post(
            &format!("/api/v1/imports/{}/preview", draft["id"].as_str().unwrap()),
            Some(&owner.access),
            settings,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(preview["counts"]["created"], 1, "{preview}");
    assert_eq!(
        preview["rows"][0]["values"]["organization"], "école normale",
        "{preview}"
    );
    assert_eq!(
        preview["counts"]["rejected"], 0,
        "matched, not missing: {preview}"
    );
    assert_eq!(
        names(&app, &owner, "limit=10").await.len(),
        2,
        "{}: no other organisation",
        ecole.id
    );
}
