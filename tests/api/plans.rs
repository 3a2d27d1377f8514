//! The plans PostgreSQL makes for the lists, on a workspace of 100,000
//! people beside a small one: every list, filter and prefix search walks an
//! index range of its workspace, never a scan of the table or the
//! workspace.

use rapport_db::explain::{nodes, plan};
use rapport_db::list::{Dir, PageRequest, Sort};
use rapport_db::people::{list, list_query, PersonFilter, PersonSort};
use rapport_db::scope::Scope;
use rapport_domain::people::PersonStatus;
use rapport_tests::TestApp;
use uuid::Uuid;

const PEOPLE: i32 = 100_000;

/// A big workspace and a small one, analysed.
async fn seeded(app: &TestApp) -> (Uuid, Uuid) {
    let big = app.register("sales").await;
    let small = app.register("sales").await;
    let sql = app.sql().await;
    for (ws, n) in [(big.workspace_id, PEOPLE), (small.workspace_id, 200)] {
        sql.execute(
            "INSERT INTO people (workspace_id, id, first_name, last_name, email, status, tags, \
                                 owner_id, custom_fields, created_at, updated_at) \
             SELECT $1, gen_random_uuid(), 'First' || i, 'Last' || i, 'p' || i || '@example.com', \
                    (ARRAY['lead','active','inactive','former'])[1 + i % 4], ARRAY['t' || (i % 200)], \
                    CASE WHEN i % 500 = 0 THEN $3::uuid END, \
                    jsonb_build_object('tier', 'tier' || (i % 300)), \
                    now() - i * interval '1 minute', now() - i * interval '1 second' \
               FROM generate_series(1, $2) AS i",
            &[&ws, &n, &big.user_id],
        )
        .await
        .unwrap();
    }
    sql.batch_execute("ANALYZE people").await.unwrap();
    (big.workspace_id, small.workspace_id)
}

/// The index scans of `plan` that read the whole workspace: a condition
/// on the workspace alone, with a filter that keeps what matches, or as a
/// bitmap whose rows a filter sorts out later.
fn walks(plan: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![plan];
    while let Some(n) = stack.pop() {
        let kind = n["Node Type"].as_str().unwrap_or_default();
        let cond = n["Index Cond"].as_str().unwrap_or_default();
        let whole = cond.starts_with("(workspace_id = '") && !cond.contains(" AND ");
        let filtered = kind.starts_with("Index") && n.get("Filter").is_some();
        if whole && (filtered || kind == "Bitmap Index Scan") {
            found.push(n["Index Name"].as_str().unwrap_or_default().to_string());
        }
        if let Some(children) = n["Plans"].as_array() {
            stack.extend(children.iter());
        }
    }
    found
}

fn page(field: PersonSort, dir: Dir) -> PageRequest<PersonSort> {
    PageRequest {
        sort: Sort { field, dir },
        after: None,
        limit: 50,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_people_list_walks_an_index_range_of_its_workspace() {
    let app = TestApp::start().await;
    let (big, _) = seeded(&app).await;
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    let scope = Scope::Workspace(big);
    let by_name = page(PersonSort::Name, Dir::Asc);
    // A page deep in the cursor: after the 50 first.
    let first = list(&mut conn, &scope, &PersonFilter::default(), &by_name)
        .await
        .unwrap();
    let mut deep = by_name.clone();
    deep.after = by_name.next_key(&first);
    assert!(deep.after.is_some());

    let filters: Vec<(&str, PersonFilter, PageRequest<PersonSort>)> = vec![
        ("by name", PersonFilter::default(), by_name.clone()),
        ("deep in the cursor", PersonFilter::default(), deep),
        (
            "newest first",
            PersonFilter::default(),
            page(PersonSort::CreatedAt, Dir::Desc),
        ),
        (
            "changed last",
            PersonFilter::default(),
            page(PersonSort::UpdatedAt, Dir::Desc),
        ),
        (
            "a name's start",
            PersonFilter {
                q: Some("last4242".into()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "a first name's start",
            PersonFilter {
                q: Some("first4242".into()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "an address's start",
            PersonFilter {
                q: Some("p4242@".into()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "an address",
            PersonFilter {
                email: Some("p4242@example.com".into()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "a status",
            PersonFilter {
                status: Some(PersonStatus::Lead),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "a tag",
            PersonFilter {
                tag: Some("t7".into()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "an owner",
            PersonFilter {
                owner_id: Some(Uuid::now_v7()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "a branch",
            PersonFilter {
                branch_id: Some(Uuid::now_v7()),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "a custom value",
            PersonFilter {
                custom: Some(serde_json::json!({"tier": "tier7"})),
                ..Default::default()
            },
            by_name.clone(),
        ),
        (
            "the trash",
            PersonFilter {
                deleted: true,
                ..Default::default()
            },
            by_name.clone(),
        ),
    ];
    let mut scans = Vec::new();
    for (name, filter, page) in filters {
        let q = list_query(&scope, &filter, &page).unwrap();
        let p = plan(&mut conn, q).await.unwrap();
        let n = nodes(&p);
        if n.iter().any(|(kind, _)| kind == "Seq Scan") {
            scans.push(format!("{name}: {n:?}"));
        }
        // A filter that keeps few rows must find them through an index of
        // its own, never by walking an order of the whole workspace and
        // discarding the rows it does not keep. (A tag and a custom value
        // are left to PostgreSQL's estimate: walking the name order is
        // right for a common one, the inverted index for a rare one.)
        let selective = matches!(
            name,
            "a name's start"
                | "a first name's start"
                | "an address's start"
                | "an address"
                | "an owner"
        );
        if selective {
            for walk in walks(&p) {
                scans.push(format!("{name}: walks {walk}: {p}"));
            }
        }
    }
    assert!(scans.is_empty(), "{}", scans.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_sort_as_their_language_reads_them_whatever_the_cluster_collation() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    for last in ["Zola", "Évrard", "Eve", "emery", "Ozil"] {
        app.post(
            "/api/v1/people",
            Some(&owner.access),
            serde_json::json!({"first_name": "A", "last_name": last}),
        )
        .await
        .expect(201);
    }
    let family_names = |query: &'static str| {
        let (app, owner) = (&app, &owner);
        async move {
            let page: serde_json::Value = app
                .get(&format!("/api/v1/people?{query}"), &owner.access)
                .await
                .expect(200)
                .read();
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["last_name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        family_names("sort=name").await,
        ["emery", "Eve", "Évrard", "Ozil", "Zola"]
    );
    // The start of a family name is a range of that order: its accents do
    // not matter, as in the order itself.
    assert_eq!(family_names("q=ev").await, ["Eve", "Évrard"]);
}

const RECORDS: i32 = 50_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_organization_and_group_list_walks_an_index_range_of_its_workspace() {
    use rapport_db::{groups, organizations};
    use rapport_domain::groups::GroupKind;
    let app = TestApp::start().await;
    let big = app.register("sales").await;
    let small = app.register("sales").await;
    let sql = app.sql().await;
    for (ws, n) in [(big.workspace_id, RECORDS), (small.workspace_id, 200)] {
        sql.execute(
            "INSERT INTO organizations (workspace_id, id, name, domain, industry, owner_id, tags, \
                                        created_at, updated_at) \
             SELECT $1, gen_random_uuid(), 'Company ' || i, 'company' || i || '.example', \
                    'industry' || (i % 300), CASE WHEN i % 500 = 0 THEN $3::uuid END, \
                    ARRAY['t' || (i % 200)], now() - i * interval '1 minute', \
                    now() - i * interval '1 second' \
               FROM generate_series(1, $2) AS i",
            &[&ws, &n, &big.user_id],
        )
        .await
        .unwrap();
        sql.execute(
            "INSERT INTO groups (workspace_id, id, name, kind, leader_id, tags, created_at, updated_at) \
             SELECT $1, gen_random_uuid(), 'Group ' || i, \
                    (ARRAY['class','cohort','team','segment'])[1 + i % 4], \
                    CASE WHEN i % 500 = 0 THEN $3::uuid END, ARRAY['t' || (i % 200)], \
                    now() - i * interval '1 minute', now() - i * interval '1 second' \
               FROM generate_series(1, $2) AS i",
            &[&ws, &n, &big.user_id],
        )
        .await
        .unwrap();
    }
    sql.batch_execute("ANALYZE organizations; ANALYZE groups")
        .await
        .unwrap();
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    let scope = Scope::Workspace(big.workspace_id);
    let mut scans = Vec::new();
    // A selective filter must find its rows through an index of its own,
    // never by walking an order of the whole workspace.
    let mut check = |name: &str, selective: bool, p: serde_json::Value| {
        let n = nodes(&p);
        if n.iter().any(|(kind, _)| kind == "Seq Scan") {
            scans.push(format!("{name}: {n:?}"));
        }
        if selective {
            for walk in walks(&p) {
                scans.push(format!("{name}: walks {walk}: {p}"));
            }
        }
    };

    let by_name = PageRequest {
        sort: Sort {
            field: organizations::OrganizationSort::Name,
            dir: Dir::Asc,
        },
        after: None,
        limit: 50,
    };
    let first = organizations::list(
        &mut conn,
        &scope,
        &organizations::OrganizationFilter::default(),
        &by_name,
    )
    .await
    .unwrap();
    let mut deep = by_name.clone();
    deep.after = by_name.next_key(&first);
    assert!(deep.after.is_some());
    let newest = PageRequest {
        sort: Sort {
            field: organizations::OrganizationSort::CreatedAt,
            dir: Dir::Desc,
        },
        ..by_name.clone()
    };
    let org = organizations::OrganizationFilter::default;
    let organization_lists = vec![
        ("organisations by name", false, org(), by_name.clone()),
        ("organisations deep in the cursor", false, org(), deep),
        ("newest organisations", false, org(), newest),
        (
            "an organisation name's start",
            true,
            organizations::OrganizationFilter {
                q: Some("company 4242".into()),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "a domain's start",
            true,
            organizations::OrganizationFilter {
                q: Some("company4242.".into()),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "a domain",
            true,
            organizations::OrganizationFilter {
                domain: Some("Company4242.example".into()),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "an industry",
            true,
            organizations::OrganizationFilter {
                industry: Some("industry7".into()),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "an organisation owner",
            true,
            organizations::OrganizationFilter {
                owner_id: Some(big.user_id),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "an organisation tag",
            false,
            organizations::OrganizationFilter {
                tag: Some("t7".into()),
                ..org()
            },
            by_name.clone(),
        ),
        (
            "the organisations' trash",
            false,
            organizations::OrganizationFilter {
                deleted: true,
                ..org()
            },
            by_name.clone(),
        ),
    ];
    for (name, selective, filter, page) in organization_lists {
        let q = organizations::list_query(&scope, &filter, &page).unwrap();
        check(name, selective, plan(&mut conn, q).await.unwrap());
    }

    let groups_by_name = PageRequest {
        sort: Sort {
            field: groups::GroupSort::Name,
            dir: Dir::Asc,
        },
        after: None,
        limit: 50,
    };
    let group = groups::GroupFilter::default;
    let group_lists = vec![
        ("groups by name", false, group()),
        (
            "a group name's start",
            true,
            groups::GroupFilter {
                q: Some("group 4242".into()),
                ..group()
            },
        ),
        (
            "a kind",
            false,
            groups::GroupFilter {
                kind: Some(GroupKind::Team),
                ..group()
            },
        ),
        (
            "a leader",
            true,
            groups::GroupFilter {
                leader_id: Some(big.user_id),
                ..group()
            },
        ),
        (
            "a group tag",
            false,
            groups::GroupFilter {
                tag: Some("t7".into()),
                ..group()
            },
        ),
        (
            "a person's groups",
            true,
            groups::GroupFilter {
                person_id: Some(Uuid::now_v7()),
                ..group()
            },
        ),
        (
            "the groups' trash",
            false,
            groups::GroupFilter {
                deleted: true,
                ..group()
            },
        ),
    ];
    for (name, selective, filter) in group_lists {
        let q = groups::list_query(&scope, &filter, &groups_by_name).unwrap();
        check(name, selective, plan(&mut conn, q).await.unwrap());
    }
    assert!(scans.is_empty(), "{}", scans.join("\n"));
}

/// How many statements kept prepared on `conn` hold `text`.
async fn prepared(conn: &mut rapport_db::Conn, text: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let c: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE strpos(statement, $1) > 0",
    )
    .bind::<diesel::sql_types::Text, _>(text)
    .get_result(conn)
    .await
    .unwrap();
    c.n
}

/// Statements diesel cannot prove to have one text (an SQL literal in
/// them, a row inserted with optional columns) are kept prepared all the
/// same: each is prepared once on its connection, whatever its values,
/// rather than parsed and planned again on every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_lists_searches_and_creates_are_prepared_once_per_connection() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    // The filtered page's order, the search's text, the insert, the entry.
    let texts = [
        "(people.sort_name || '')",
        "people.first_name || ' ' || people.last_name",
        "INSERT INTO \"people\"",
        "INSERT INTO \"audit_log\"",
    ];
    // A name's start and a full name, a person with an address and one without.
    round(&mut conn, &owner, ["ada", "mia mem"]).await;
    let mut first = Vec::new();
    for text in texts {
        let n = prepared(&mut conn, text).await;
        assert!(n > 0, "{text} is not kept prepared");
        first.push(n);
    }
    let all = prepared(&mut conn, "").await;
    // The same statements with other values prepare nothing more.
    round(&mut conn, &owner, ["grace", "lea lu"]).await;
    for (text, n) in texts.iter().zip(first) {
        assert_eq!(prepared(&mut conn, text).await, n, "{text}");
    }
    assert_eq!(prepared(&mut conn, "").await, all);
    drop(conn);
    app.stop().await;
}

/// Lists, searches and creates a person for each of `texts`.
async fn round(conn: &mut rapport_db::Conn, owner: &rapport_tests::Session, texts: [&str; 2]) {
    use rapport_db::audit::{append, NewEntry};
    use rapport_db::people::{insert, search, NewPerson};
    let ws = owner.workspace_id;
    let scope = Scope::Workspace(ws);
    for (i, text) in texts.into_iter().enumerate() {
        let filter = PersonFilter {
            q: Some(text.into()),
            ..Default::default()
        };
        list(conn, &scope, &filter, &page(PersonSort::Name, Dir::Asc))
            .await
            .unwrap();
        let s = rapport_db::search::Search {
            words: format!("{}:*", text.replace(' ', ":* & ")),
            text: text.into(),
            limit: 20,
        };
        search(conn, &scope, &s).await.unwrap();
        let person = insert(
            conn,
            &NewPerson {
                workspace_id: ws,
                id: Uuid::now_v7(),
                first_name: text.into(),
                last_name: "Lovelace".into(),
                email: (i == 0).then(|| format!("{}@example.com", Uuid::now_v7().simple())),
                phone: (i == 0).then(|| "+44 20 7946 0000".into()),
                organization_id: None,
                owner_id: (i == 1).then_some(owner.user_id),
                user_id: None,
                branch_id: None,
                status: "active".into(),
                tags: vec![],
                custom_fields: serde_json::json!({}),
                sensitive_fields: None,
            },
        )
        .await
        .unwrap();
        append(
            conn,
            NewEntry {
                workspace_id: ws,
                actor_kind: rapport_domain::api::ActorKind::User,
                actor_id: (i == 0).then_some(owner.user_id),
                action: "person.created",
                record_type: "person",
                record_id: Some(person.id.to_string()),
                changes: serde_json::json!({}),
                ip: (i == 1).then_some("127.0.0.1"),
                user_agent: None,
                request_id: None,
            },
        )
        .await
        .unwrap();
    }
}
