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

#[test]
fn every_reference_names_a_schema_of_the_document() {
    let doc: serde_json::Value =
        serde_json::to_value(rapport_api::openapi_document()).expect("the document as JSON");
    let mut dangling = Vec::new();
    let mut stack = vec![&doc];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(|r| r.as_str()) {
                    let path = r.trim_start_matches("#/").replace('/', "\u{0}");
                    let found = path.split('\u{0}').try_fold(&doc, |at, key| at.get(key));
                    if found.is_none() {
                        dangling.push(r.to_string());
                    }
                }
                stack.extend(o.values());
            }
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    dangling.sort();
    dangling.dedup();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
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

/// Every handler's return type names the body its `utoipa::path` documents:
/// `Json<T>` or `Reply<T>` for a documented `body = T`, `NoContent` or
/// `Reply<()>` for an answer without one. Only the answers that are not JSON
/// (the WebSocket upgrade, the metrics text) build a raw response.
#[test]
fn every_handler_returns_the_body_its_document_names() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/api/src");
    let mut files = vec![std::path::PathBuf::from(root)];
    let mut handlers = 0;
    let mut wrong = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let squeezed: String = source.split_whitespace().collect();
        for block in squeezed.split("#[utoipa::path(").skip(1) {
            let Some((attr, rest)) = block.split_once(")]#[") else {
                continue;
            };
            let Some(signature) = rest.split_once("pubasyncfn").map(|(_, s)| s) else {
                continue;
            };
            let name: String = signature.chars().take_while(|c| *c != '(').collect();
            let returns = signature
                .split_once("->")
                .and_then(|(_, r)| r.split_once('{'))
                .map(|(r, _)| r.to_string())
                .unwrap_or_default();
            let returns = returns
                .strip_prefix("ApiResult<")
                .and_then(|r| r.strip_suffix('>'))
                .unwrap_or(&returns);
            let returns = returns
                .strip_prefix("Result<")
                .and_then(|r| r.strip_suffix(",ApiError>"))
                .unwrap_or(returns);
            let documented = attr
                .split("(status=")
                .skip(1)
                .find(|r| r.starts_with('2'))
                .map(|r| {
                    r.split_once("body=")
                        .map(|(_, b)| {
                            let mut depth = 0;
                            b.chars()
                                .take_while(|c| {
                                    match c {
                                        '<' => depth += 1,
                                        '>' => depth -= 1,
                                        ',' | ')' if depth == 0 => return false,
                                        _ => {}
                                    }
                                    true
                                })
                                .collect::<String>()
                        })
                        .unwrap_or_default()
                });
            let Some(documented) = documented else {
                continue; // 101: the WebSocket upgrade
            };
            handlers += 1;
            let body = returns
                .strip_prefix("Json<")
                .or_else(|| returns.strip_prefix("Reply<"))
                .and_then(|r| r.strip_suffix('>'));
            let agrees = match (documented.as_str(), body, returns) {
                ("", Some("()"), _) | ("", None, "NoContent") => true,
                // Text, not JSON.
                ("String", None, "HttpResponse") => name == "metrics",
                // A file: text or bytes.
                ("String" | "Vec<u8>", None, "File") => true,
                // A file in one of several forms, each with its content type.
                ("", None, "File") => attr.contains("content((String=\"text/csv\")"),
                (doc, Some(b), _) => doc == b,
                _ => false,
            };
            if !agrees {
                wrong.push(format!(
                    "{}: {name} documents `{documented}` and returns `{returns}`",
                    path.display()
                ));
            }
        }
    }
    assert!(handlers >= 25, "the handlers are found: {handlers}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
