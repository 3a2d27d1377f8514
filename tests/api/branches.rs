//! Branches: kept by admins, one per person, any number per member; a
//! moderator given branches sees the people of those, and what is about
//! them, and adds people to those only; another workspace's branches are
//! nobody's here.

use rapport_domain::api::{BranchView, MeResponse, MemberBranches, Page, PersonView, SessionView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

async fn branch(app: &TestApp, by: &Session, name: &str) -> BranchView {
    app.post(
        "/api/v1/branches",
        Some(&by.access),
        json!({"name": name, "address": format!("{name} Street 1")}),
    )
    .await
    .expect(201)
    .read()
}

async fn person(app: &TestApp, by: &Session, body: Value) -> PersonView {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn names(app: &TestApp, by: &Session, query: &str) -> Vec<String> {
    let page: Page<PersonView> = app
        .get(&format!("/api/v1/people?limit=100{query}"), &by.access)
        .await
        .expect(200)
        .read();
    page.data.into_iter().map(|p| p.first_name).collect()
}

async fn set_branches(app: &TestApp, by: &Session, member: Uuid, ids: &[Uuid]) -> (u16, Value) {
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/members/{member}/branches"),
            Some(&by.access),
            Some(json!({ "branch_ids": ids })),
        )
        .await;
    (res.status, res.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_keeps_branches_and_each_person_belongs_to_one() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let user = app.add_member(&owner, "member").await;
    let north = branch(&app, &owner, "North").await;
    assert_eq!((north.people, north.archived_at), (Some(0), None));
    let south = branch(&app, &owner, "South").await;

    // Names are the workspace's own, whatever their case; blank is none.
    let res = app
        .post(
            "/api/v1/branches",
            Some(&owner.access),
            json!({"name": "north"}),
        )
        .await
        .expect(409);
    assert_eq!(res.body["code"], "duplicate");
    let res = app
        .post(
            "/api/v1/branches",
            Some(&owner.access),
            json!({"name": " ", "address": "x"}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "name");
    app.post(
        "/api/v1/branches",
        Some(&owner.access),
        json!({"name": "East", "zone": 1}),
    )
    .await
    .expect(422);
    // Only admins keep them.
    app.post(
        "/api/v1/branches",
        Some(&moderator.access),
        json!({"name": "West"}),
    )
    .await
    .expect(403);
    app.patch(
        &format!("/api/v1/branches/{}", north.id),
        &moderator.access,
        json!({"name": "N"}),
    )
    .await
    .expect(403);

    // People belong to one; the list filters by it; counts follow.
    let ann = person(
        &app,
        &owner,
        json!({"first_name": "Ann", "branch_id": north.id}),
    )
    .await;
    assert_eq!(ann.branch_id, Some(north.id));
    person(
        &app,
        &owner,
        json!({"first_name": "Ben", "branch_id": south.id}),
    )
    .await;
    person(&app, &owner, json!({"first_name": "Cy"})).await;
    assert_eq!(
        names(&app, &owner, &format!("&branch_id={}", north.id)).await,
        ["Ann"]
    );
    let listed: Page<BranchView> = app
        .get("/api/v1/branches", &moderator.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        listed
            .data
            .iter()
            .map(|b| (b.name.as_str(), b.people))
            .collect::<Vec<_>>(),
        [("North", Some(1)), ("South", Some(1))]
    );
    // A user reads the branches (their own is one of them), not their counts.
    let seen: Page<BranchView> = app
        .get("/api/v1/branches", &user.access)
        .await
        .expect(200)
        .read();
    assert!(seen.data.iter().all(|b| b.people.is_none()));

    // Moved to another branch, or to none.
    let moved: PersonView = app
        .patch(
            &format!("/api/v1/people/{}", ann.id),
            &owner.access,
            json!({"branch_id": south.id}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(moved.branch_id, Some(south.id));
    let none: PersonView = app
        .patch(
            &format!("/api/v1/people/{}", ann.id),
            &owner.access,
            json!({"branch_id": null}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(none.branch_id, None);

    // Another workspace's branch is no branch here, and its id is 404.
    let stranger = app.register("tutoring").await;
    let theirs = branch(&app, &stranger, "North").await;
    let res = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Dee", "branch_id": theirs.id}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "branch_id");
    assert_eq!(res.body["errors"][0]["code"], "unknown");
    app.get(&format!("/api/v1/branches/{}", theirs.id), &owner.access)
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/branches/{}", theirs.id),
        &owner.access,
        json!({"name": "Mine"}),
    )
    .await
    .expect(404);
    assert_eq!(
        app.count("SELECT count(*) FROM people WHERE first_name = 'Dee'")
            .await,
        0
    );

    // Archived: kept by its people, offered no more; a stale version is 412.
    let res = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/branches/{}", south.id),
            Some(&owner.access),
            Some(json!({"archived": true})),
            &[("if-match", "\"7\"")],
        )
        .await;
    assert_eq!(res.status, 412);
    let archived: BranchView = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/branches/{}", south.id),
            Some(&owner.access),
            Some(json!({"archived": true})),
            &[("if-match", &format!("\"{}\"", south.version))],
        )
        .await
        .expect(200)
        .read();
    assert!(archived.archived_at.is_some());
    assert_eq!(archived.people, Some(1), "Ben keeps it");
    let res = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Eve", "branch_id": south.id}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "branch_id");
    let open: Page<BranchView> = app
        .get("/api/v1/branches", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        open.data
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        ["North"]
    );
    let all: Page<BranchView> = app
        .get("/api/v1/branches?archived=true&sort=-name", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(
        all.data.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        ["South", "North"]
    );
    let audited = app
        .texts("SELECT action FROM audit_log WHERE record_type = 'branch' ORDER BY occurred_at, action")
        .await;
    assert!(
        audited.contains(&"branch.archived".to_string()),
        "{audited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_given_branches_sees_and_adds_the_people_of_those_only() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    // A tutor is a user of the workspace.
    let tutor = app.add_member(&owner, "member").await;
    let north = branch(&app, &owner, "North").await;
    let south = branch(&app, &owner, "South").await;
    let ann = person(
        &app,
        &owner,
        json!({"first_name": "Ann", "branch_id": north.id}),
    )
    .await;
    let ben = person(
        &app,
        &owner,
        json!({"first_name": "Ben", "branch_id": south.id}),
    )
    .await;
    person(&app, &owner, json!({"first_name": "Cy"})).await;
    assert_eq!(
        names(&app, &moderator, "").await.len(),
        3,
        "every branch until limited"
    );

    // Only admins say who belongs where; a moderator cannot widen their own.
    assert_eq!(
        set_branches(&app, &moderator, moderator.user_id, &[])
            .await
            .0,
        403
    );
    let (status, body) = set_branches(&app, &owner, moderator.user_id, &[north.id, north.id]).await;
    assert_eq!(status, 200, "{body}");
    let mine: MemberBranches = serde_json::from_value(body).unwrap();
    assert_eq!(mine.branch_ids, [north.id]);
    let me: MeResponse = app
        .get("/api/v1/me", &moderator.access)
        .await
        .expect(200)
        .read();
    assert_eq!(me.branch_ids, [north.id], "the app learns them from /me");

    // They see North's people only: lists, reads, changes, search.
    assert_eq!(names(&app, &moderator, "").await, ["Ann"]);
    app.get(&format!("/api/v1/people/{}", ben.id), &moderator.access)
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/people/{}", ben.id),
        &moderator.access,
        json!({"first_name": "B"}),
    )
    .await
    .expect(404);
    let found = app
        .get("/api/v1/search?q=Ben", &moderator.access)
        .await
        .expect(200);
    assert!(!found.text.contains(&ben.id.to_string()), "{}", found.text);
    // They count North's people, not South's.
    let listed: Page<BranchView> = app
        .get("/api/v1/branches", &moderator.access)
        .await
        .expect(200)
        .read();
    let counts: Vec<_> = listed
        .data
        .iter()
        .map(|b| (b.name.as_str(), b.people))
        .collect();
    assert_eq!(counts, [("North", Some(1)), ("South", None)]);

    // They hear of North's people only: over /events and live.
    let mut ws = crate::events::connect(&app, &moderator, None).await;
    for (who, name) in [(ben.id, "Benjamin"), (ann.id, "Anna")] {
        app.patch(
            &format!("/api/v1/people/{who}"),
            &owner.access,
            json!({"first_name": name}),
        )
        .await
        .expect(200);
    }
    let live = loop {
        let e = crate::events::next_event(&mut ws, std::time::Duration::from_secs(10))
            .await
            .expect("an event arrives");
        if e["type"] == "person.updated" {
            break e;
        }
    };
    assert_eq!(live["data"]["id"], ann.id.to_string(), "{live}");
    app.settle(owner.workspace_id).await;
    let heard: Value = app
        .get("/api/v1/events?limit=200", &moderator.access)
        .await
        .expect(200)
        .body;
    let updated: Vec<&str> = heard["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "person.updated")
        .filter_map(|e| e["data"]["id"].as_str())
        .collect();
    assert_eq!(updated, [ann.id.to_string()], "{heard}");

    // They add people to their branch (by default), never to another.
    let dan = person(&app, &moderator, json!({"first_name": "Dan"})).await;
    assert_eq!(dan.branch_id, Some(north.id));
    let res = app
        .post(
            "/api/v1/people",
            Some(&moderator.access),
            json!({"first_name": "Eve", "branch_id": south.id}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["code"], "one_of");
    let res = app
        .patch(
            &format!("/api/v1/people/{}", ann.id),
            &moderator.access,
            json!({"branch_id": south.id}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "branch_id");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM people WHERE branch_id = '{}'",
            south.id
        ))
        .await,
        1
    );

    // Sessions: those of their people, and those their branch's tutors hold.
    assert_eq!(
        set_branches(&app, &owner, tutor.user_id, &[north.id])
            .await
            .0,
        200
    );
    let body = |host: Uuid, from: &str, to: &str, who: Uuid| {
        json!({"kind": "tutoring", "title": "Maths", "host_id": host,
               "starts_at": format!("2026-12-07T{from}:00Z"), "ends_at": format!("2026-12-07T{to}:00Z"),
               "participant_ids": [who]})
    };
    let schedule = async |body: Value| -> SessionView {
        app.post("/api/v1/sessions", Some(&owner.access), body)
            .await
            .expect(201)
            .read()
    };
    let with_ben = schedule(body(owner.user_id, "09:00", "10:00", ben.id)).await;
    let with_ann = schedule(body(owner.user_id, "11:00", "12:00", ann.id)).await;
    let by_tutor = schedule(body(tutor.user_id, "13:00", "14:00", ben.id)).await;
    let listed: Page<SessionView> = app
        .get(
            "/api/v1/sessions?from=2026-12-07T00:00:00Z&to=2026-12-08T00:00:00Z",
            &moderator.access,
        )
        .await
        .expect(200)
        .read();
    let ids: Vec<Uuid> = listed.data.iter().map(|s| s.id).collect();
    assert_eq!(ids, [with_ann.id, by_tutor.id]);
    app.get(
        &format!("/api/v1/sessions/{}", with_ben.id),
        &moderator.access,
    )
    .await
    .expect(404);
    // Their tutor's session with Ben: Ben is not theirs to see, in the
    // session nor in its register.
    let seen: SessionView = app
        .get(
            &format!("/api/v1/sessions/{}", by_tutor.id),
            &moderator.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(seen.participant_ids, Vec::<Uuid>::new());
    let register = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", by_tutor.id),
            &moderator.access,
        )
        .await
        .expect(200);
    assert!(
        !register.text.contains(&ben.id.to_string()),
        "{}",
        register.text
    );
    assert!(!register.text.contains("Benjamin"), "{}", register.text);
    // They schedule their own people only, and changing a session's people
    // leaves those of other branches in it.
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&moderator.access),
            body(tutor.user_id, "15:00", "16:00", ben.id),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "participant_ids");
    let changed: SessionView = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/sessions/{}", by_tutor.id),
            Some(&moderator.access),
            Some(json!({"participant_ids": [ann.id]})),
            &[("if-match", &format!("\"{}\"", seen.version))],
        )
        .await
        .expect(200)
        .read();
    assert_eq!(changed.participant_ids, [ann.id], "as they see it");
    let whole: SessionView = app
        .get(&format!("/api/v1/sessions/{}", by_tutor.id), &owner.access)
        .await
        .expect(200)
        .read();
    let mut all = whole.participant_ids.clone();
    all.sort();
    assert_eq!(all, [ann.id, ben.id], "Ben stays");
    // The calendar of a branch: sessions with its people, or held by its tutors.
    let of_branch = async |branch: Uuid| -> Vec<Uuid> {
        let page: Page<SessionView> = app
            .get(
                &format!("/api/v1/sessions?from=2026-12-07T00:00:00Z&to=2026-12-08T00:00:00Z&branch_id={branch}"),
                &owner.access,
            )
            .await
            .expect(200)
            .read();
        page.data.iter().map(|s| s.id).collect()
    };
    assert_eq!(of_branch(south.id).await, [with_ben.id, by_tutor.id]);
    assert_eq!(of_branch(north.id).await, [with_ann.id, by_tutor.id]);

    // Branches that are not the workspace's (or archived) are refused whole.
    let stranger = app.register("tutoring").await;
    let theirs = branch(&app, &stranger, "Elsewhere").await;
    let (status, body) =
        set_branches(&app, &owner, moderator.user_id, &[south.id, theirs.id]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "branch_ids");
    let (status, _) = set_branches(&app, &owner, Uuid::now_v7(), &[north.id]).await;
    assert_eq!(status, 404);
    let (status, _) = set_branches(&app, &owner, stranger.user_id, &[north.id]).await;
    assert_eq!(status, 404, "a member of another workspace is nobody here");
    let shown: MemberBranches = app
        .get(
            &format!("/api/v1/members/{}/branches", moderator.user_id),
            &owner.access,
        )
        .await
        .expect(200)
        .read();
    assert_eq!(shown.branch_ids, [north.id], "unchanged by the refusals");

    // Two changes at once: one wins whole, never a mixture of the two.
    // (It was North before; each asks for one branch only.)
    for _ in 0..3 {
        let (to_south, to_north) = ([south.id], [north.id]);
        let (a, b) = tokio::join!(
            set_branches(&app, &owner, moderator.user_id, &to_south),
            set_branches(&app, &owner, moderator.user_id, &to_north),
        );
        assert_eq!((a.0, b.0), (200, 200));
        let rows = app
            .texts(&format!(
                "SELECT branch_id::text FROM member_branches WHERE user_id = '{}'",
                moderator.user_id
            ))
            .await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(
            rows[0] == south.id.to_string() || rows[0] == north.id.to_string(),
            "{rows:?}"
        );
    }

    // Given none: every branch again.
    assert_eq!(
        set_branches(&app, &owner, moderator.user_id, &[]).await.0,
        200
    );
    assert_eq!(names(&app, &moderator, "").await.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_reach_branches_within_their_scopes() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let key = |scopes: Value| app.api_key(&owner, scopes);
    let reader = key(json!(["branches:read"])).await;
    let people = key(json!(["people:read"])).await;
    let writer = key(json!(["branches:write"])).await;
    app.get("/api/v1/branches", &reader).await.expect(200);
    app.get("/api/v1/branches", &people).await.expect(403);
    app.post("/api/v1/branches", Some(&reader), json!({"name": "North"}))
        .await
        .expect(403);
    let made: BranchView = app
        .post("/api/v1/branches", Some(&writer), json!({"name": "North"}))
        .await
        .expect(201)
        .read();
    // A member's branches are a person's to give.
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/members/{}/branches", owner.user_id),
            Some(&writer),
            Some(json!({"branch_ids": [made.id]})),
        )
        .await;
    assert_eq!(res.status, 403);
}
