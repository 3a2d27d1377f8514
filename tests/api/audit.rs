use rapport_tests::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_audited_with_who_what_and_from_where() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    app.call_with(
        reqwest::Method::PATCH,
        &format!("/api/v1/members/{}", teacher.user_id),
        Some(&owner.access),
        Some(json!({"role": "admin"})),
        &[
            ("user-agent", "audit-test/1.0"),
            ("x-request-id", "req-audit-1"),
        ],
    )
    .await
    .expect(200);
    let entries = app
        .get("/api/v1/audit?action=member.updated", &owner.access)
        .await
        .expect(200);
    let e = &entries.body["data"][0];
    assert_eq!(e["actor"]["kind"], "user");
    assert_eq!(e["actor"]["id"], owner.user_id.to_string());
    assert_eq!(e["record_type"], "member");
    assert_eq!(e["record_id"], teacher.user_id.to_string());
    assert_eq!(e["changes"]["role"]["before"], "staff");
    assert_eq!(e["changes"]["role"]["after"], "admin");
    assert_eq!(e["ip"], "127.0.0.1");
    assert_eq!(e["user_agent"], "audit-test/1.0");
    assert_eq!(e["request_id"], "req-audit-1");
    // Filters by actor and record, newest first, a page at a time.
    let by_teacher = app
        .get(
            &format!("/api/v1/audit?actor_id={}", teacher.user_id),
            &owner.access,
        )
        .await
        .expect(200);
    assert!(by_teacher.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"]["id"] == teacher.user_id.to_string()));
    let record = app
        .get(
            &format!(
                "/api/v1/audit?record_type=member&record_id={}",
                teacher.user_id
            ),
            &owner.access,
        )
        .await
        .expect(200);
    let actions: Vec<&str> = record.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["member.updated", "member.added"]);
    let page = app
        .get("/api/v1/audit?limit=2", &owner.access)
        .await
        .expect(200);
    let next = page.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/audit?limit=200&cursor={next}"),
            &owner.access,
        )
        .await
        .expect(200);
    let first_seq = page.body["data"][1]["seq"].as_i64().unwrap();
    assert_eq!(rest.body["data"][0]["seq"].as_i64().unwrap(), first_seq - 1);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339()
        .replace('+', "%2B");
    let none = app
        .get(&format!("/api/v1/audit?since={future}"), &owner.access)
        .await
        .expect(200);
    assert!(none.body["data"].as_array().unwrap().is_empty());
    app.get("/api/v1/audit?since=yesterday", &owner.access)
        .await
        .expect(422);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_an_entry_altered_directly_in_sql() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    for role in ["staff", "member", "manager"] {
        app.add_member(&owner, role).await;
    }
    let ok = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200);
    assert_eq!(ok.body["ok"], true);
    let checked = ok.body["checked"].as_i64().unwrap();
    assert!(checked >= 8, "{checked}");
    assert!(ok.body["first_bad"].is_null());
    let sql = app.sql().await;
    // No route, and no plain SQL, may rewrite history.
    assert!(sql
        .execute("UPDATE audit_log SET action = 'x' WHERE seq = 3", &[])
        .await
        .is_err());
    assert!(sql
        .execute("DELETE FROM audit_log WHERE seq = 3", &[])
        .await
        .is_err());
    // Someone with the rights to bypass that changes entry 4's payload.
    sql.batch_execute(&format!(
        "SET session_replication_role = replica;
         UPDATE audit_log SET changes = '{{\"role\": {{\"after\": \"owner\"}}}}' WHERE workspace_id = '{}' AND seq = 4;
         SET session_replication_role = DEFAULT;",
        owner.workspace_id
    ))
    .await
    .unwrap();
    let bad = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200);
    assert_eq!(bad.body["ok"], false);
    assert_eq!(bad.body["first_bad"], 4);
    app.stop().await;
}

async fn verify(app: &TestApp, s: &rapport_tests::Session) -> serde_json::Value {
    app.get("/api/v1/audit/verify", &s.access)
        .await
        .expect(200)
        .body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_redacts_personal_fields_only_and_the_chain_still_verifies() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let member = app.add_member(&owner, "member").await;
    app.settle(owner.workspace_id).await;
    let sql = app.sql().await;
    // The invitation's entry: {"email": .., "role": ..}, with an address.
    let row = sql
        .query_one(
            "SELECT seq, changes FROM audit_log WHERE workspace_id = $1 AND action = 'invitation.created'",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    let seq: i64 = row.get(0);
    let before: serde_json::Value = row.get(1);
    assert_eq!(before["email"]["after"], member.email.as_str());
    let state = app.state();
    let mut conn = state.pool.get().await.unwrap();
    let by = rapport_db::audit::NewEntry {
        workspace_id: owner.workspace_id,
        actor_kind: rapport_domain::api::ActorKind::System,
        actor_id: None,
        action: "",
        record_type: "",
        record_id: None,
        changes: json!({}),
        ip: None,
        user_agent: None,
        request_id: None,
    };
    let erased = rapport_db::audit::erase(
        &mut conn,
        owner.workspace_id,
        seq,
        &["email".to_string()],
        by.clone(),
    )
    .await
    .unwrap();
    assert!(erased);
    // Only once.
    assert!(!rapport_db::audit::erase(
        &mut conn,
        owner.workspace_id,
        seq,
        &["email".to_string()],
        by
    )
    .await
    .unwrap());
    drop(conn);
    let row = sql
        .query_one(
            "SELECT changes, ip, redacted FROM audit_log WHERE workspace_id = $1 AND seq = $2",
            &[&owner.workspace_id, &seq],
        )
        .await
        .unwrap();
    let after: serde_json::Value = row.get(0);
    assert_eq!(after["email"]["after"], "[erased]");
    assert_eq!(after["role"], before["role"], "what is not personal stays");
    assert_eq!(row.get::<_, Option<String>>(1), None);
    assert!(row.get::<_, bool>(2));
    let v = verify(&app, &owner).await;
    assert_eq!(v["ok"], true, "{v}");
    // The erasure is itself in the chain.
    let last = app
        .get("/api/v1/audit?action=audit.erased", &owner.access)
        .await
        .expect(200);
    assert_eq!(last.body["data"][0]["record_id"], seq.to_string());

    // The old switch no longer opens the log to rewriting ...
    let forged = sql
        .batch_execute(&format!(
            "BEGIN; SET LOCAL rapport.erasure = 'on';
             UPDATE audit_log SET changes = '{{\"role\": {{\"after\": \"owner\"}}}}', redacted = true
              WHERE workspace_id = '{}' AND seq = 1;
             COMMIT;",
            owner.workspace_id
        ))
        .await;
    assert!(
        forged.is_err(),
        "an UPDATE that is not a redaction is refused"
    );
    sql.batch_execute("ROLLBACK").await.ok();
    // ... and a forgery made with the triggers switched off is found by verify.
    sql.batch_execute(&format!(
        "BEGIN; SET LOCAL session_replication_role = replica;
         UPDATE audit_log SET changes = '{{\"role\": {{\"after\": \"owner\"}}}}', redacted = true
          WHERE workspace_id = '{}' AND seq = 1;
         COMMIT;",
        owner.workspace_id
    ))
    .await
    .unwrap();
    let v = verify(&app, &owner).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["first_bad"], 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_keep_one_unbroken_chain() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let invites = (0..12).map(|i| {
        app.post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": format!("c{i}@example.com"), "role": "staff"}),
        )
    });
    for r in futures::future::join_all(invites).await {
        r.expect(201);
    }
    let v = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200);
    assert_eq!(v.body["ok"], true);
    assert_eq!(v.body["checked"], 14);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_refuse_control_characters_instead_of_failing() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let r = app
        .get(
            "/api/v1/audit?record_type=%F0%B4%B7%9F%00%0B",
            &owner.access,
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "record_type");
    app.get("/api/v1/members?q=a%00b", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/audit?action=", &owner.access)
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_outside_what_is_stored_are_refused_not_failed() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    for q in [
        "since=%2B200000-01-01T00:00:00Z",
        "until=-10000-01-01T00:00:00Z",
    ] {
        let r = app.get(&format!("/api/v1/audit?{q}"), &owner.access).await;
        assert_eq!(r.status, 422, "{q}: {}", r.text);
    }
    app.post(
        "/api/v1/api-keys",
        Some(&owner.access),
        json!({"name": "far", "scopes": ["*"], "expires_at": "+200000-01-01T00:00:00Z"}),
    )
    .await
    .expect(422);
    app.stop().await;
}

/// Each kind of change records exactly the fields that changed, before and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entry_names_the_fields_that_changed_and_only_those() {
    use rapport_domain::api::{AuditEntryView, Page};
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "Sync", "scopes": ["members:read"]}),
        )
        .await
        .expect(201);
    let key_id = key.body["id"].as_str().unwrap().to_string();
    app.delete(&format!("/api/v1/api-keys/{key_id}"), &owner.access)
        .await
        .expect(204);
    app.patch(
        &format!("/api/v1/members/{}", teacher.user_id),
        &owner.access,
        json!({"role": "admin"}),
    )
    .await
    .expect(200);
    app.delete(
        &format!("/api/v1/members/{}", teacher.user_id),
        &owner.access,
    )
    .await
    .expect(204);
    let entry = |action: &'static str| {
        let app = &app;
        let owner = &owner;
        async move {
            let page: Page<AuditEntryView> = app
                .get(&format!("/api/v1/audit?action={action}"), &owner.access)
                .await
                .expect(200)
                .read();
            assert_eq!(page.data.len(), 1, "{action}");
            page.data.into_iter().next().unwrap().changes.value()
        }
    };
    let created = entry("api_key.created").await;
    assert_eq!(created["name"]["after"], "Sync");
    assert_eq!(created["scopes"]["after"], json!(["members:read"]));
    assert!(created.get("key").is_none(), "no secret in the trail");
    let revoked = entry("api_key.revoked").await;
    let fields: Vec<&String> = revoked.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["revoked_at"], "{}", revoked);
    assert!(revoked["revoked_at"]["before"].is_null());
    assert!(revoked["revoked_at"]["after"].is_string());
    let updated = entry("member.updated").await;
    let fields: Vec<&String> = updated.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["role"], "{}", updated);
    let removed = entry("member.removed").await;
    assert_eq!(removed["role"]["before"], "admin");
    assert_eq!(removed["email"]["before"], teacher.email.as_str());
    assert!(removed["role"].get("after").is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsealed_entry_takes_its_sealing_once_and_nothing_else() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    app.settle(owner.workspace_id).await;
    let sql = app.sql().await;
    // Inside one transaction, so no sealer sees the entry first.
    let attempt = |change: &str| {
        format!(
            "BEGIN;
             INSERT INTO audit_log (workspace_id, id, occurred_at, actor_kind, action, record_type,
                                    changes, payload_digest)
               VALUES ('{ws}', gen_random_uuid(), now(), 'system', 'test.pending', 'test', '{{}}', '\\x00');
             UPDATE audit_log SET {change} WHERE workspace_id = '{ws}' AND action = 'test.pending';
             ROLLBACK;",
            ws = owner.workspace_id
        )
    };
    let refused = |change: &'static str| {
        let (sql, text) = (&sql, attempt(change));
        async move {
            let e = sql.batch_execute(&text).await.expect_err(change);
            sql.batch_execute("ROLLBACK").await.unwrap();
            e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_default()
        }
    };
    // A place at or below zero is refused, so no entry hides before the chain.
    let no_place = refused("seq = 0, prev_hash = '\\x00', hash = '\\x00'").await;
    assert!(no_place.contains("audit_log_sealed_whole"), "{no_place}");
    // A sealing that changes anything else is refused.
    let changed = refused("seq = 999, prev_hash = '\\x00', hash = '\\x00', action = 'x'").await;
    assert!(changed.contains("append-only"), "{changed}");
    // Half a sealing is refused.
    let half = refused("hash = '\\x00'").await;
    assert!(half.contains("audit_log_sealed_whole"), "{half}");
    // A sealed entry is never sealed again.
    let again = sql
        .batch_execute(&format!(
            "UPDATE audit_log SET hash = '\\x00' WHERE workspace_id = '{}' AND seq = 1",
            owner.workspace_id
        ))
        .await
        .expect_err("a second sealing");
    assert!(format!("{again:?}").contains("append-only"), "{again:?}");
    let ok = verify(&app, &owner).await;
    assert_eq!(ok["ok"], true);
}
