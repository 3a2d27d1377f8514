use rapport_domain::api::{AuditEntryView, BulkResult, Page, PersonStatus, PersonView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

async fn create(app: &TestApp, by: &Session, body: Value) -> PersonView {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn list(app: &TestApp, by: &Session, query: &str) -> Vec<PersonView> {
    let page: Page<PersonView> = app
        .get(&format!("/api/v1/people?{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data
}

fn names(people: &[PersonView]) -> Vec<String> {
    people.iter().map(PersonView::name).collect()
}

async fn organization(app: &TestApp, ws: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    app.sql()
        .await
        .execute(
            "INSERT INTO organizations (workspace_id, id, name) VALUES ($1, $2, $3)",
            &[&ws, &id, &name],
        )
        .await
        .unwrap();
    id
}

async fn trail(app: &TestApp, owner: &Session, id: Uuid) -> Vec<AuditEntryView> {
    let page: Page<AuditEntryView> = app
        .get(
            &format!("/api/v1/audit?record_type=person&record_id={id}&sort=seq"),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    page.data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_is_created_read_changed_deleted_and_restored_with_each_step_audited() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let created = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": " Ada ", "last_name": "Lovelace", "email": "Ada@Example.com",
                   "phone": "+44 20 7946 0000", "tags": ["maths", " maths", "new"]}),
        )
        .await
        .expect(201);
    let ada: PersonView = created.read();
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/people/{}", ada.id).as_str())
    );
    assert_eq!(ada.name(), "Ada Lovelace", "names are trimmed");
    assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
    assert_eq!(ada.tags, ["maths", "new"], "tags are kept once each");
    assert_eq!(ada.status, PersonStatus::Active);

    let read: PersonView = app
        .get(&format!("/api/v1/people/{}", ada.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(read, ada);

    // A change with the current version; then one with a stale version
    // changes nothing.
    let path = format!("/api/v1/people/{}", ada.id);
    let changed: PersonView = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({"status": "former", "email": null})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(changed.version, 2);
    assert_eq!(changed.status, PersonStatus::Former);
    assert_eq!(changed.email, None, "null clears a field");
    assert_eq!(changed.phone, ada.phone, "an absent field stays");
    app.call_with(
        Method::PATCH,
        &path,
        Some(&owner.access),
        Some(json!({"first_name": "Augusta"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(412);
    // The same values again change nothing, not even the version.
    let same: PersonView = app
        .patch(&path, &owner.access, json!({"status": "former"}))
        .await
        .expect(200)
        .read();
    assert_eq!(same.version, 2);

    app.delete(&path, &owner.access).await.expect(204);
    assert!(
        list(&app, &owner, "").await.is_empty(),
        "the deleted are not listed"
    );
    let trash = list(&app, &owner, "deleted=true").await;
    assert_eq!(names(&trash), ["Ada Lovelace"]);
    assert!(trash[0].deleted_at.is_some());
    app.patch(&path, &owner.access, json!({"first_name": "Augusta"}))
        .await
        .expect(404);
    app.delete(&path, &owner.access).await.expect(404);
    let restored: PersonView = app
        .post(&format!("{path}/restore"), Some(&owner.access), json!({}))
        .await
        .expect(200)
        .read();
    assert_eq!(restored.deleted_at, None);
    assert_eq!(restored.first_name, "Ada");
    assert_eq!(names(&list(&app, &owner, "").await), ["Ada Lovelace"]);

    let entries = trail(&app, &owner, ada.id).await;
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "person.created",
            "person.updated",
            "person.deleted",
            "person.restored"
        ]
    );
    let updated = entries[1].changes.value();
    let mut fields: Vec<_> = updated.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["email", "status"]);
    assert_eq!(updated["status"]["before"], "active");
    assert_eq!(updated["status"]["after"], "former");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_the_field_named_and_nothing_is_written() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let other = app.register("sales").await;
    let theirs = organization(&app, other.workspace_id, "Elsewhere Ltd").await;
    let cases = [
        (json!({"last_name": "No first name"}), 422, None),
        (
            json!({"first_name": "  "}),
            422,
            Some(("first_name", "required")),
        ),
        (
            json!({"first_name": "A", "email": "not-mail"}),
            422,
            Some(("email", "format")),
        ),
        (
            json!({"first_name": "A", "phone": "call me"}),
            422,
            Some(("phone", "format")),
        ),
        (
            json!({"first_name": "x".repeat(101)}),
            422,
            Some(("first_name", "too_long")),
        ),
        (
            json!({"first_name": "A", "tags": ["ok", ""]}),
            422,
            Some(("tags.1", "required")),
        ),
        (json!({"first_name": "A", "status": "vip"}), 422, None),
        (json!({"first_name": "A", "shoe_size": 42}), 422, None),
        (
            json!({"first_name": "A", "organization_id": theirs}),
            422,
            Some(("organization_id", "unknown")),
        ),
        (
            json!({"first_name": "A", "owner_id": other.user_id}),
            422,
            Some(("owner_id", "unknown")),
        ),
        (
            json!({"first_name": "A", "user_id": Uuid::now_v7()}),
            422,
            Some(("user_id", "unknown")),
        ),
    ];
    for (body, status, field) in cases {
        let res = app
            .post("/api/v1/people", Some(&owner.access), body.clone())
            .await
            .expect(status);
        assert_eq!(
            res.header("content-type"),
            Some("application/problem+json"),
            "{body}"
        );
        if let Some((name, code)) = field {
            let errors = res.body["errors"].as_array().unwrap();
            assert!(
                errors
                    .iter()
                    .any(|e| e["field"] == name && e["code"] == code),
                "{body}: {errors:?}"
            );
        }
    }
    let malformed = app
        .client
        .post(app.url("/api/v1/people"))
        .bearer_auth(&owner.access)
        .header("content-type", "application/json")
        .body("{\"first_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    assert_eq!(app.count("SELECT count(*) FROM people").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE record_type = 'person'")
            .await,
        0
    );
    app.get("/api/v1/people?status=vip", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/people?colour=red", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/people/not-a-uuid", &owner.access)
        .await
        .expect(404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_on_each_field_and_sorts_by_family_name() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let rep = app.add_member(&owner, "staff").await;
    let acme = organization(&app, owner.workspace_id, "Acme").await;
    for (first, last, email, status, tags, org, mine) in [
        (
            "Grace",
            "Hopper",
            "grace@navy.mil",
            "active",
            vec!["vip"],
            Some(acme),
            true,
        ),
        (
            "Alan",
            "Turing",
            "alan@bletchley.uk",
            "lead",
            vec!["vip", "uk"],
            None,
            false,
        ),
        (
            "Ada",
            "Lovelace",
            "ada@analytical.uk",
            "former",
            vec!["uk"],
            Some(acme),
            true,
        ),
        (
            "Edsger",
            "Dijkstra",
            "ed%@tue.nl",
            "active",
            vec![],
            None,
            false,
        ),
    ] {
        create(
            &app,
            &owner,
            json!({"first_name": first, "last_name": last, "email": email, "status": status,
                   "tags": tags, "organization_id": org,
                   "owner_id": if mine { Some(rep.user_id) } else { None }}),
        )
        .await;
    }
    let all = list(&app, &owner, "").await;
    assert_eq!(
        names(&all),
        [
            "Edsger Dijkstra",
            "Grace Hopper",
            "Ada Lovelace",
            "Alan Turing"
        ],
        "by family name"
    );
    let by = |q: &'static str| {
        let app = &app;
        let owner = &owner;
        async move { names(&list(app, owner, q).await) }
    };
    assert_eq!(by("sort=-name").await[0], "Alan Turing");
    assert_eq!(by("status=lead").await, ["Alan Turing"]);
    assert_eq!(by("tag=uk").await, ["Ada Lovelace", "Alan Turing"]);
    assert_eq!(by("tag=vip&status=active").await, ["Grace Hopper"]);
    assert_eq!(by("q=lov").await, ["Ada Lovelace"], "family name prefix");
    assert_eq!(by("q=AL").await, ["Alan Turing"], "first name prefix");
    assert_eq!(by("q=grace%40").await, ["Grace Hopper"], "e-mail prefix");
    assert_eq!(by("q=ed%25").await, ["Edsger Dijkstra"], "% is a letter");
    assert_eq!(
        by("q=gr").await,
        ["Grace Hopper"],
        "found twice, listed once"
    );
    assert_eq!(by("q=a").await, ["Ada Lovelace", "Alan Turing"]);
    assert_eq!(by("q=ada%20lov").await, ["Ada Lovelace"], "a whole name");
    assert_eq!(
        by("q=%20Alan%20%20T%20").await,
        ["Alan Turing"],
        "spaces around"
    );
    assert_eq!(
        by("q=lovelace%20ad").await,
        ["Ada Lovelace"],
        "family first"
    );
    assert!(by("q=ada%20tur").await.is_empty(), "both words must match");
    assert_eq!(by("q=a&limit=1").await, ["Ada Lovelace"]);
    let first: Value = app
        .get("/api/v1/people?q=a&limit=1", &owner.access)
        .await
        .expect(200)
        .read();
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let next = list(&app, &owner, &format!("q=a&limit=1&cursor={cursor}")).await;
    assert_eq!(
        names(&next),
        ["Alan Turing"],
        "the next page of a text filter"
    );
    assert!(by("q=%25").await.is_empty(), "% matches no one's start");
    assert_eq!(by("email=GRACE%40NAVY.MIL").await, ["Grace Hopper"]);
    assert_eq!(
        by(Box::leak(
            format!("owner_id={}", rep.user_id).into_boxed_str()
        ))
        .await,
        ["Grace Hopper", "Ada Lovelace"]
    );
    assert_eq!(
        by(Box::leak(
            format!("organization_id={acme}").into_boxed_str()
        ))
        .await,
        ["Grace Hopper", "Ada Lovelace"]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_only_themself_and_the_people_they_look_after() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let teacher = app.add_member(&owner, "staff").await;
    let own = create(
        &app,
        &owner,
        json!({"first_name": "Sam", "last_name": "Student", "user_id": student.user_id}),
    )
    .await;
    let other = create(
        &app,
        &owner,
        json!({"first_name": "Olga", "last_name": "Other"}),
    )
    .await;
    let mentee = create(
        &app,
        &owner,
        json!({"first_name": "Milo", "last_name": "Mentee", "owner_id": student.user_id}),
    )
    .await;

    assert_eq!(
        names(&list(&app, &student, "").await),
        ["Milo Mentee", "Sam Student"]
    );
    app.get(&format!("/api/v1/people/{}", own.id), &student.access)
        .await
        .expect(200);
    // Another's record is absent, not forbidden: its existence is not told.
    app.get(&format!("/api/v1/people/{}", other.id), &student.access)
        .await
        .expect(404);
    assert!(
        list(&app, &student, &format!("user_id={}", teacher.user_id))
            .await
            .is_empty()
    );
    // Reading is all a member may do.
    app.post(
        "/api/v1/people",
        Some(&student.access),
        json!({"first_name": "X"}),
    )
    .await
    .expect(403);
    app.patch(
        &format!("/api/v1/people/{}", mentee.id),
        &student.access,
        json!({"first_name": "X"}),
    )
    .await
    .expect(403);
    // Staff write but do not delete; admins and owners do. (A school's
    // teacher writes their own students.)
    crate::school::class_of(&app, &owner, "Chess", &teacher, &[other.id]).await;
    app.patch(
        &format!("/api/v1/people/{}", other.id),
        &teacher.access,
        json!({"tags": ["chess"]}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/people/{}", other.id), &teacher.access)
        .await
        .expect(403);
    app.post(
        "/api/v1/people/bulk",
        Some(&teacher.access),
        json!({"action": "delete", "ids": [other.id]}),
    )
    .await
    .expect(403);
    assert_eq!(list(&app, &owner, "").await.len(), 3, "nothing was deleted");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_workspaces_people_are_absent_to_every_route() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let stranger = app.register("sales").await;
    let theirs = create(&app, &stranger, json!({"first_name": "Secret"})).await;
    let path = format!("/api/v1/people/{}", theirs.id);
    app.get(&path, &owner.access).await.expect(404);
    app.patch(&path, &owner.access, json!({"first_name": "Mine"}))
        .await
        .expect(404);
    app.delete(&path, &owner.access).await.expect(404);
    app.post(&format!("{path}/restore"), Some(&owner.access), json!({}))
        .await
        .expect(404);
    let bulk: BulkResult = app
        .post(
            "/api/v1/people/bulk",
            Some(&owner.access),
            json!({"action": "tag", "ids": [theirs.id], "add": ["stolen"]}),
        )
        .await
        .expect(200)
        .read();
    assert!(bulk.changed.is_empty());
    assert_eq!(bulk.skipped, [theirs.id]);
    assert!(list(&app, &owner, "").await.is_empty());
    let still: PersonView = app.get(&path, &stranger.access).await.expect(200).read();
    assert_eq!(still, theirs, "untouched");
    // A module the workspace has not switched on: the support template has
    // people, the school has no organisations, but every template has people.
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_reach_people_within_their_scopes() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let key = |scopes: Value| app.api_key(&owner, scopes);
    let reader = key(json!(["people:read"])).await;
    let writer = key(json!(["people:write"])).await;
    let other = key(json!(["members:read"])).await;
    app.post("/api/v1/people", Some(&reader), json!({"first_name": "R"}))
        .await
        .expect(403);
    let made: PersonView = app
        .post("/api/v1/people", Some(&writer), json!({"first_name": "W"}))
        .await
        .expect(201)
        .read();
    app.get("/api/v1/people", &reader).await.expect(200);
    app.get("/api/v1/people", &other).await.expect(403);
    app.delete(&format!("/api/v1/people/{}", made.id), &writer)
        .await
        .expect(204);
    let entry = &trail(&app, &owner, made.id).await[0];
    assert_eq!(entry.actor.kind, rapport_domain::api::ActorKind::ApiKey);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_change_each_person_once_with_an_audit_entry_each() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let rep = app.add_member(&owner, "staff").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            create(
                &app,
                &owner,
                json!({"first_name": format!("P{n}"), "tags": ["old"]}),
            )
            .await
            .id,
        );
    }
    let tagged: BulkResult = app
        .post(
            "/api/v1/people/bulk",
            Some(&owner.access),
            json!({"action": "tag", "ids": [ids[0], ids[1], ids[0]], "add": ["new"], "remove": ["old"]}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(tagged.changed.len(), 2, "a repeated id counts once");
    assert_eq!(list(&app, &owner, "tag=new").await.len(), 2);
    assert_eq!(list(&app, &owner, "tag=old").await.len(), 1);
    let assigned: BulkResult = app
        .post(
            "/api/v1/people/bulk",
            Some(&owner.access),
            json!({"action": "assign", "ids": ids, "owner_id": rep.user_id}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(assigned.changed.len(), 3);
    app.post(
        "/api/v1/people/bulk",
        Some(&owner.access),
        json!({"action": "assign", "ids": ids, "owner_id": Uuid::now_v7()}),
    )
    .await
    .expect(422);
    let deleted: BulkResult = app
        .post(
            "/api/v1/people/bulk",
            Some(&owner.access),
            json!({"action": "delete", "ids": [ids[2]]}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(deleted.changed, [ids[2]]);
    app.post(
        "/api/v1/people/bulk",
        Some(&owner.access),
        json!({"action": "delete", "ids": []}),
    )
    .await
    .expect(422);
    let actions: Vec<String> = trail(&app, &owner, ids[0])
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["person.created", "person.updated", "person.updated"]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM events WHERE kind = 'person.updated'")
            .await,
        5
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_changes_at_once_with_one_version_make_one_change() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let p = create(&app, &owner, json!({"first_name": "Race"})).await;
    let path = format!("/api/v1/people/{}", p.id);
    let changes = (0..6).map(|n| {
        let app = &app;
        let path = &path;
        let owner = &owner;
        async move {
            app.call_with(
                Method::PATCH,
                path,
                Some(&owner.access),
                Some(json!({"last_name": format!("Writer {n}")})),
                &[("if-match", "\"1\"")],
            )
            .await
            .status
        }
    });
    let mut statuses = futures::future::join_all(changes).await;
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    let now: PersonView = app.get(&path, &owner.access).await.read();
    assert_eq!(now.version, 2);

    // One member is one person, however many ask at once.
    let student = app.add_member(&owner, "staff").await;
    let links = (0..4).map(|n| {
        let app = &app;
        let owner = &owner;
        let user = student.user_id;
        async move {
            app.post(
                "/api/v1/people",
                Some(&owner.access),
                json!({"first_name": format!("Twin {n}"), "user_id": user}),
            )
            .await
            .status
        }
    });
    let mut statuses = futures::future::join_all(links).await;
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM people WHERE user_id = '{}'",
            student.user_id
        ))
        .await,
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deleted_are_purged_after_thirty_days_and_not_before() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("sales").await;
    let old = create(&app, &owner, json!({"first_name": "Old"})).await;
    let recent = create(&app, &owner, json!({"first_name": "Recent"})).await;
    for p in [&old, &recent] {
        app.delete(&format!("/api/v1/people/{}", p.id), &owner.access)
            .await
            .expect(204);
    }
    let sql = app.sql().await;
    sql.execute(
        "UPDATE people SET deleted_at = now() - interval '31 days' WHERE id = $1",
        &[&old.id],
    )
    .await
    .unwrap();
    sql.execute(
        "INSERT INTO jobs (kind, payload) VALUES ('people.purge', '{}')",
        &[],
    )
    .await
    .unwrap();
    let state = app.state();
    while rapport_api::jobs::work_one(&state, "t").await {}
    assert_eq!(names(&list(&app, &owner, "deleted=true").await), ["Recent"]);
    app.get(&format!("/api/v1/people/{}", old.id), &owner.access)
        .await
        .expect(404);
    app.stop().await;
}
