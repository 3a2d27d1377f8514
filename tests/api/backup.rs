//! The operator's backup of the whole server, and its restore onto a
//! fresh machine.

use rapport_api::backup::crypt::Key;
use rapport_api::backup::dump;
use rapport_tests::{cluster_url, Session, TestApp};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rapport-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn backup(app: &TestApp, files: &Path, key: &Key, out: &Path) -> dump::Manifest {
    let (url, files, key, out) = (
        app.db_url.clone(),
        files.to_path_buf(),
        key.clone(),
        out.to_path_buf(),
    );
    let fields = app.state().config.fields_key.clone();
    tokio::task::spawn_blocking(move || dump::backup(&url, &files, Some(&fields), &key, &out))
        .await
        .unwrap()
        .expect("a backup")
}

/// What a person checks after a restore: the records, in the API's words.
async fn seen(app: &TestApp, s: &Session) -> Vec<Value> {
    let mut v = Vec::new();
    for path in [
        "/api/v1/people?limit=100&sort=name",
        "/api/v1/members",
        "/api/v1/conversations",
        "/api/v1/audit?limit=100",
    ] {
        v.push(app.get(path, &s.access).await.expect(200).body);
    }
    v
}

/// Rows per table, for every table with rows.
async fn counts(app: &TestApp) -> Vec<(String, i64)> {
    let client = app.sql().await;
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM \"{t}\""), &[])
            .await
            .unwrap()
            .get(0);
        out.push((t, n));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_onto_a_fresh_machine_with_every_record_file_and_the_audit_chain() {
    let files_a = temp_dir("files");
    let app = TestApp::start_with(|c| {
        c.run_workers = false;
        c.files_dir = files_a.clone();
    })
    .await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Allergies", "kind": "text", "sensitive": true}),
    )
    .await
    .expect(201);
    for (first, last) in [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Émile", "Zola")] {
        app.post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": first, "last_name": last, "tags": ["restored"],
                   "custom_fields": {"allergies": format!("{first}: peanuts")}}),
        )
        .await
        .expect(201);
    }
    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    let (file, _) = app.send_file(&owner, user.user_id, "plan.pdf", &pdf).await;
    app.settle(owner.workspace_id).await;
    let verified: Value = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200)
        .body;
    assert_eq!(verified["ok"], true);
    let before = seen(&app, &owner).await;
    let rows = counts(&app).await;
    let chain = app
        .texts("SELECT encode(hash, 'hex') FROM audit_log ORDER BY workspace_id, seq")
        .await;

    let key = Key::random();
    let app_fields = app.state().config.fields_key.clone();
    let out = temp_dir("backups").join(dump::file_name(chrono::Utc::now()));
    let made = backup(&app, &files_a, &key, &out).await;
    assert_eq!(made.files, 1);
    assert!(made.database_bytes > 10_000);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"RAPPORT-BACKUP"),
        "encrypted, not a plain zip"
    );
    assert!(
        !bytes.windows(13).any(|w| w == b"database.dump"),
        "no zip in the clear"
    );

    // The machine is lost: its database and its files.
    app.stop().await;
    std::fs::remove_dir_all(&files_a).unwrap();

    // A fresh one: an empty database and no files.
    let url = rapport_db::testdb::empty(&cluster_url().await)
        .await
        .unwrap();
    // Its data directory is not there yet.
    let machine = temp_dir("machine");
    let files_b = machine.join("var").join("files");
    let tables = |url: String| async move {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        n
    };

    // The wrong key, or a damaged file, changes nothing.
    let e = dump::restore(&url, &files_b, &Key::random(), &out, false, None, &|_| {
        Ok(())
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("another key"), "{e:#}");
    // A server with another fields key could not open the sensitive values.
    let e = dump::restore(
        &url,
        &files_b,
        &key,
        &out,
        false,
        Some(&Key::random()),
        &|_| Ok(()),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("fields key"), "{e:#}");
    let mut damaged = bytes.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 0x40;
    let damaged_path = out.with_extension("damaged");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let e = dump::restore(
        &url,
        &files_b,
        &key,
        &damaged_path,
        false,
        None,
        &|_| Ok(()),
    )
    .await
    .unwrap_err();
    assert!(format!("{e:#}").contains("damaged"), "{e:#}");
    assert_eq!(tables(url.clone()).await, 0);
    assert!(!files_b.exists(), "no file was put back");
    let left: Vec<_> = std::fs::read_dir(machine.join("var"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "nothing of the backup is left in the clear: {left:?}"
    );

    let kept = std::sync::Mutex::new(None::<String>);
    let done = dump::restore(&url, &files_b, &key, &out, false, None, &|k| {
        *kept.lock().unwrap() = Some(k.to_hex());
        Ok(())
    })
    .await
    .expect("restored");
    assert_eq!(done.files, 1);
    assert_eq!(
        kept.lock().unwrap().as_deref(),
        Some(app_fields.to_hex().as_str()),
        "the backup's fields key is handed over to be kept"
    );
    assert_eq!(done.manifest.created_at, made.created_at);
    // Once restored, it is not restored over without being asked to.
    let e = dump::restore(&url, &files_b, &key, &out, false, None, &|_| {
        panic!("no key is kept when the database is not empty")
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("already holds"), "{e:#}");

    let fields_key = done
        .fields_key
        .clone()
        .expect("the backup carries its fields key");
    let app = TestApp::on_database(url.clone(), |c| {
        c.run_workers = false;
        c.files_dir = files_b.clone();
        c.fields_key = fields_key.clone();
    })
    .await;
    assert_eq!(counts(&app).await, rows, "every table holds what it held");
    assert_eq!(
        app.texts("SELECT encode(hash, 'hex') FROM audit_log ORDER BY workspace_id, seq")
            .await,
        chain
    );
    // The owner signs in with their password as before and sees it all.
    let owner_again = app.sign_in(&owner.email).await;
    assert_eq!(seen(&app, &owner_again).await[..3], before[..3]);
    let verified: Value = app
        .get("/api/v1/audit/verify", &owner_again.access)
        .await
        .expect(200)
        .body;
    assert_eq!(verified["ok"], true, "{verified}");
    let path = format!("/api/v1/attachments/{file}");
    let got = app.get(&path, &owner_again.access).await.expect(200).bytes;
    assert!(got == pdf, "the attached file comes back whole");
    // The sensitive values open with the restored key.
    let people: Value = app
        .get("/api/v1/people?limit=10&q=Lovelace", &owner_again.access)
        .await
        .expect(200)
        .body;
    let ada = people["data"][0]["id"].as_str().unwrap().to_string();
    let ada: Value = app
        .get(&format!("/api/v1/people/{ada}"), &owner_again.access)
        .await
        .expect(200)
        .body;
    assert_eq!(ada["custom_fields"]["allergies"], "Ada: peanuts");
    let user_again = app.sign_in(&user.email).await;
    assert!(got == app.get(&path, &user_again.access).await.expect(200).bytes);

    // Asked to, a restore replaces what the database holds.
    app.post(
        "/api/v1/people",
        Some(&owner_again.access),
        json!({"first_name": "After", "last_name": "Backup"}),
    )
    .await
    .expect(201);
    app.stop().await;
    dump::restore(&url, &files_b, &key, &out, true, Some(&fields_key), &|_| {
        Ok(())
    })
    .await
    .expect("replaced");
    let app = TestApp::on_database(url.clone(), |c| c.files_dir = files_b.clone()).await;
    assert_eq!(
        app.count("SELECT count(*) FROM people WHERE last_name = 'Backup'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM people WHERE 'restored' = ANY(tags)")
            .await,
        3
    );
    app.stop().await;
    rapport_db::testdb::discard(&cluster_url().await, &url)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&machine);
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_backup_keeps_the_newest_and_each_restores() {
    assert!(rapport_api::jobs::schedules()
        .iter()
        .any(|s| s.name == "backup.daily" && s.period == chrono::Duration::days(1)));
    let url = rapport_tests::fresh_database().await;
    let dir = temp_dir("backups");
    let files = temp_dir("files");
    let key = Key::random();
    let app = TestApp::on_database(url.clone(), |c| {
        c.run_workers = false;
        c.files_dir = files.clone();
        c.backups = Some(rapport_api::config::Backups {
            database_url: url.clone(),
            dir: dir.clone(),
            key: key.clone(),
            keep: 2,
        });
    })
    .await;
    let owner = app.register("school").await;
    let state = app.state();
    for i in 0..3 {
        app.post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": format!("Pupil {i}")}),
        )
        .await
        .expect(201);
        app.sql()
            .await
            .batch_execute("INSERT INTO jobs (kind, payload) VALUES ('backup.scheduled', '{}')")
            .await
            .unwrap();
        while rapport_api::jobs::work_one(&state, "here").await {}
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'backup.scheduled' AND status <> 'done'")
            .await,
        0,
        "every backup job finished"
    );
    let mut kept: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // The newest holds all three pupils.
    let fresh = rapport_db::testdb::empty(&cluster_url().await)
        .await
        .unwrap();
    dump::restore(
        &fresh,
        &temp_dir("files"),
        &key,
        &kept[1],
        false,
        None,
        &|_| Ok(()),
    )
    .await
    .unwrap();
    let restored = TestApp::on_database(fresh.clone(), |c| c.run_workers = false).await;
    assert_eq!(
        restored
            .count("SELECT count(*) FROM people WHERE first_name LIKE 'Pupil %'")
            .await,
        3
    );
    restored.stop().await;
    app.stop().await;
    for db in [&fresh, &url] {
        rapport_db::testdb::discard(&cluster_url().await, db)
            .await
            .unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&files);
}
