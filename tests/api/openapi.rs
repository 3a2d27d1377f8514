use rapport_tests::TestApp;
use reqwest::Method;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");

#[test]
fn the_committed_document_matches_the_code() {
    let doc = rapport_api::openapi::to_pretty_json(&rapport_api::openapi_document());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &doc).expect("writing openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == doc,
        "openapi/openapi.json differs from the routes' document; regenerate it with `UPDATE_OPENAPI=1 cargo test -p rapport-tests --test api openapi`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_serves_the_committed_document_and_swagger_ui() {
    let app = TestApp::start().await;
    let served = app
        .call(Method::GET, "/api-docs/openapi.json", None, None)
        .await
        .expect(200);
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(COMMITTED).unwrap()).unwrap();
    assert_eq!(served.body, committed);
    assert!(served.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let ui = app
        .call(Method::GET, "/api-docs/", None, None)
        .await
        .expect(200);
    assert!(
        ui.text.contains("swagger"),
        "{}",
        &ui.text[..ui.text.len().min(300)]
    );
    app.stop().await;
}
