use rapport_tests::{Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_list_pages_with_a_keyset_cursor_and_filters() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    for _ in 0..4 {
        app.add_member(&owner, "member").await;
    }
    app.add_member(&owner, "staff").await;
    let first = app
        .get("/api/v1/members?limit=2", &owner.access)
        .await
        .expect(200);
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = first.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap().to_string())
        .collect();
    let mut cursor = first.body["next_cursor"].as_str().map(String::from);
    while let Some(c) = cursor {
        let page = app
            .get(
                &format!("/api/v1/members?limit=2&cursor={c}"),
                &owner.access,
            )
            .await
            .expect(200);
        seen.extend(
            page.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["user_id"].as_str().unwrap().to_string()),
        );
        cursor = page.body["next_cursor"].as_str().map(String::from);
    }
    assert_eq!(seen.len(), 6);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 6, "no member twice");
    let students = app
        .get("/api/v1/members?role=member", &owner.access)
        .await
        .expect(200);
    assert_eq!(students.body["data"].as_array().unwrap().len(), 4);
    let found = app
        .get("/api/v1/members?q=STAFF%20pers", &owner.access)
        .await
        .expect(200);
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
    app.get("/api/v1/members?limit=0", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/members?limit=500", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/members?cursor=garbage", &owner.access)
        .await
        .expect(422);
    app.get("/api/v1/members?role=emperor", &owner.access)
        .await
        .expect(422);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let path = format!("/api/v1/members/{}", owner.user_id);
    let res = app
        .patch(&path, &owner.access, json!({"role": "admin"}))
        .await
        .expect(409);
    assert_eq!(res.body["code"], "last_owner");
    app.delete(&path, &owner.access).await.expect(409);
    // With a second owner, one may step down.
    let second = app.add_member(&owner, "admin").await;
    app.patch(
        &format!("/api/v1/members/{}", second.user_id),
        &owner.access,
        json!({"role": "owner"}),
    )
    .await
    .expect(200);
    app.patch(&path, &owner.access, json!({"role": "admin"}))
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = TestApp::start().await;
    let a = app.register("support").await;
    let b = app.add_member(&a, "admin").await;
    app.patch(
        &format!("/api/v1/members/{}", b.user_id),
        &a.access,
        json!({"role": "owner"}),
    )
    .await
    .expect(200);
    for _ in 0..3 {
        let (path_a, path_b) = (
            format!("/api/v1/members/{}", a.user_id),
            format!("/api/v1/members/{}", b.user_id),
        );
        let (ra, rb) = tokio::join!(
            app.patch(&path_a, &b.access, json!({"role": "admin"})),
            app.patch(&path_b, &a.access, json!({"role": "admin"})),
        );
        let owners = app
            .sql()
            .await
            .query_one(
                "SELECT count(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'",
                &[&a.workspace_id],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        assert_eq!(owners, 1, "statuses {} {}", ra.status, rb.status);
        assert!(
            [ra.status, rb.status].contains(&409) || [ra.status, rb.status].contains(&403),
            "{} {}",
            ra.text,
            rb.text
        );
        // Restore two owners for the next round.
        let (owner, other) = if ra.status == 200 { (&b, &a) } else { (&a, &b) };
        app.patch(
            &format!("/api/v1/members/{}", other.user_id),
            &owner.access,
            json!({"role": "owner"}),
        )
        .await
        .expect(200);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_cannot_make_or_unmake_owners_and_roles_follow_the_template() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let admin = app.add_member(&owner, "admin").await;
    let teacher = app.add_member(&owner, "staff").await;
    app.patch(
        &format!("/api/v1/members/{}", teacher.user_id),
        &admin.access,
        json!({"role": "owner"}),
    )
    .await
    .expect(403);
    app.patch(
        &format!("/api/v1/members/{}", owner.user_id),
        &admin.access,
        json!({"role": "member"}),
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/members/{}", owner.user_id), &admin.access)
        .await
        .expect(403);
    // A school has no manager role.
    let res = app
        .patch(
            &format!("/api/v1/members/{}", teacher.user_id),
            &admin.access,
            json!({"role": "manager"}),
        )
        .await
        .expect(422);
    assert_eq!(res.body["errors"][0]["field"], "role");
    app.patch(
        &format!("/api/v1/members/{}", teacher.user_id),
        &admin.access,
        json!({"role": "member"}),
    )
    .await
    .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_if_match_answers_412_and_changes_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let rep = app.add_member(&owner, "staff").await;
    let path = format!("/api/v1/members/{}", rep.user_id);
    let first = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({"role": "manager"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(200);
    assert_eq!(first.header("etag"), Some("\"2\""));
    let stale = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({"role": "admin"})),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(412);
    assert_eq!(stale.body["code"], "stale_version");
    app.call_with(
        Method::DELETE,
        &path,
        Some(&owner.access),
        None,
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(412);
    app.call_with(
        Method::PATCH,
        &path,
        Some(&owner.access),
        Some(json!({"role": "admin"})),
        &[("if-match", "nonsense")],
    )
    .await
    .expect(400);
    let list = app
        .get("/api/v1/members?role=manager", &owner.access)
        .await
        .expect(200);
    assert_eq!(list.body["data"][0]["user_id"], rep.user_id.to_string());
    app.call_with(
        Method::DELETE,
        &path,
        Some(&owner.access),
        None,
        &[("if-match", "\"2\"")],
    )
    .await
    .expect(204);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_mailed_expire_and_work_once() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    let email = rapport_tests::email("consultant");
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": email, "role": "staff"}),
        )
        .await
        .expect(201);
    let token = inv.body["token"].as_str().unwrap().to_string();
    let expires: chrono::DateTime<chrono::Utc> =
        inv.body["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "{days}");
    // The mail is queued for the invitee; the inviter's mail viewer shows
    // only the inviter's own mail, never the invitation's live token.
    let row = app
        .sql()
        .await
        .query_one(
            "SELECT to_address, body FROM mail_messages ORDER BY created_at DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), email);
    let body: String = row.get(1);
    assert!(body.contains(&token));
    assert!(body.contains("Consultant"));
    let viewer = app.get("/api/v1/dev/mail", &owner.access).await.expect(200);
    assert!(!viewer.text.contains(&token), "{}", viewer.text);
    // Already a member: 409; a role the template lacks: 422.
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": owner.email, "role": "staff"}),
    )
    .await
    .expect(409);
    app.post(
        "/api/v1/invitations",
        Some(&owner.access),
        json!({"email": "x@example.com", "role": "manager"}),
    )
    .await
    .expect(422);
    // A new person needs a name and a password.
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        None,
        json!({}),
    )
    .await
    .expect(422);
    let joined = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"name": "Casey Consultant", "password": PASSWORD}),
        )
        .await
        .expect(200);
    assert_eq!(joined.body["role"], "staff");
    assert_eq!(
        joined.body["workspace"]["id"],
        owner.workspace_id.to_string()
    );
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        None,
        json!({"name": "Again", "password": PASSWORD}),
    )
    .await
    .expect(404);
    // An expired invitation no longer works.
    let late = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": rapport_tests::email("late"), "role": "member"}),
        )
        .await
        .expect(201);
    app.sql()
        .await
        .execute(
            "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1",
            &[&late.body["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap()],
        )
        .await
        .unwrap();
    app.post(
        &format!(
            "/api/v1/invitations/{}/accept",
            late.body["token"].as_str().unwrap()
        ),
        None,
        json!({"name": "L", "password": PASSWORD}),
    )
    .await
    .expect(404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_user_accepts_with_their_password_and_revoked_or_resent_links_stop_working() {
    let app = TestApp::start().await;
    let a = app.register("school").await;
    let b = app.register("tutoring").await;
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&b.access),
            json!({"email": a.email, "role": "member"}),
        )
        .await
        .expect(201);
    let token = inv.body["token"].as_str().unwrap();
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        None,
        json!({"password": "not the password"}),
    )
    .await
    .expect(401);
    let joined = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"password": PASSWORD}),
        )
        .await
        .expect(200);
    let s = Session::from_tokens(&joined.body, &a.email);
    assert_eq!(s.user_id, a.user_id);
    assert_eq!(s.workspace_id, b.workspace_id);

    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&b.access),
            json!({"email": "r@example.com", "role": "member"}),
        )
        .await
        .expect(201);
    let id = inv.body["id"].as_str().unwrap();
    let resent = app
        .post(
            &format!("/api/v1/invitations/{id}/resend"),
            Some(&b.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_ne!(resent.body["token"], inv.body["token"]);
    app.post(
        &format!(
            "/api/v1/invitations/{}/accept",
            inv.body["token"].as_str().unwrap()
        ),
        None,
        json!({"name": "R", "password": PASSWORD}),
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/invitations/{id}"), &b.access)
        .await
        .expect(204);
    app.delete(&format!("/api/v1/invitations/{id}"), &b.access)
        .await
        .expect(409);
    app.post(
        &format!(
            "/api/v1/invitations/{}/accept",
            resent.body["token"].as_str().unwrap()
        ),
        None,
        json!({"name": "R", "password": PASSWORD}),
    )
    .await
    .expect(404);
    let pending = app.get("/api/v1/invitations", &b.access).await.expect(200);
    assert!(pending.body["data"].as_array().unwrap().is_empty());
    let all = app
        .get("/api/v1/invitations?pending=false", &b.access)
        .await
        .expect(200);
    assert_eq!(all.body["data"].as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_invitation_accepted_twice_at_once_adds_one_member() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": rapport_tests::email("race"), "role": "member"}),
        )
        .await
        .expect(201);
    let path = format!(
        "/api/v1/invitations/{}/accept",
        inv.body["token"].as_str().unwrap()
    );
    let body = json!({"name": "Racer", "password": PASSWORD});
    let (x, y) = tokio::join!(
        app.post(&path, None, body.clone()),
        app.post(&path, None, body.clone())
    );
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses[0], 200, "{} {}", x.text, y.text);
    assert!([404, 409].contains(&statuses[1]), "{} {}", x.text, y.text);
    let members = app.get("/api/v1/members", &owner.access).await.expect(200);
    assert_eq!(members.body["data"].as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_has_one_pending_invitation_even_under_concurrency() {
    let app = TestApp::start().await;
    let owner = app.register("support").await;
    let body = json!({"email": "Twice@Example.com", "role": "member"});
    let calls = (0..4).map(|_| app.post("/api/v1/invitations", Some(&owner.access), body.clone()));
    let mut statuses: Vec<u16> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409]);
    let again = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": "twice@example.com", "role": "staff"}),
        )
        .await
        .expect(409);
    assert_eq!(again.body["code"], "already_invited");
    // Once revoked, the address can be invited again.
    let pending = app
        .get("/api/v1/invitations", &owner.access)
        .await
        .expect(200);
    let id = pending.body["data"][0]["id"].as_str().unwrap().to_string();
    app.delete(&format!("/api/v1/invitations/{id}"), &owner.access)
        .await
        .expect(204);
    app.post("/api/v1/invitations", Some(&owner.access), body)
        .await
        .expect(201);
    app.stop().await;
}
