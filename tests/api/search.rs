use rapport_domain::api::{SearchKind, SearchResults};
use rapport_tests::{Session, TestApp};
use serde_json::json;

async fn find(app: &TestApp, by: &Session, q: &str) -> Vec<(SearchKind, String)> {
    find_as(app, &by.access, q).await
}

async fn find_as(app: &TestApp, token: &str, q: &str) -> Vec<(SearchKind, String)> {
    let found: SearchResults = app
        .get(&format!("/api/v1/search?q={}", urlencode(q)), token)
        .await
        .expect(200)
        .read();
    found.data.into_iter().map(|h| (h.kind, h.title)).collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn titles(hits: &[(SearchKind, String)]) -> Vec<&str> {
    hits.iter().map(|(_, t)| t.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_search_finds_people_organisations_and_groups_by_words_accents_and_typos() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    // Groups too, for this search.
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = array_append(modules, 'groups') WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    for (first, last, email) in [
        ("Ada", "Lovelace", "ada@analytical.example"),
        ("Chloé", "Dubois", "chloe@mail.example"),
        ("Adam", "Smith", "adam@mail.example"),
        ("Grace", "Hopper", "grace@navy.example"),
    ] {
        app.post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": first, "last_name": last, "email": email}),
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/v1/organizations",
        Some(&owner.access),
        json!({"name": "Analytical Engines", "domain": "analytical.example"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/groups",
        Some(&owner.access),
        json!({"name": "Adaptive learners", "kind": "segment"}),
    )
    .await
    .expect(201);

    // Words that start words, in any order, across every kind.
    assert_eq!(
        titles(&find(&app, &owner, "love ada").await),
        ["Ada Lovelace"]
    );
    let ada = find(&app, &owner, "ada").await;
    assert!(
        ada.contains(&(SearchKind::Person, "Ada Lovelace".into())),
        "{ada:?}"
    );
    assert!(
        ada.contains(&(SearchKind::Person, "Adam Smith".into())),
        "{ada:?}"
    );
    assert!(
        ada.contains(&(SearchKind::Group, "Adaptive learners".into())),
        "{ada:?}"
    );
    // Addresses and domains are found by their words.
    let mut analytical = find(&app, &owner, "analytical").await;
    analytical.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        analytical,
        [
            (SearchKind::Person, "Ada Lovelace".to_string()),
            (SearchKind::Organization, "Analytical Engines".to_string())
        ]
    );
    assert_eq!(
        titles(&find(&app, &owner, "grace@navy").await),
        ["Grace Hopper"]
    );
    // Accents do not matter, either way.
    assert_eq!(titles(&find(&app, &owner, "chloe").await), ["Chloé Dubois"]);
    assert_eq!(
        titles(&find(&app, &owner, "DUBOÎS").await),
        ["Chloé Dubois"]
    );
    // A typo still finds the name, after what matches exactly.
    assert_eq!(
        titles(&find(&app, &owner, "lovlace").await),
        ["Ada Lovelace"]
    );
    assert_eq!(titles(&find(&app, &owner, "hoper").await), ["Grace Hopper"]);
    // Nothing alike, nothing found; punctuation alone is no search.
    assert!(find(&app, &owner, "zzyzx").await.is_empty());
    assert!(find(&app, &owner, "%_*&|!").await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_keeps_to_what_the_caller_may_see() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Mira", "last_name": "Self", "user_id": student.user_id}),
    )
    .await
    .expect(201);
    let other: serde_json::Value = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Mira", "last_name": "Other"}),
        )
        .await
        .expect(201)
        .body;
    app.post(
        "/api/v1/people",
        Some(&stranger.access),
        json!({"first_name": "Mira", "last_name": "Stranger"}),
    )
    .await
    .expect(201);

    let mut all = titles(&find(&app, &owner, "mira").await)
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    all.sort();
    assert_eq!(all, ["Mira Other", "Mira Self"], "only this workspace's");
    assert_eq!(
        titles(&find(&app, &student, "mira").await),
        ["Mira Self"],
        "a student finds themself only"
    );
    // The deleted are not found.
    app.delete(
        &format!("/api/v1/people/{}", other["id"].as_str().unwrap()),
        &owner.access,
    )
    .await
    .expect(204);
    assert_eq!(titles(&find(&app, &owner, "mira").await), ["Mira Self"]);
    // An API key finds what its scopes read, and nothing else.
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "groups only", "scopes": ["groups:read", "workspace:read"]}),
        )
        .await
        .expect(201)
        .body["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(find_as(&app, &key, "mira").await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_searches_are_refused() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    for (query, field) in [
        ("q=", "q"),
        ("q=%20%20", "q"),
        (&format!("q={}", "a".repeat(201)) as &str, "q"),
        ("q=a&limit=0", "limit"),
        ("q=a&limit=51", "limit"),
    ] {
        let res = app
            .get(&format!("/api/v1/search?{query}"), &owner.access)
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{query}");
    }
    for query in ["", "q=a&limit=ten", "q=a&sort=name"] {
        let res = app
            .get(&format!("/api/v1/search?{query}"), &owner.access)
            .await;
        assert_eq!(res.status, 422, "{query}: {}", res.text);
    }
    app.get("/api/v1/search?q=a", "").await.expect(401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_names_starting_with_the_text_fill_the_page_they_are_the_page() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    for (first, last, email) in [
        ("Ann", "Smith", "ann@example.com"),
        ("Bob", "Smithers", "bob@example.com"),
        ("Smithy", "Jones", "cy@example.com"),
        ("Dee", "Brown", "dee.smith@example.com"),
        ("Eve", "Smyth", "eve@example.com"),
    ] {
        app.post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": first, "last_name": last, "email": email}),
        )
        .await
        .expect(201);
    }
    let found: SearchResults = app
        .get("/api/v1/search?q=smith&limit=3", &owner.access)
        .await
        .expect(200)
        .read();
    let mut names: Vec<String> = found.data.into_iter().map(|h| h.title).collect();
    names.sort();
    assert_eq!(names, ["Ann Smith", "Bob Smithers", "Smithy Jones"]);
    // A page they do not fill takes words anywhere and names alike too.
    let all = titles(&find(&app, &owner, "smith").await).len();
    assert!(all >= 4, "the address's word and the alike name: {all}");
}
