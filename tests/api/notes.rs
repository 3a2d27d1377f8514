use rapport_domain::api::{NoteView, Page, PersonView, TimelineItem};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::json;

async fn person(app: &TestApp, by: &Session, first: &str) -> PersonView {
    app.post(
        "/api/v1/people",
        Some(&by.access),
        json!({"first_name": first}),
    )
    .await
    .expect(201)
    .read()
}

async fn note(app: &TestApp, by: &Session, p: &PersonView, body: &str) -> NoteView {
    app.post(
        "/api/v1/notes",
        Some(&by.access),
        json!({"person_id": p.id, "body": body}),
    )
    .await
    .expect(201)
    .read()
}

/// The timeline's items as `kind:detail` (the note's text or the change's action).
async fn timeline(app: &TestApp, by: &Session, path: &str, query: &str) -> Vec<String> {
    let page: Page<TimelineItem> = app
        .get(&format!("{path}/timeline?{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data
        .into_iter()
        .map(|i| match i {
            TimelineItem::Note(n) => format!("note:{}", n.body),
            TimelineItem::Change(c) => format!("change:{}", c.action),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_timeline_has_its_notes_and_its_changes_newest_first() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let other_teacher = app.add_member(&owner, "staff").await;
    let ada = person(&app, &owner, "Ada").await;
    // Both teach her.
    crate::school::class_of(&app, &owner, "Python", &teacher, &[ada.id]).await;
    crate::school::class_of(&app, &owner, "Scratch", &other_teacher, &[ada.id]).await;
    let path = format!("/api/v1/people/{}", ada.id);
    let first = note(&app, &teacher, &ada, "Loves **robotics**").await;
    assert_eq!(first.author_id, Some(teacher.user_id));
    assert!(first.author_name.is_some());
    assert!(
        first.body_html.contains("<strong>robotics</strong>"),
        "{}",
        first.body_html
    );
    app.patch(&path, &owner.access, json!({"last_name": "Lovelace"}))
        .await
        .expect(200);
    note(&app, &teacher, &ada, "Called home").await;

    let all = timeline(&app, &teacher, &path, "").await;
    assert_eq!(
        all,
        [
            "note:Called home",
            "change:person.updated",
            "note:Loves **robotics**",
            "change:person.created"
        ]
    );
    // Oldest first, and page by page: each once, in order.
    let oldest = timeline(&app, &teacher, &path, "sort=at").await;
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(oldest, reversed);
    let mut walked = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let query = match &cursor {
            Some(c) => format!("limit=1&cursor={c}"),
            None => "limit=1".to_string(),
        };
        let page: Page<TimelineItem> = app
            .get(&format!("{path}/timeline?{query}"), &teacher.access)
            .await
            .expect(200)
            .read();
        walked.extend(page.data.iter().map(|i| i.id()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(walked.len(), 4, "every item once");
    // The change says who made it and what changed.
    let page: Page<TimelineItem> = app
        .get(&format!("{path}/timeline"), &teacher.access)
        .await
        .expect(200)
        .read();
    let TimelineItem::Change(change) = &page.data[1] else {
        panic!("a change")
    };
    assert_eq!(change.actor.id, Some(owner.user_id));
    assert!(change.actor_name.is_some());
    assert_eq!(change.changes["last_name"]["after"], "Lovelace");

    // Its author rewrites it; another teacher may not; an admin may.
    let note_path = format!("/api/v1/notes/{}", first.id);
    let changed: NoteView = app
        .call_with(
            Method::PATCH,
            &note_path,
            Some(&teacher.access),
            Some(json!({"body": "Loves *robotics* and Scratch"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(changed.version, 2);
    let refused = app
        .patch(
            &note_path,
            &other_teacher.access,
            json!({"body": "Mine now"}),
        )
        .await
        .expect(403);
    assert_eq!(refused.body["code"], "forbidden");
    app.delete(&note_path, &other_teacher.access)
        .await
        .expect(403);
    app.call_with(
        Method::PATCH,
        &note_path,
        Some(&owner.access),
        Some(json!({"body": "Stale"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(412);
    app.delete(&note_path, &owner.access).await.expect(204);
    assert_eq!(
        timeline(&app, &teacher, &path, "").await,
        [
            "note:Called home",
            "change:person.updated",
            "change:person.created"
        ]
    );
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_type = 'note' AND record_id = '{}'",
            first.id
        ))
        .await;
    assert_eq!(audited, 3, "created, updated, deleted");

    // Organisations and groups have timelines too.
    let group: serde_json::Value = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Robotics", "leader_id": teacher.user_id}),
        )
        .await
        .expect(201)
        .body;
    app.post(
        "/api/v1/notes",
        Some(&teacher.access),
        json!({"group_id": group["id"], "body": "Needs more kits"}),
    )
    .await
    .expect(201);
    assert_eq!(
        timeline(
            &app,
            &teacher,
            &format!("/api/v1/groups/{}", group["id"].as_str().unwrap()),
            ""
        )
        .await,
        ["note:Needs more kits", "change:group.created"]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_script_comes_through_a_note() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let ada = person(&app, &owner, "Ada").await;
    let attack = "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) <a href=\"javascript:alert(4)\">y</a>";
    let n = note(&app, &owner, &ada, attack).await;
    assert_eq!(n.body, attack, "kept as written");
    let html = n.body_html.to_lowercase();
    for bad in ["<script", "onerror", "javascript:"] {
        assert!(!html.contains(bad), "{html}");
    }
    // The timeline shows the same safe HTML.
    let page: Page<TimelineItem> = app
        .get(
            &format!("/api/v1/people/{}/timeline", ada.id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    let TimelineItem::Note(shown) = &page.data[0] else {
        panic!("the note first")
    };
    assert_eq!(shown.body_html, n.body_html);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_notes_are_refused_and_other_workspaces_and_students_see_none() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    let ada = person(&app, &owner, "Ada").await;
    let theirs = person(&app, &stranger, "Theirs").await;
    for (body, field) in [
        (json!({"body": "on nothing"}), "person_id"),
        (
            json!({"person_id": ada.id, "group_id": ada.id, "body": "on two"}),
            "person_id",
        ),
        (json!({"person_id": ada.id, "body": "  "}), "body"),
        (
            json!({"person_id": ada.id, "body": "x".repeat(20_001)}),
            "body",
        ),
        (
            json!({"person_id": theirs.id, "body": "theirs"}),
            "person_id",
        ),
        (
            json!({"group_id": ada.id, "body": "not a group"}),
            "group_id",
        ),
    ] {
        let res = app
            .post("/api/v1/notes", Some(&owner.access), body.clone())
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{body}");
    }
    app.post(
        "/api/v1/notes",
        Some(&owner.access),
        json!({"person_id": ada.id, "body": "x", "pinned": true}),
    )
    .await
    .expect(422);
    // A deleted person takes no notes.
    let gone = person(&app, &owner, "Gone").await;
    app.delete(&format!("/api/v1/people/{}", gone.id), &owner.access)
        .await
        .expect(204);
    app.post(
        "/api/v1/notes",
        Some(&owner.access),
        json!({"person_id": gone.id, "body": "late"}),
    )
    .await
    .expect(422);
    assert_eq!(app.count("SELECT count(*) FROM notes").await, 0);

    let n = note(&app, &owner, &ada, "Private").await;
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/notes/{}", n.id),
            Some(json!({"body": "Mine"})),
        ),
        (Method::DELETE, format!("/api/v1/notes/{}", n.id), None),
        (
            Method::GET,
            format!("/api/v1/people/{}/timeline", ada.id),
            None,
        ),
    ] {
        app.call(method.clone(), &path, Some(&stranger.access), body)
            .await
            .expect(404);
    }
    // Students read neither notes nor timelines, even their own.
    app.get(
        &format!("/api/v1/people/{}/timeline", ada.id),
        &student.access,
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/notes",
        Some(&student.access),
        json!({"person_id": ada.id, "body": "hi"}),
    )
    .await
    .expect(403);
    // A note on an organisation needs organisations switched on.
    let res = app
        .post(
            "/api/v1/notes",
            Some(&owner.access),
            json!({"organization_id": ada.id, "body": "x"}),
        )
        .await
        .expect(403);
    assert_eq!(res.body["code"], "module_disabled");
    assert_eq!(app.count("SELECT count(*) FROM notes").await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rewrites_of_one_version_at_once_keep_one() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let ada = person(&app, &owner, "Ada").await;
    let n = note(&app, &owner, &ada, "First").await;
    let path = format!("/api/v1/notes/{}", n.id);
    let tries = (0..6).map(|i| {
        app.call_with(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({"body": format!("Rewrite {i}")})),
            &[("if-match", "\"1\"")],
        )
    });
    let mut statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    app.stop().await;
}
