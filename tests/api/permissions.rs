//! Walks every operation of the OpenAPI document with every role, an API key,
//! a caller from another workspace and no credentials, and checks each answer
//! against the permission matrix.

use rapport_domain::{Permission, Role};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::str::FromStr;

struct Op {
    method: Method,
    path: String,
    /// The permission named as the scope of the operation's security.
    permission: Option<Permission>,
    public: bool,
    api_key_allowed: bool,
    has_body: bool,
}

fn operations() -> Vec<Op> {
    let doc = serde_json::to_value(rapport_api::openapi_document()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = Method::from_str(&method.to_uppercase()) else {
                continue;
            };
            let security = op["security"].as_array().cloned().unwrap_or_default();
            let public = security.is_empty()
                || security
                    .iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
            let permission = security
                .iter()
                .filter_map(|r| r.as_object())
                .flat_map(|o| o.values())
                .filter_map(|scopes| scopes.as_array())
                .flatten()
                .filter_map(|s| s.as_str())
                .map(|s| {
                    Permission::from_str(s)
                        .unwrap_or_else(|_| panic!("{path}: unknown permission {s}"))
                })
                .next();
            let api_key_allowed = security.iter().any(|r| r.get("api_key").is_some());
            ops.push(Op {
                method,
                path: path.clone(),
                permission,
                public,
                api_key_allowed,
                has_body: op.get("requestBody").is_some(),
            });
        }
    }
    ops
}

fn concrete(path: &str, ids: &serde_json::Map<String, Value>) -> String {
    let mut out = path.to_string();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value.as_str().unwrap());
    }
    out
}

async fn call(app: &TestApp, op: &Op, path: &str, token: Option<&str>) -> rapport_tests::Resp {
    let body = op.has_body.then(|| json!({}));
    app.call(op.method.clone(), path, token, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_the_matrix_says() {
    let app = TestApp::start().await;
    // A support workspace has all five roles.
    let owner = app.register("support").await;
    let mut sessions: Vec<(Role, Session)> = vec![(Role::Owner, owner.clone())];
    for role in [Role::Admin, Role::Manager, Role::Staff, Role::Member] {
        sessions.push((role, app.add_member(&owner, role.as_str()).await));
    }
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "walker", "scopes": ["*"]}),
        )
        .await
        .expect(201)
        .body["key"]
        .as_str()
        .unwrap()
        .to_string();
    // Records of this workspace, for the outsider to try.
    let staff_id = sessions
        .iter()
        .find(|(r, _)| *r == Role::Staff)
        .unwrap()
        .1
        .user_id;
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": "walk@example.com", "role": "member"}),
        )
        .await
        .expect(201);
    let own_key = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "target", "scopes": ["members:read"]}),
        )
        .await
        .expect(201);
    let person = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Walked"}),
        )
        .await
        .expect(201);
    let organization = app
        .post(
            "/api/v1/organizations",
            Some(&owner.access),
            json!({"name": "Walked Ltd"}),
        )
        .await
        .expect(201);
    // Every module switched on in both workspaces, so that every route answers.
    let all: Vec<&str> = rapport_domain::Module::ALL
        .iter()
        .map(|m| m.as_str())
        .collect();
    let all_modules = async |ws: uuid::Uuid| {
        app.sql()
            .await
            .execute(
                "UPDATE workspaces SET modules = $1 WHERE id = $2",
                &[&all, &ws],
            )
            .await
            .unwrap();
    };
    all_modules(owner.workspace_id).await;
    let group = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Walked group"}),
        )
        .await
        .expect(201);
    let stay = app
        .post(
            &format!(
                "/api/v1/groups/{}/members",
                group.body["id"].as_str().unwrap()
            ),
            Some(&owner.access),
            json!({"person_id": person.body["id"]}),
        )
        .await
        .expect(201);
    let session = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"title": "Walked session", "starts_at": "2026-12-07T10:00:00Z", "ends_at": "2026-12-07T11:00:00Z"}),
        )
        .await
        .expect(201);
    let note = app
        .post(
            "/api/v1/notes",
            Some(&owner.access),
            json!({"person_id": person.body["id"], "body": "Walked note"}),
        )
        .await
        .expect(201);
    let custom_field = app
        .post(
            "/api/v1/custom-fields",
            Some(&owner.access),
            json!({"record_type": "person", "label": "Walked", "kind": "text"}),
        )
        .await
        .expect(201);
    let plan = app
        .post(
            "/api/v1/fee-plans",
            Some(&owner.access),
            json!({"name": "Walked plan", "amount": {"amount_minor": 1000, "currency": "USD"},
                   "person_id": person.body["id"], "first_month": "2026-01-01"}),
        )
        .await
        .expect(201);
    app.post(
        "/api/v1/charges/run",
        Some(&owner.access),
        json!({"month": "2026-01-01"}),
    )
    .await
    .expect(200);
    let charges = app.get("/api/v1/charges", &owner.access).await.expect(200);
    let charge = charges.body["data"][0]["id"].clone();
    let payment = app
        .post(
            "/api/v1/payments",
            Some(&owner.access),
            json!({"person_id": person.body["id"], "amount": {"amount_minor": 500, "currency": "USD"}, "method": "cash"}),
        )
        .await
        .expect(201);
    let import = app
        .upload(
            "/api/v1/imports?record_type=person&filename=walk.csv",
            &owner.access,
            "text/csv",
            b"First name\nWalked\n".to_vec(),
        )
        .await
        .expect(201);
    let conversation = app
        .post(
            "/api/v1/conversations",
            Some(&owner.access),
            json!({"participant_ids": [staff_id], "body": "Walked message"}),
        )
        .await
        .expect(201);
    let branch = app
        .post(
            "/api/v1/branches",
            Some(&owner.access),
            json!({"name": "Walk"}),
        )
        .await
        .expect(201);
    // An invoice: a completed session of the walked person, priced by a
    // rate, with a pay rate for its host and a credit note.
    let rate = app
        .post(
            "/api/v1/rates",
            Some(&owner.access),
            json!({"person_id": person.body["id"], "unit": "session",
                   "amount": {"amount_minor": 1500, "currency": "USD"}}),
        )
        .await
        .expect(201);
    let pay_rate = app
        .post(
            "/api/v1/pay-rates",
            Some(&owner.access),
            json!({"tutor_id": staff_id, "unit": "hour",
                   "amount": {"amount_minor": 1000, "currency": "USD"}}),
        )
        .await
        .expect(201);
    let billed = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"title": "Billed", "host_id": staff_id, "starts_at": "2026-02-02T10:00:00Z",
                   "ends_at": "2026-02-02T11:00:00Z", "participant_ids": [person.body["id"]]}),
        )
        .await
        .expect(201);
    app.call_with(
        Method::PATCH,
        &format!("/api/v1/sessions/{}", billed.body["id"].as_str().unwrap()),
        Some(&owner.access),
        Some(json!({"status": "completed"})),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(200);
    let invoiced = app
        .post(
            "/api/v1/invoices/run",
            Some(&owner.access),
            json!({"month": "2026-02-01"}),
        )
        .await
        .expect(200);
    let invoice = invoiced.body["invoices"][0]["id"].clone();
    let credit = app
        .post(
            &format!(
                "/api/v1/invoices/{}/credit-notes",
                invoice.as_str().unwrap()
            ),
            Some(&owner.access),
            json!({"reason": "Walked", "lines": [{"line": 1, "amount_minor": 100}]}),
        )
        .await
        .expect(201);
    let attachment = app
        .upload(
            "/api/v1/attachments?filename=walk.txt",
            &owner.access,
            "text/plain",
            b"walked".to_vec(),
        )
        .await
        .expect(201);
    let message = app
        .post(
            "/api/v1/messages",
            Some(&owner.access),
            json!({"conversation_id": conversation.body["id"], "body": "Walked reply",
                   "attachment_ids": [attachment.body["id"]]}),
        )
        .await
        .expect(201);
    let outsider = app.register("sales").await;
    all_modules(outsider.workspace_id).await;

    let random = serde_json::Map::from_iter([
        (
            "user_id".to_string(),
            json!(uuid::Uuid::now_v7().to_string()),
        ),
        ("id".to_string(), json!(uuid::Uuid::now_v7().to_string())),
        (
            "member_id".to_string(),
            json!(uuid::Uuid::now_v7().to_string()),
        ),
        ("token".to_string(), json!("no-such-token")),
        ("kind".to_string(), json!("consultation")),
        ("file".to_string(), json!("no-such-feed.ics")),
        (
            "person_id".to_string(),
            json!(uuid::Uuid::now_v7().to_string()),
        ),
    ]);
    let ops = operations();
    assert!(ops.len() >= 25, "only {} operations", ops.len());
    let mut checked = 0;
    for op in &ops {
        if op.path == "/api/v1/ws" {
            continue; // a WebSocket upgrade, tested on its own
        }
        let path = concrete(&op.path, &random);
        let anon = call(&app, op, &path, None).await;
        assert!(
            anon.status < 500,
            "{} {path} anonymous: {}",
            op.method,
            anon.text
        );
        if !op.public {
            assert_eq!(
                anon.status, 401,
                "{} {path} without credentials: {}",
                op.method, anon.text
            );
        }
        for (role, s) in sessions.iter_mut() {
            let res = call(&app, op, &path, Some(&s.access)).await;
            assert!(
                res.status < 500,
                "{} {path} as {role}: {}",
                op.method,
                res.text
            );
            match op.permission {
                // Public routes (sign-in, refresh) answer about the credentials in their body.
                None if op.public => {}
                Some(p) if !p.allowed_for(*role) => {
                    assert_eq!(
                        res.status, 403,
                        "{} {path} as {role} must be refused: {}",
                        op.method, res.text
                    )
                }
                _ => assert!(
                    ![401, 403].contains(&res.status),
                    "{} {path} as {role} must be allowed: {}",
                    op.method,
                    res.text
                ),
            }
            // Signing out ends the session: the walk goes on with a new one.
            if op.path.starts_with("/api/v1/auth/logout") {
                app.get("/api/v1/me", &s.access).await.expect(401);
                let again = app
                    .login(&s.email, rapport_tests::PASSWORD)
                    .await
                    .expect(200);
                *s = Session::from_tokens(&again.body, &s.email);
            }
            checked += 1;
        }
        if !op.public || op.permission.is_some() {
            let res = call(&app, op, &path, Some(&key)).await;
            assert!(
                res.status < 500,
                "{} {path} with a key: {}",
                op.method,
                res.text
            );
            if op.api_key_allowed {
                assert!(
                    ![401, 403].contains(&res.status),
                    "{} {path} with a `*` key must be allowed: {}",
                    op.method,
                    res.text
                );
            } else {
                assert_eq!(
                    res.status, 403,
                    "{} {path} with an API key must be refused: {}",
                    op.method, res.text
                );
            }
        }
        // Another workspace's records answer 404, exactly as absent ones.
        // (A kind of session names no record: each workspace has its own
        // rule of each.)
        if op.path.contains('{') && !op.path.contains("{token}") && !op.path.contains("{kind}") {
            let ids = serde_json::Map::from_iter([
                ("user_id".to_string(), json!(staff_id.to_string())),
                ("member_id".to_string(), stay.body["id"].clone()),
                ("person_id".to_string(), person.body["id"].clone()),
                (
                    "id".to_string(),
                    json!(if op.path.contains("api-keys") {
                        own_key.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/people/") {
                        person.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/organizations/") {
                        organization.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/groups/") {
                        group.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/notes/") {
                        note.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/custom-fields/") {
                        custom_field.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/imports/") {
                        import.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/sessions/") {
                        session.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/fee-plans/") {
                        plan.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/charges/") {
                        charge.clone()
                    } else if op.path.starts_with("/api/v1/payments/") {
                        payment.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/conversations/") {
                        conversation.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/messages/") {
                        message.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/attachments/") {
                        attachment.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/branches/") {
                        branch.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/rates/") {
                        rate.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/pay-rates/") {
                        pay_rate.body["id"].clone()
                    } else if op.path.starts_with("/api/v1/invoices/") {
                        invoice.clone()
                    } else if op.path.starts_with("/api/v1/credit-notes/") {
                        credit.body["id"].clone()
                    } else {
                        inv.body["id"].clone()
                    }),
                ),
            ]);
            // A body the route would take from its own workspace.
            let body = match op.method {
                Method::PATCH if op.path.starts_with("/api/v1/people/") => {
                    Some(json!({"first_name": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/organizations/") => {
                    Some(json!({"name": "Outsider"}))
                }
                Method::PATCH if op.path.contains("/members/{member_id}") => {
                    Some(json!({"left_on": null}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/groups/") => {
                    Some(json!({"name": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/messages/") => {
                    Some(json!({"body": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/notes/") => {
                    Some(json!({"body": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/custom-fields/") => {
                    Some(json!({"label": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/sessions/") => {
                    Some(json!({"title": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/store/items/") => {
                    Some(json!({"stock": 1}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/fee-plans/") => {
                    Some(json!({"name": "Outsider"}))
                }
                Method::PATCH if op.path.starts_with("/api/v1/branches/") => {
                    Some(json!({"name": "Outsider"}))
                }
                Method::PUT if op.path.ends_with("/branches") => Some(json!({"branch_ids": []})),
                Method::PATCH
                    if op.path.starts_with("/api/v1/rates/")
                        || op.path.starts_with("/api/v1/pay-rates/") =>
                {
                    Some(json!({"unit": "session"}))
                }
                Method::POST if op.path.ends_with("/credit-notes") => {
                    Some(json!({"reason": "Outsider", "lines": [{"line": 1}]}))
                }
                Method::PATCH => Some(json!({"role": "staff"})),
                Method::PUT if op.path.starts_with("/api/v1/fee-discounts/") => {
                    Some(json!({"percent": 10, "reason": "Outsider"}))
                }
                Method::PUT if op.path.ends_with("/guardians") => Some(json!({"guardians": []})),
                Method::POST if op.path.ends_with("/void") => Some(json!({"reason": "Outsider"})),
                Method::PUT
                    if op.path.starts_with("/api/v1/availability/")
                        || op.path.ends_with("/availability") =>
                {
                    Some(json!({"time_zone": "UTC"}))
                }
                Method::PUT if op.path.ends_with("/attendance") => Some(
                    json!({"records": [{"person_id": person.body["id"], "status": "present"}]}),
                ),
                Method::POST if op.path.ends_with("/logs") => Some(json!({
                    "id": uuid::Uuid::now_v7(), "version": 1, "completed": true,
                    "logged_at": "2026-01-01T10:00:00Z",
                })),
                Method::POST
                    if op.path.ends_with("/cancel")
                        && (op.path.contains("sessions")
                            || op.path.contains("bookings")
                            || op.path.contains("store")) =>
                {
                    Some(json!({"reason": "Outsider"}))
                }
                Method::POST if op.path.ends_with("/correct") => {
                    Some(json!({"reason": "Outsider"}))
                }
                Method::POST if op.path.ends_with("/reschedule") => {
                    Some(json!({"starts_at": "2027-01-04T10:00:00Z"}))
                }
                Method::POST if op.path.starts_with("/api/v1/imports/") && op.has_body => {
                    Some(json!({"header_row": 1, "columns": [{"field": "first_name"}]}))
                }
                Method::POST if op.path.ends_with("/members") => {
                    Some(json!({"person_id": person.body["id"]}))
                }
                _ => op.has_body.then(|| json!({})),
            };
            let res = app
                .call(
                    op.method.clone(),
                    &concrete(&op.path, &ids),
                    Some(&outsider.access),
                    body,
                )
                .await;
            assert!(
                res.status == 404,
                "{} {} from another workspace: {} {}",
                op.method,
                op.path,
                res.status,
                res.text
            );
        }
    }
    assert!(checked > 100);
    // A module's routes answer 403 `module_disabled` in a workspace that has
    // not switched the module on, whatever the role or key. (Core routes,
    // which every workspace has, are not in this walk.)
    let owner_ws = sessions[0].1.workspace_id.to_string();
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = '{}' WHERE id = $1::text::uuid",
            &[&owner_ws],
        )
        .await
        .unwrap();
    for op in ops
        .iter()
        .filter(|o| o.permission.and_then(Permission::module).is_some())
    {
        let path = concrete(&op.path, &random);
        for token in [sessions[0].1.access.as_str(), key.as_str()] {
            let res = call(&app, op, &path, Some(token)).await;
            assert_eq!(
                (res.status, res.body["code"].as_str()),
                (403, Some("module_disabled")),
                "{} {path} with its module off: {}",
                op.method,
                res.text
            );
        }
    }
    // Nothing of the first workspace changed through the outsider, nor shows in its lists.
    app.get(
        &format!("/api/v1/members?q={}", "staff"),
        &sessions[0].1.access,
    )
    .await
    .expect(200);
    let members = app
        .get("/api/v1/members", &outsider.access)
        .await
        .expect(200);
    assert_eq!(members.body["data"].as_array().unwrap().len(), 1);
    let staff = app
        .get("/api/v1/members?role=staff", &sessions[0].1.access)
        .await
        .expect(200);
    assert_eq!(staff.body["data"][0]["user_id"], staff_id.to_string());
    let invs = app
        .get("/api/v1/invitations", &sessions[0].1.access)
        .await
        .expect(200);
    assert!(invs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == inv.body["id"]));
    let audit = app.get("/api/v1/audit", &outsider.access).await.expect(200);
    assert!(audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["record_id"] != staff_id.to_string()));
    app.stop().await;
}
