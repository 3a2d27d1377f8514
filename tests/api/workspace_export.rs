//! The export of everything a workspace holds.

use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;

/// The archive's files by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a whole zip");
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        files.insert(f.name().unwrap().to_string(), b);
    }
    files
}

fn json_of(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(
        files
            .get(name)
            .unwrap_or_else(|| panic!("{name} in the archive")),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A CSV file's rows, the header first.
fn csv_of(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(&files[name]).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

async fn export(app: &TestApp, token: &str) -> BTreeMap<String, Vec<u8>> {
    let res = app.get("/api/v1/workspace/export", token).await.expect(200);
    assert_eq!(res.header("content-type"), Some("application/zip"));
    assert!(res
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment; filename=\"workspace-")));
    unzip(&res.bytes)
}

async fn person(app: &TestApp, by: &Session, body: Value) -> Value {
    app.post("/api/v1/people", Some(&by.access), body)
        .await
        .expect(201)
        .body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_downloads_every_record_and_file_of_the_workspace_and_nothing_else() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    let admin = app.add_member(&owner, "admin").await;
    let moderator = app.add_member(&owner, "manager").await;
    let user = app.add_member(&owner, "member").await;
    let stranger = app.register("tutoring").await;
    person(
        &app,
        &stranger,
        json!({"first_name": "Zebulon", "last_name": "Elsewhere"}),
    )
    .await;

    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "School", "kind": "text"}),
    )
    .await
    .expect(201);
    let ada = person(
        &app,
        &owner,
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
               "tags": ["maths", "=cmd"], "custom_fields": {"school": "St Mary's"}}),
    )
    .await;
    app.sql()
        .await
        .execute(
            "INSERT INTO people (workspace_id, id, first_name, last_name)
             SELECT $1, gen_random_uuid(), 'Bulk', 'Student ' || i FROM generate_series(1, 1203) i",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    person(
        &app,
        &owner,
        json!({"first_name": "=cmd()", "last_name": "Formula"}),
    )
    .await;
    app.api_key(&owner, json!(["people:read"])).await;

    // A file sent in a conversation goes with the export.
    let pdf: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..70_000u32).map(|i| (i % 251) as u8))
        .collect();
    let (file, _) = app
        .send_file(
            &moderator,
            user.user_id,
            "Homework%3A%20week%201%3F.pdf",
            &pdf,
        )
        .await;

    let files = export(&app, &admin.access).await;

    // The workspace and its members.
    assert_eq!(
        json_of(&files, "workspace.json")["id"],
        json!(owner.workspace_id)
    );
    let members = csv_of(&files, "members.csv");
    assert_eq!(
        members[0],
        [
            "user_id",
            "name",
            "email",
            "role",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(members.len(), 5);
    assert!(members
        .iter()
        .any(|m| m[2] == owner.email && m[3] == "owner"));

    // Every person, once, in JSON and in CSV, custom fields and all.
    let people = json_of(&files, "people.json");
    let people = people.as_array().unwrap();
    assert_eq!(people.len(), 1205);
    let exported_ada = people.iter().find(|p| p["id"] == ada["id"]).unwrap();
    assert_eq!(exported_ada["custom_fields"]["school"], "St Mary's");
    assert_eq!(exported_ada["email"], "ada@example.com");
    assert!(exported_ada.get("workspace_id").is_none());
    let rows = csv_of(&files, "people.csv");
    assert_eq!(rows.len(), 1206);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let ada_row = rows
        .iter()
        .find(|r| r[col("id")] == ada["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(ada_row[col("first_name")], "Ada");
    assert_eq!(ada_row[col("custom_fields")], r#"{"school":"St Mary's"}"#);
    let ids: std::collections::HashSet<&String> = rows[1..].iter().map(|r| &r[col("id")]).collect();
    assert_eq!(ids.len(), 1205, "each person once");

    // The attached file, whole, under a name that stays in its folder.
    let name = format!("attachments/{}/Homework_ week 1_.pdf", file);
    let keys: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("attachments/"))
        .collect();
    assert!(files.get(&name) == Some(&pdf), "{name} in {keys:?}");
    assert_eq!(
        json_of(&files, "message_attachments.json")
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The audit log, its chain sealed and the export itself its last entry.
    let audit = json_of(&files, "audit_log.json");
    let audit = audit.as_array().unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last["action"], "workspace.exported");
    assert_eq!(last["actor_id"], json!(admin.user_id));
    assert!(
        audit.iter().all(|e| e["hash"].is_string()),
        "every entry sealed"
    );
    for pair in audit.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }

    // The manifest counts what each file holds and says what is left out.
    let manifest = json_of(&files, "manifest.json");
    assert_eq!(manifest["rows"]["people"], 1205);
    assert_eq!(manifest["rows"]["audit_log"], audit.len());
    assert_eq!(manifest["attachments"], 1);
    assert!(manifest["left_out"]["refresh_tokens"].is_string());

    // No secret and nothing of another workspace.
    let keys = json_of(&files, "api_keys.json");
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys[0].get("secret_hash").is_none());
    // The hashes kept of the key's secret, of the sign-in sessions and of
    // the passwords: none of them goes out.
    let hashes = app
        .texts(
            "SELECT encode(secret_hash, 'hex') FROM api_keys
             UNION ALL SELECT encode(token_hash, 'hex') FROM refresh_tokens
             UNION ALL SELECT password_hash FROM users",
        )
        .await;
    assert!(hashes.len() >= 6, "{hashes:?}");
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("Zebulon"),
            "{name} holds another workspace's person"
        );
        assert!(!text.contains(&stranger.workspace_id.to_string()), "{name}");
        for h in &hashes {
            assert!(!text.contains(h.as_str()), "{name} holds a secret's hash");
        }
        assert!(!text.contains("$argon2"), "{name} holds a password hash");
    }
    // A formula in a cell is never run.
    let formula = rows
        .iter()
        .find(|r| r[col("first_name")].contains("cmd"))
        .unwrap();
    assert_eq!(formula[col("first_name")], "'=cmd()");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_owners_admins_and_keys_with_the_scope_export() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    person(&app, &owner, json!({"first_name": "Grace"})).await;
    for role in ["manager", "member"] {
        let s = app.add_member(&owner, role).await;
        app.get("/api/v1/workspace/export", &s.access)
            .await
            .expect(403);
    }
    let without = app
        .api_key(&owner, json!(["people:read", "audit:read"]))
        .await;
    app.get("/api/v1/workspace/export", &without)
        .await
        .expect(403);
    let with = app.api_key(&owner, json!(["export:read"])).await;
    let files = unzip(
        &app.get("/api/v1/workspace/export", &with)
            .await
            .expect(200)
            .bytes,
    );
    assert_eq!(json_of(&files, "people.json")[0]["first_name"], "Grace");
    // Nobody signed in gets nothing.
    app.get("/api/v1/workspace/export", "not-a-token")
        .await
        .expect(401);
    // The export is in the audit trail; the refusals changed nothing.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'workspace.exported'")
            .await,
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_of_a_workspace_is_exported_or_said_to_be_left_out() {
    let app = TestApp::start().await;
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    let tables = rapport_db::export::workspace_tables(&mut conn)
        .await
        .unwrap();
    assert!(tables.len() > 40, "{tables:?}");
    for t in &tables {
        let exported = rapport_db::export::KINDS.iter().any(|k| k.table == t);
        let left = rapport_db::export::KEPT_BACK.iter().any(|(k, _)| k == t);
        assert!(
            exported ^ left,
            "the table {t} must be either exported or said to be left out (rapport_db::export)"
        );
    }
    for k in rapport_db::export::KINDS {
        assert!(
            tables.iter().any(|t| t == k.table),
            "{} is no table",
            k.table
        );
    }
    drop(conn);
    app.stop().await;
}
