use rapport_domain::api::{GroupMemberView, GroupView, Page, PersonView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn group(app: &TestApp, by: &Session, body: Value) -> GroupView {
    app.post("/api/v1/groups", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn person(app: &TestApp, by: &Session, first: &str, last: &str) -> PersonView {
    app.post(
        "/api/v1/people",
        Some(&by.access),
        json!({"first_name": first, "last_name": last}),
    )
    .await
    .expect(201)
    .read()
}

async fn names(app: &TestApp, by: &Session, query: &str) -> Vec<String> {
    let page: Page<GroupView> = app
        .get(&format!("/api/v1/groups?{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|g| g.name).collect()
}

/// The first names on a group's register, as `query` asks.
async fn register(app: &TestApp, by: &Session, group: &GroupView, query: &str) -> Vec<String> {
    let page: Page<GroupMemberView> = app
        .get(
            &format!("/api/v1/groups/{}/members?{query}", group.id),
            &by.access,
        )
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|m| m.first_name).collect()
}

async fn join(
    app: &TestApp,
    by: &Session,
    g: &GroupView,
    p: &PersonView,
    body: Value,
) -> GroupMemberView {
    let mut body = body;
    body["person_id"] = json!(p.id);
    app.post(
        &format!("/api/v1/groups/{}/members", g.id),
        Some(&by.access),
        body,
    )
    .await
    .expect(201)
    .read()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_keeps_who_belonged_on_each_day() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let python = group(
        &app,
        &owner,
        json!({"name": " Python, Tuesday ", "kind": "class", "leader_id": teacher.user_id, "tags": ["python"]}),
    )
    .await;
    assert_eq!(python.name, "Python, Tuesday");
    assert_eq!(python.member_count, 0);
    group(&app, &owner, json!({"name": "Staff team", "kind": "team"})).await;

    assert_eq!(
        names(&app, &owner, "").await,
        ["Python, Tuesday", "Staff team"]
    );
    assert_eq!(names(&app, &owner, "q=pyth").await, ["Python, Tuesday"]);
    assert_eq!(names(&app, &owner, "kind=team").await, ["Staff team"]);
    assert_eq!(names(&app, &owner, "tag=python").await, ["Python, Tuesday"]);
    assert_eq!(
        names(&app, &owner, &format!("leader_id={}", teacher.user_id)).await,
        ["Python, Tuesday"]
    );

    let ada = person(&app, &owner, "Ada", "Lovelace").await;
    let bob = person(&app, &owner, "Bob", "Babbage").await;
    let cy = person(&app, &owner, "Cy", "Hopper").await;
    // Ada from September 2020; Bob from October, who left in December; Cy
    // from today.
    join(
        &app,
        &teacher,
        &python,
        &ada,
        json!({"joined_on": "2020-09-01"}),
    )
    .await;
    let bob_stay = join(
        &app,
        &teacher,
        &python,
        &bob,
        json!({"joined_on": "2020-10-01"}),
    )
    .await;
    join(&app, &teacher, &python, &cy, json!({})).await;
    let left: GroupMemberView = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/groups/{}/members/{}", python.id, bob_stay.id),
            Some(&teacher.access),
            Some(json!({"left_on": "2020-12-01"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(left.left_on, Some("2020-12-01".parse().unwrap()));

    // A register as it was on each day (sorted by family name).
    assert_eq!(
        register(&app, &owner, &python, "on=2020-09-15").await,
        ["Ada"]
    );
    assert_eq!(
        register(&app, &owner, &python, "on=2020-11-30").await,
        ["Bob", "Ada"]
    );
    assert_eq!(
        register(&app, &owner, &python, "on=2020-12-01").await,
        ["Ada"]
    );
    assert_eq!(
        register(&app, &owner, &python, "all=true&sort=joined_on").await,
        ["Ada", "Bob", "Cy"]
    );
    // Bob may come back after he left, never twice over the same days.
    let again = app
        .post(
            &format!("/api/v1/groups/{}/members", python.id),
            Some(&teacher.access),
            json!({"person_id": bob.id, "joined_on": "2020-11-15"}),
        )
        .await
        .expect(409);
    assert_eq!(again.body["code"], "duplicate");
    join(
        &app,
        &teacher,
        &python,
        &bob,
        json!({"joined_on": "2099-01-10"}),
    )
    .await;
    assert_eq!(
        register(&app, &owner, &python, "on=2099-02-01").await.len(),
        3
    );
    // Which groups a person is in today.
    assert_eq!(
        names(&app, &owner, &format!("person_id={}", cy.id)).await,
        ["Python, Tuesday"]
    );

    let read: GroupView = app
        .get(&format!("/api/v1/groups/{}", python.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        read.member_count, 2,
        "Ada and Cy today; Bob comes back in 2099"
    );

    // A deleted person leaves the register; restored, they are back.
    app.delete(&format!("/api/v1/people/{}", ada.id), &owner.access)
        .await
        .expect(204);
    assert_eq!(register(&app, &owner, &python, "").await, ["Cy"]);

    let path = format!("/api/v1/groups/{}", python.id);
    app.call_with(
        Method::PATCH,
        &path,
        Some(&teacher.access),
        Some(json!({"name": "Stale"})),
        &[("if-match", "\"7\"")],
    )
    .await
    .expect(412);
    let renamed: GroupView = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&teacher.access),
            Some(json!({"name": "Python, Thursday", "description": "Moved", "leader_id": null})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(renamed.leader_id, None);
    assert_eq!(renamed.version, 2);

    // Teachers may not delete; admins may, and restore.
    app.delete(&path, &teacher.access).await.expect(403);
    app.delete(&path, &owner.access).await.expect(204);
    assert_eq!(names(&app, &owner, "").await, ["Staff team"]);
    assert_eq!(
        names(&app, &owner, "deleted=true").await,
        ["Python, Thursday"]
    );
    // A deleted group takes no new members.
    let dee = person(&app, &owner, "Dee", "Knuth").await;
    app.post(
        &format!("{path}/members"),
        Some(&owner.access),
        json!({"person_id": dee.id}),
    )
    .await
    .expect(404);
    app.post(&format!("{path}/restore"), Some(&owner.access), json!({}))
        .await
        .expect(200);
    assert_eq!(
        register(&app, &owner, &python, "on=2099-02-01").await.len(),
        2
    );

    let group_actions = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_type = 'group' AND record_id = '{}'",
            python.id
        ))
        .await;
    assert_eq!(group_actions, 4, "created, updated, deleted, restored");
    let stay_actions = app
        .count("SELECT count(*) FROM audit_log WHERE record_type = 'group_member'")
        .await;
    assert_eq!(stay_actions, 5, "four stays added, one changed");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_other_workspaces_are_absent() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let stranger = app.register("school").await;
    let theirs = person(&app, &stranger, "Theirs", "").await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (
            json!({"name": "A", "description": "x".repeat(2001)}),
            "description",
        ),
        (
            json!({"name": "A", "leader_id": stranger.user_id}),
            "leader_id",
        ),
        (json!({"name": "A", "tags": [""]}), "tags.0"),
    ] {
        let res = app
            .post("/api/v1/groups", Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    app.post(
        "/api/v1/groups",
        Some(&owner.access),
        json!({"name": "A", "kind": "club"}),
    )
    .await
    .expect(422);
    assert_eq!(app.count("SELECT count(*) FROM groups").await, 0);

    let g = group(&app, &owner, json!({"name": "Robotics"})).await;
    let ada = person(&app, &owner, "Ada", "").await;
    let members = format!("/api/v1/groups/{}/members", g.id);
    for (body, field) in [
        (json!({"person_id": theirs.id}), "person_id"),
        (
            json!({"person_id": ada.id, "joined_on": "2026-09-01", "left_on": "2026-08-01"}),
            "left_on",
        ),
        (
            json!({"person_id": ada.id, "joined_on": "0099-01-01"}),
            "joined_on",
        ),
    ] {
        let res = app
            .post(&members, Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    app.post(
        &members,
        Some(&owner.access),
        json!({"person_id": ada.id, "joined_on": "1 Sept"}),
    )
    .await
    .expect(422);
    app.get(&format!("{members}?on=yesterday"), &owner.access)
        .await
        .expect(422);
    assert_eq!(app.count("SELECT count(*) FROM group_members").await, 0);

    let stay = join(&app, &owner, &g, &ada, json!({"joined_on": "2026-09-01"})).await;
    // Leaving before joining, once the stay exists.
    app.patch(
        &format!("{members}/{}", stay.id),
        &owner.access,
        json!({"left_on": "2026-08-31"}),
    )
    .await
    .expect(422);

    // Another workspace's group and stay are absent, as absent ones are.
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/groups/{}", g.id), None),
        (Method::GET, members.clone(), None),
        (
            Method::PATCH,
            format!("/api/v1/groups/{}", g.id),
            Some(json!({"name": "Mine"})),
        ),
        (
            Method::POST,
            members.clone(),
            Some(json!({"person_id": theirs.id})),
        ),
        (
            Method::PATCH,
            format!("{members}/{}", stay.id),
            Some(json!({"left_on": null})),
        ),
        (Method::DELETE, format!("{members}/{}", stay.id), None),
        (Method::DELETE, format!("/api/v1/groups/{}", g.id), None),
    ] {
        app.call(method.clone(), &path, Some(&stranger.access), body)
            .await
            .expect(404);
    }
    // A stay of one group is not found under another.
    let other = group(&app, &owner, json!({"name": "Other"})).await;
    app.delete(
        &format!("/api/v1/groups/{}/members/{}", other.id, stay.id),
        &owner.access,
    )
    .await
    .expect(404);
    // A stale version removes nothing; the current one does.
    app.call_with(
        Method::DELETE,
        &format!("{members}/{}", stay.id),
        Some(&owner.access),
        None,
        &[("if-match", "\"9\"")],
    )
    .await
    .expect(412);
    app.delete(&format!("{members}/{}", stay.id), &owner.access)
        .await
        .expect(204);
    assert_eq!(app.count("SELECT count(*) FROM group_members").await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_sees_their_own_classes_and_only_themself_in_them() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let mine = group(&app, &owner, json!({"name": "Mine"})).await;
    group(&app, &owner, json!({"name": "Not mine"})).await;
    let me: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Me", "user_id": student.user_id}),
        )
        .await
        .expect(201)
        .read();
    let classmate = person(&app, &owner, "Classmate", "").await;
    join(&app, &owner, &mine, &me, json!({"joined_on": "2026-01-05"})).await;
    join(
        &app,
        &owner,
        &mine,
        &classmate,
        json!({"joined_on": "2026-01-05"}),
    )
    .await;

    assert_eq!(names(&app, &student, "").await, ["Mine"]);
    assert_eq!(register(&app, &student, &mine, "").await, ["Me"]);
    let others: Vec<GroupView> = {
        let page: Page<GroupView> = app
            .get("/api/v1/groups", &owner.access)
            .await
            .expect(200)
            .read();
        page.data
    };
    let not_mine = others.iter().find(|g| g.name == "Not mine").unwrap();
    app.get(&format!("/api/v1/groups/{}", not_mine.id), &student.access)
        .await
        .expect(404);
    // Members read; they change nothing.
    app.post(
        &format!("/api/v1/groups/{}/members", mine.id),
        Some(&student.access),
        json!({"person_id": me.id}),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/groups",
        Some(&student.access),
        json!({"name": "Mine too"}),
    )
    .await
    .expect(403);
    // A workspace without groups does not offer them.
    let sales = app.register("sales").await;
    let res = app.get("/api/v1/groups", &sales.access).await.expect(403);
    assert_eq!(res.body["code"], "module_disabled");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_person_added_twice_at_once_joins_once() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let g = group(&app, &owner, json!({"name": "Busy"})).await;
    let ada = person(&app, &owner, "Ada", "").await;
    let path = format!("/api/v1/groups/{}/members", g.id);
    let tries = (0..8).map(|_| {
        app.post(
            &path,
            Some(&owner.access),
            json!({"person_id": ada.id, "joined_on": "2026-09-01"}),
        )
    });
    let mut statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(app.count("SELECT count(*) FROM group_members").await, 1);
    app.stop().await;
}
