//! Actions on many organisations or groups at once: the same rules as one
//! at a time (workspace, role, scope, member), each record changed once,
//! audited, and two actions at once never deadlock nor double a change.

use rapport_domain::api::{ApiKeyCreated, BulkResult};
use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

async fn made(app: &TestApp, by: &Session, path: &str, bodies: Vec<Value>) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for body in bodies {
        let v: Value = app
            .post(path, Some(&by.access), body)
            .await
            .expect(201)
            .body;
        ids.push(v["id"].as_str().unwrap().parse().unwrap());
    }
    ids
}

async fn bulk(app: &TestApp, by: &str, path: &str, body: Value) -> BulkResult {
    app.post(path, Some(by), body).await.expect(200).read()
}

async fn listed(app: &TestApp, by: &Session, path: &str) -> Vec<Value> {
    let page: Value = app.get(path, &by.access).await.expect(200).body;
    page["data"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_groups_are_tagged_assigned_and_deleted_many_at_once() {
    let app = TestApp::start().await;
    for (template, kind, list, body) in [
        (
            "sales",
            "organization",
            "/api/v1/organizations",
            (|n: usize| json!({"name": format!("Org {n}"), "tags": ["old"]})) as fn(usize) -> Value,
        ),
        (
            "school",
            "group",
            "/api/v1/groups",
            |n: usize| json!({"name": format!("Group {n}"), "kind": "team", "tags": ["old"]}),
        ),
    ] {
        let owner = app.register(template).await;
        let rep = app.add_member(&owner, "staff").await;
        let stranger = app.register(template).await;
        let path = format!("{list}/bulk");
        let ids = made(&app, &owner, list, (0..3).map(body).collect()).await;
        let theirs = made(&app, &stranger, list, vec![body(9)]).await[0];

        // Tags: a repeated id counts once, another workspace's is skipped.
        let tagged = bulk(
            &app,
            &owner.access,
            &path,
            json!({"action": "tag", "ids": [ids[0], ids[1], ids[0], theirs], "add": ["new"], "remove": ["old"]}),
        )
        .await;
        assert_eq!(tagged.changed.len(), 2, "{kind}");
        assert_eq!(tagged.skipped, [theirs], "{kind}");
        assert_eq!(
            listed(&app, &owner, &format!("{list}?tag=new")).await.len(),
            2
        );
        assert_eq!(
            listed(&app, &owner, &format!("{list}?tag=old")).await.len(),
            1
        );
        let untouched: Value = app
            .get(&format!("{list}/{theirs}"), &stranger.access)
            .await
            .expect(200)
            .body;
        assert_eq!(
            untouched["tags"],
            json!(["old"]),
            "{kind}: not theirs to tag"
        );

        // A record carries at most 50 tags, however many times it is tagged:
        // the whole action is refused, and nothing changes.
        let forty: Vec<String> = (0..40).map(|n| format!("t{n}")).collect();
        bulk(
            &app,
            &owner.access,
            &path,
            json!({"action": "tag", "ids": [ids[2]], "add": forty}),
        )
        .await;
        let twenty: Vec<String> = (0..20).map(|n| format!("u{n}")).collect();
        let res = app
            .post(
                &path,
                Some(&owner.access),
                json!({"action": "tag", "ids": [ids[1], ids[2]], "add": twenty}),
            )
            .await;
        assert_eq!(res.status, 422, "{kind}: {:?}", res.body);
        assert_eq!(res.body["errors"][0]["field"], "add", "{:?}", res.body);
        for (id, n) in [(ids[1], 1), (ids[2], 41)] {
            let one: Value = app
                .get(&format!("{list}/{id}"), &owner.access)
                .await
                .expect(200)
                .body;
            assert_eq!(one["tags"].as_array().unwrap().len(), n, "{kind}");
        }
        let table = if kind == "group" {
            "groups"
        } else {
            "organizations"
        };
        let err = app
            .sql()
            .await
            .execute(
                &format!("UPDATE {table} SET tags = array(SELECT 'x' || n FROM generate_series(1, 51) n) WHERE id = '{}'", ids[2]),
                &[],
            )
            .await
            .expect_err("the database holds the limit too");
        assert!(
            err.to_string().contains("tags_max") || format!("{err:?}").contains("tags_max"),
            "{kind}: {err:?}"
        );

        // Assign: to a member (an organisation's owner, a group's leader).
        let assigned = bulk(
            &app,
            &owner.access,
            &path,
            json!({"action": "assign", "ids": ids, "owner_id": rep.user_id}),
        )
        .await;
        assert_eq!(assigned.changed.len(), 3, "{kind}");
        let field = if kind == "group" {
            "leader_id"
        } else {
            "owner_id"
        };
        let one: Value = app
            .get(&format!("{list}/{}", ids[2]), &owner.access)
            .await
            .expect(200)
            .body;
        assert_eq!(one[field], json!(rep.user_id), "{kind}");
        let again = bulk(
            &app,
            &owner.access,
            &path,
            json!({"action": "assign", "ids": ids, "owner_id": rep.user_id}),
        )
        .await;
        assert!(again.changed.is_empty(), "{kind}: nothing to change");
        for bad in [
            json!({"action": "assign", "ids": ids, "owner_id": Uuid::now_v7()}),
            json!({"action": "assign", "ids": ids, "owner_id": stranger.user_id}),
            json!({"action": "delete", "ids": []}),
            json!({"action": "tag", "ids": ids}),
            json!({"action": "merge", "ids": ids}),
        ] {
            let res = app.post(&path, Some(&owner.access), bad.clone()).await;
            assert_eq!(res.status, 422, "{kind}: {bad}");
        }

        // Staff change but do not delete; a key needs the scope.
        app.post(
            &path,
            Some(&rep.access),
            json!({"action": "delete", "ids": [ids[0]]}),
        )
        .await
        .expect(403);
        let key: ApiKeyCreated = app
            .post(
                "/api/v1/api-keys",
                Some(&owner.access),
                json!({"name": format!("{kind} reader"), "scopes": ["people:write"]}),
            )
            .await
            .expect(201)
            .read();
        app.post(
            &path,
            Some(&key.key),
            json!({"action": "tag", "ids": [ids[0]], "add": ["x"]}),
        )
        .await
        .expect(403);

        // Two deletions of the same records at once, in opposite orders:
        // each record is deleted once, by one of them.
        let (a, b) = tokio::join!(
            app.post(
                &path,
                Some(&owner.access),
                json!({"action": "delete", "ids": [ids[0], ids[1], ids[2]]})
            ),
            app.post(
                &path,
                Some(&owner.access),
                json!({"action": "delete", "ids": [ids[2], ids[1], ids[0]]})
            ),
        );
        let (a, b): (BulkResult, BulkResult) = (a.expect(200).read(), b.expect(200).read());
        let mut all: Vec<Uuid> = a.changed.iter().chain(&b.changed).copied().collect();
        all.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(all, expected, "{kind}: each deleted once");
        assert!(listed(&app, &owner, list).await.is_empty(), "{kind}");
        assert_eq!(
            listed(&app, &owner, &format!("{list}?deleted=true"))
                .await
                .len(),
            3,
            "{kind}: in the trash, to restore"
        );
        let deletions = app
            .count(&format!(
                "SELECT count(*) FROM audit_log WHERE action = '{kind}.deleted'"
            ))
            .await;
        assert_eq!(deletions, 3, "{kind}: one entry each");
    }

    // A school has no organisations.
    let school = app.register("school").await;
    let res = app
        .post(
            "/api/v1/organizations/bulk",
            Some(&school.access),
            json!({"action": "delete", "ids": [Uuid::now_v7()]}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["code"], "module_disabled");
}
