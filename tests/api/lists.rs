//! Every list: keyset pages in every sort, cursors bound to their list, sort
//! and workspace, validated `sort`, `limit` and filters.

use base64::Engine;
use rapport_domain::api::{MemberView, Page};
use rapport_tests::{Session, TestApp};
use serde_json::Value;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// Every row of `path` (which has its own `?`), `limit` at a time.
async fn walk(app: &TestApp, who: &Session, path: &str, limit: u32) -> Vec<MemberView> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let page: Page<MemberView> = app.get(&url, &who.access).await.expect(200).read();
        assert!(page.data.len() <= limit as usize);
        rows.extend(page.data);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return rows,
        }
    }
    panic!("{path} never ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sort_pages_through_every_row_once_in_order() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    // Seven people, six of them with the same name: ties are broken by id.
    for role in ["member", "member", "member", "staff", "staff", "admin"] {
        app.add_member(&owner, role).await;
    }
    let ids = |rows: &[MemberView]| rows.iter().map(|m| m.user_id).collect::<Vec<_>>();
    for field in ["joined_at", "name", "email"] {
        let whole: Page<MemberView> = app
            .get(
                &format!("/api/v1/members?sort={field}&limit=200"),
                &owner.access,
            )
            .await
            .expect(200)
            .read();
        assert_eq!(whole.data.len(), 7);
        assert_eq!(whole.next_cursor, None);
        for limit in [1, 2, 3] {
            let paged = walk(
                &app,
                &owner,
                &format!("/api/v1/members?sort={field}"),
                limit,
            )
            .await;
            assert_eq!(ids(&paged), ids(&whole.data), "sort={field} limit={limit}");
            let mut backwards = walk(
                &app,
                &owner,
                &format!("/api/v1/members?sort=-{field}"),
                limit,
            )
            .await;
            backwards.reverse();
            assert_eq!(
                ids(&backwards),
                ids(&whole.data),
                "sort=-{field} limit={limit}"
            );
        }
    }
    let joined = walk(&app, &owner, "/api/v1/members?sort=joined_at", 2).await;
    assert!(joined.windows(2).all(|w| w[0].joined_at <= w[1].joined_at));
    // The same pages with a filter: only the students, still in order.
    let students = walk(&app, &owner, "/api/v1/members?sort=-email&role=member", 2).await;
    assert_eq!(students.len(), 3);
    assert!(students.windows(2).all(|w| w[0].email >= w[1].email));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_answers_only_for_its_own_list_sort_and_workspace() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let other = app.register("school").await;
    for _ in 0..3 {
        app.add_member(&owner, "member").await;
        app.add_member(&other, "member").await;
    }
    let first: Page<MemberView> = app
        .get("/api/v1/members?sort=email&limit=1", &owner.access)
        .await
        .expect(200)
        .read();
    let cursor = first.next_cursor.expect("more than one page");
    app.get(
        &format!("/api/v1/members?sort=email&limit=1&cursor={cursor}"),
        &owner.access,
    )
    .await
    .expect(200);

    let refused = [
        // Another sort of the same list.
        format!("/api/v1/members?sort=-email&cursor={cursor}"),
        format!("/api/v1/members?cursor={cursor}"),
        // Another list.
        format!("/api/v1/invitations?cursor={cursor}"),
        format!("/api/v1/audit?cursor={cursor}"),
        format!("/api/v1/api-keys?cursor={cursor}"),
    ];
    for path in &refused {
        let res = app.get(path, &owner.access).await.expect(422);
        assert_eq!(res.body["errors"][0]["field"], "cursor", "{path}");
    }
    // Another workspace: its owner gets no rows from this cursor, only a 422.
    let res = app
        .get(
            &format!("/api/v1/members?sort=email&cursor={cursor}"),
            &other.access,
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["code"], "mismatch");

    // A cursor whose key was rewritten to the wrong types is refused, not a 500.
    let mut inner: Value = serde_json::from_slice(&b64().decode(&cursor).unwrap()).unwrap();
    for bad in [
        serde_json::json!([1, 2]),
        serde_json::json!(["a"]),
        serde_json::json!(["a", "not-a-uuid"]),
        serde_json::json!(null),
    ] {
        inner["k"] = bad.clone();
        let forged = b64().encode(serde_json::to_vec(&inner).unwrap());
        let res = app
            .get(
                &format!("/api/v1/members?sort=email&cursor={forged}"),
                &owner.access,
            )
            .await;
        assert_eq!(res.status, 422, "key {bad}: {}", res.text);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_offers_limit_cursor_and_a_validated_sort() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    // Every module switched on, so that every list answers.
    let all: Vec<&str> = rapport_domain::Module::ALL
        .iter()
        .map(|m| m.as_str())
        .collect();
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = $1 WHERE id = $2",
            &[&all, &owner.workspace_id],
        )
        .await
        .unwrap();
    // A record of each kind for the lists under one (a group's members, a
    // person's timeline).
    let record = async |path: &str, body: Value| {
        app.post(path, Some(&owner.access), body)
            .await
            .expect(201)
            .body["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let person = record(
        "/api/v1/people",
        serde_json::json!({"first_name": "Listed"}),
    )
    .await;
    let organization = record(
        "/api/v1/organizations",
        serde_json::json!({"name": "Listed"}),
    )
    .await;
    let group = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            serde_json::json!({"name": "Listed"}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let spec: Value = app.get("/api-docs/openapi.json", "").await.expect(200).body;
    let mut lists = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let id = if template.starts_with("/api/v1/people/") {
            &person
        } else if template.starts_with("/api/v1/organizations/") {
            &organization
        } else {
            &group
        };
        let path = &template.replace("{id}", id);
        let answer = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default();
        if !answer.starts_with("#/components/schemas/Page_") {
            continue;
        }
        lists += 1;
        let params = get["parameters"].as_array().unwrap();
        let param = |name: &str| {
            params
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{path} has no `{name}`"))
        };
        param("limit");
        param("cursor");
        let sorts: Vec<String> = param("sort")["schema"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: `sort` lists its choices"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        for sort in &sorts {
            app.get(&format!("{path}?sort={sort}&limit=1"), &owner.access)
                .await
                .expect(200);
        }
        for bad in [
            "sort=password_hash",
            "sort=--name",
            "limit=0",
            "limit=201",
            "limit=ten",
            "cursor=not-a-cursor",
            "an_unknown_filter=1",
        ] {
            let res = app
                .get(&format!("{path}?{bad}"), &owner.access)
                .await
                .expect(422);
            assert_eq!(
                res.header("content-type"),
                Some("application/problem+json"),
                "{path}?{bad}"
            );
        }
        let res = app
            .get(&format!("{path}?sort=nonsense"), &owner.access)
            .await
            .expect(422);
        assert!(
            res.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(&sorts[0]),
            "the refusal names the choices: {}",
            res.text
        );
    }
    assert!(lists >= 5, "the lists are found: {lists}");
    app.stop().await;
}
