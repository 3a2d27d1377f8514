use rapport_domain::api::{CustomFieldView, Page, PersonView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn field(app: &TestApp, by: &Session, body: Value) -> CustomFieldView {
    app.post("/api/v1/custom-fields", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn names(app: &TestApp, by: &Session, query: &str) -> Vec<String> {
    let page: Page<PersonView> = app
        .get(&format!("/api/v1/people?{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|p| p.first_name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_fields_are_checked_on_every_write_and_survive_renaming_and_archiving() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let staff = app.add_member(&owner, "staff").await;
    let school = field(
        &app,
        &owner,
        json!({"record_type": "person", "label": "School", "kind": "text", "required": true}),
    )
    .await;
    assert_eq!(school.key, "school");
    let level = field(
        &app,
        &owner,
        json!({"record_type": "person", "label": "Level", "kind": "select", "options": ["Beginner", "Advanced"]}),
    )
    .await;
    for (label, kind) in [
        ("Hours per week", "number"),
        ("Date of birth", "date"),
        ("Interests", "multi_select"),
        ("Online", "boolean"),
        ("Portfolio", "url"),
        ("Parent e-mail", "email"),
    ] {
        let mut body = json!({"record_type": "person", "label": label, "kind": kind});
        if kind == "multi_select" {
            body["options"] = json!(["Maths", "Physics"]);
        }
        field(&app, &owner, body).await;
    }

    // A required field must be filled when someone is added.
    let res = app
        .post(
            "/api/v1/people",
            Some(&staff.access),
            json!({"first_name": "Ada"}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "custom_fields.school");
    // Each value fits its field, or nothing is written.
    for (values, field) in [
        (json!({"school": "North", "level": "Expert"}), "level"),
        (
            json!({"school": "North", "hours_per_week": "four"}),
            "hours_per_week",
        ),
        (
            json!({"school": "North", "date_of_birth": "12/03/2012"}),
            "date_of_birth",
        ),
        (
            json!({"school": "North", "interests": ["Maths", "Chess"]}),
            "interests",
        ),
        (json!({"school": "North", "online": "yes"}), "online"),
        (
            json!({"school": "North", "portfolio": "javascript:alert(1)"}),
            "portfolio",
        ),
        (
            json!({"school": "North", "parent_e_mail": "mum at home"}),
            "parent_e_mail",
        ),
        (json!({"school": "North", "shoe_size": 38}), "shoe_size"),
    ] {
        let res = app
            .post(
                "/api/v1/people",
                Some(&staff.access),
                json!({"first_name": "Ada", "custom_fields": values}),
            )
            .await
            .expect(422);
        assert_eq!(
            res.body["errors"][0]["field"],
            format!("custom_fields.{field}"),
            "{}",
            res.text
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM people").await, 0);

    let ada: PersonView = app
        .post(
            "/api/v1/people",
            Some(&staff.access),
            json!({"first_name": "Ada", "custom_fields": {
                "school": "North", "level": "Beginner", "hours_per_week": 4, "date_of_birth": "2012-03-12",
                "interests": ["Maths"], "online": true, "portfolio": "https://ada.example", "parent_e_mail": "mum@ada.example"}}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(ada.custom_fields["hours_per_week"], 4);
    app.post(
        "/api/v1/people",
        Some(&staff.access),
        json!({"first_name": "Bob", "custom_fields": {"school": "South", "level": "Advanced"}}),
    )
    .await
    .expect(201);

    // Lists filter on custom values, typed by their field.
    assert_eq!(
        names(&app, &staff, "custom_field=level:Beginner").await,
        ["Ada"]
    );
    assert_eq!(
        names(&app, &staff, "custom_field=hours_per_week:4").await,
        ["Ada"]
    );
    assert_eq!(
        names(&app, &staff, "custom_field=interests:Maths").await,
        ["Ada"]
    );
    assert_eq!(
        names(&app, &staff, "custom_field=online:true").await,
        ["Ada"]
    );
    for bad in [
        "custom_field=nope:1",
        "custom_field=level",
        "custom_field=online:maybe",
    ] {
        app.get(&format!("/api/v1/people?{bad}"), &staff.access)
            .await
            .expect(422);
    }

    // A change sets or clears some values and keeps the others; a required
    // one cannot be cleared.
    let path = format!("/api/v1/people/{}", ada.id);
    let changed: PersonView = app
        .patch(
            &path,
            &staff.access,
            json!({"custom_fields": {"level": null, "online": false}}),
        )
        .await
        .expect(200)
        .read();
    assert!(changed.custom_fields.get("level").is_none());
    assert_eq!(changed.custom_fields["online"], false);
    assert_eq!(changed.custom_fields["school"], "North");
    let res = app
        .patch(
            &path,
            &staff.access,
            json!({"custom_fields": {"school": null}}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "custom_fields.school");

    // Renaming keeps the values.
    let renamed: CustomFieldView = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/custom-fields/{}", school.id),
            Some(&owner.access),
            Some(json!({"label": "Home school"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        (renamed.label.as_str(), renamed.key.as_str()),
        ("Home school", "school")
    );
    let read: PersonView = app.get(&path, &staff.access).await.expect(200).read();
    assert_eq!(read.custom_fields["school"], "North");

    // Archiving hides the field and its values and stops requiring it;
    // bringing it back brings them back.
    app.delete(
        &format!("/api/v1/custom-fields/{}", school.id),
        &owner.access,
    )
    .await
    .expect(204);
    let read: PersonView = app.get(&path, &staff.access).await.expect(200).read();
    assert!(read.custom_fields.get("school").is_none());
    app.post(
        "/api/v1/people",
        Some(&staff.access),
        json!({"first_name": "Cy"}),
    )
    .await
    .expect(201);
    // Its key stays its own.
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "School", "kind": "text"}),
    )
    .await
    .expect(409);
    app.post(
        &format!("/api/v1/custom-fields/{}/restore", school.id),
        Some(&owner.access),
        json!({}),
    )
    .await
    .expect(200);
    let read: PersonView = app.get(&path, &staff.access).await.expect(200).read();
    assert_eq!(read.custom_fields["school"], "North");
    assert_eq!(level.kind.as_str(), "select");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_define_fields_and_only_their_workspace() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let staff = app.add_member(&owner, "staff").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    let f = field(
        &app,
        &owner,
        json!({"record_type": "person", "label": "Allergies", "kind": "text"}),
    )
    .await;
    app.post(
        "/api/v1/custom-fields",
        Some(&staff.access),
        json!({"record_type": "person", "label": "Mine", "kind": "text"}),
    )
    .await
    .expect(403);
    // Everyone reads the definitions the forms need.
    let page: Page<CustomFieldView> = app
        .get("/api/v1/custom-fields?record_type=person", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(page.data.len(), 1);
    for (body, field_name) in [
        (
            json!({"record_type": "person", "label": "", "kind": "text"}),
            "label",
        ),
        (
            json!({"record_type": "person", "label": "Level", "kind": "select"}),
            "options",
        ),
        (
            json!({"record_type": "person", "label": "X", "kind": "text", "options": ["a"]}),
            "options",
        ),
        (
            json!({"record_type": "person", "label": "X", "kind": "text", "key": "Bad Key"}),
            "key",
        ),
        (
            json!({"record_type": "person", "label": "X", "kind": "select", "options": ["a", "A"]}),
            "options.1",
        ),
    ] {
        let res = app
            .post("/api/v1/custom-fields", Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field_name, "{body}");
    }
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "invoice", "label": "X", "kind": "text"}),
    )
    .await
    .expect(422);
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/custom-fields/{}", f.id),
            Some(json!({"label": "Theirs"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/custom-fields/{}", f.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/custom-fields/{}/restore", f.id),
            Some(json!({})),
        ),
    ] {
        app.call(method, &path, Some(&stranger.access), body)
            .await
            .expect(404);
    }
    // Another workspace's fields are not this one's.
    app.post(
        "/api/v1/people",
        Some(&stranger.access),
        json!({"first_name": "Zed", "custom_fields": {"allergies": "none"}}),
    )
    .await
    .expect(422);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_groups_take_their_own_fields() {
    let app = TestApp::start().await;
    let sales = app.register("sales").await;
    field(
        &app,
        &sales,
        json!({"record_type": "organization", "label": "Tier", "kind": "select", "options": ["Gold", "Silver"], "required": true}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/organizations",
            Some(&sales.access),
            json!({"name": "Globex"}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "custom_fields.tier");
    let org = app
        .post(
            "/api/v1/organizations",
            Some(&sales.access),
            json!({"name": "Globex", "custom_fields": {"tier": "Gold"}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(org["custom_fields"]["tier"], "Gold");
    // A person's fields are not an organisation's.
    app.post(
        "/api/v1/people",
        Some(&sales.access),
        json!({"first_name": "Ada", "custom_fields": {"tier": "Gold"}}),
    )
    .await
    .expect(422);

    let school = app.register("school").await;
    field(
        &app,
        &school,
        json!({"record_type": "group", "label": "Room", "kind": "text"}),
    )
    .await;
    let group = app
        .post(
            "/api/v1/groups",
            Some(&school.access),
            json!({"name": "Robotics", "custom_fields": {"room": "Lab 2"}}),
        )
        .await
        .expect(201)
        .body;
    let changed = app
        .patch(
            &format!("/api/v1/groups/{}", group["id"].as_str().unwrap()),
            &school.access,
            json!({"custom_fields": {"room": "Lab 3"}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(changed["custom_fields"]["room"], "Lab 3");
    app.stop().await;
}
