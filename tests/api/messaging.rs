//! Conversations: one direct conversation per pair, unread counts and
//! read receipts, who may write to whom, broadcasts with a read state per
//! recipient, edits and deletions by their author, and a conversation
//! seen by its members alone, over HTTP and live.

use crate::events::{connect, next_event};
use rapport_domain::api::{
    AttachmentView, BroadcastView, ContactView, ConversationKind, ConversationView, InboxView,
    MessageView, Page, PersonView,
};
use rapport_tests::{email, Session, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

async fn start(app: &TestApp, by: &Session, to: &[Uuid], body: &str) -> ConversationView {
    app.post(
        "/api/v1/conversations",
        Some(&by.access),
        json!({"participant_ids": to, "body": body}),
    )
    .await
    .expect(201)
    .read()
}

async fn send(app: &TestApp, by: &Session, conversation: Uuid, body: &str) -> MessageView {
    app.post(
        "/api/v1/messages",
        Some(&by.access),
        json!({"conversation_id": conversation, "body": body}),
    )
    .await
    .expect(201)
    .read()
}

async fn inbox(app: &TestApp, who: &Session) -> InboxView {
    app.get("/api/v1/inbox", &who.access)
        .await
        .expect(200)
        .read()
}

async fn conversations(app: &TestApp, who: &Session, query: &str) -> Vec<ConversationView> {
    let page: Page<ConversationView> = app
        .get(&format!("/api/v1/conversations?{query}"), &who.access)
        .await
        .expect(200)
        .read();
    page.data
}

async fn history(app: &TestApp, who: &Session, conversation: Uuid) -> Vec<MessageView> {
    let page: Page<MessageView> = app
        .get(
            &format!("/api/v1/messages?conversation_id={conversation}&sort=created_at"),
            &who.access,
        )
        .await
        .expect(200)
        .read();
    page.data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_have_one_conversation_with_unread_counts_and_receipts() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let moderator = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "member").await;
    let mut live = connect(&app, &user, None).await;

    let c = start(
        &app,
        &moderator,
        &[user.user_id],
        "Can we move **Thursday**?<script>alert(1)</script>",
    )
    .await;
    assert_eq!(c.kind, ConversationKind::Direct);
    assert!(c.can_reply);
    assert_eq!(c.unread, 0, "one's own message is read");
    let mut names: Vec<Uuid> = c.participants.iter().map(|p| p.user_id).collect();
    names.sort();
    let mut pair = vec![moderator.user_id, user.user_id];
    pair.sort();
    assert_eq!(names, pair);

    // The user hears of it live, and finds it unread.
    let e = loop {
        let e = next_event(&mut live, Duration::from_secs(5))
            .await
            .expect("the message is announced");
        if e["type"] == "message.created" {
            break e;
        }
    };
    assert_eq!(e["data"]["conversation_id"], json!(c.id));
    assert!(e["data"].get("body").is_none(), "events carry no text");
    assert_eq!(
        inbox(&app, &user).await,
        InboxView {
            unread_messages: 1,
            unread_conversations: 1
        }
    );
    let listed = conversations(&app, &user, "").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].unread, 1);
    // The preview is the text a reader sees: no marks, no markup.
    let preview = listed[0].preview.clone().unwrap();
    assert!(preview.starts_with("Can we move Thursday?"), "{preview}");
    assert!(
        !preview.contains('*') && !preview.contains('<'),
        "{preview}"
    );
    let msgs = history(&app, &user, c.id).await;
    assert_eq!(msgs.len(), 1);
    let html = msgs[0].body_html.clone().unwrap();
    assert!(html.contains("<strong>Thursday</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!msgs[0].read_by_me);
    assert_eq!((msgs[0].recipients, msgs[0].read), (1, 0));

    // Reading it clears the count, and the moderator sees it read.
    let read: ConversationView = app
        .post(
            &format!("/api/v1/conversations/{}/read", c.id),
            Some(&user.access),
            json!({}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(read.unread, 0);
    assert_eq!(inbox(&app, &user).await.unread_messages, 0);
    let seen = history(&app, &moderator, c.id).await;
    assert_eq!((seen[0].recipients, seen[0].read), (1, 1));
    let theirs: ConversationView = app
        .get(
            &format!("/api/v1/conversations/{}", c.id),
            &moderator.access,
        )
        .await
        .expect(200)
        .read();
    let u = theirs
        .participants
        .iter()
        .find(|p| p.user_id == user.user_id)
        .unwrap();
    assert!(u.last_read_at.is_some(), "the moderator sees it seen");

    // The user answers; the moderator writing anew finds the same conversation.
    send(&app, &user, c.id, "Yes, 4 pm").await;
    let again = start(&app, &moderator, &[user.user_id], "Done.").await;
    assert_eq!(again.id, c.id);
    assert_eq!(again.unread, 0, "answering reads what came before");
    let all = history(&app, &user, c.id).await;
    let bodies: Vec<_> = all.iter().map(|m| m.body.clone().unwrap()).collect();
    assert_eq!(bodies[1..], ["Yes, 4 pm", "Done."]);
    assert_eq!(inbox(&app, &user).await.unread_messages, 1);
    // Unread only, and the newest first.
    assert_eq!(conversations(&app, &user, "unread=true").await.len(), 1);
    assert_eq!(
        conversations(&app, &moderator, "unread=true").await.len(),
        0
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_write_to_staff_and_staff_to_anyone() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let moderator = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "member").await;
    let other_user = app.add_member(&admin, "member").await;
    let stranger = app.register("tutoring").await;

    // A user's contacts are the staff; a moderator's everyone.
    let theirs: Vec<ContactView> = app
        .get("/api/v1/inbox/contacts", &user.access)
        .await
        .expect(200)
        .read();
    let mut ids: Vec<Uuid> = theirs.iter().map(|c| c.user_id).collect();
    ids.sort();
    let mut staff = vec![admin.user_id, moderator.user_id];
    staff.sort();
    assert_eq!(ids, staff);
    let mods: Vec<ContactView> = app
        .get("/api/v1/inbox/contacts", &moderator.access)
        .await
        .expect(200)
        .read();
    assert_eq!(mods.len(), 3);

    for (to, why) in [
        (vec![other_user.user_id], "another user"),
        (vec![stranger.user_id], "another workspace's member"),
        (vec![Uuid::now_v7()], "nobody"),
        (
            vec![moderator.user_id, other_user.user_id],
            "a user among staff",
        ),
    ] {
        let res = app
            .post(
                "/api/v1/conversations",
                Some(&user.access),
                json!({"participant_ids": to, "body": "hi"}),
            )
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], "participant_ids", "{why}");
    }
    for body in [
        json!({"participant_ids": [user.user_id], "body": ""}),
        json!({"participant_ids": [], "body": "hi"}),
        json!({"participant_ids": [user.user_id], "body": "x".repeat(20_001)}),
        json!({"participant_ids": [user.user_id], "body": "hi", "cc": []}),
    ] {
        app.post("/api/v1/conversations", Some(&moderator.access), body)
            .await
            .expect(422);
    }
    app.post(
        "/api/v1/conversations",
        Some(&user.access),
        json!({"participant_ids": [user.user_id], "body": "me"}),
    )
    .await
    .expect(422);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);

    // A user writes to a moderator; a moderator to several makes a group.
    start(&app, &user, &[moderator.user_id], "Hello").await;
    let group = start(
        &app,
        &moderator,
        &[user.user_id, other_user.user_id],
        "Both of you",
    )
    .await;
    assert_eq!(group.kind, ConversationKind::Group);
    assert_eq!(group.participants.len(), 3);
    // A user in a group answers in it.
    send(&app, &other_user, group.id, "Noted").await;

    // No messaging in a sales workspace, and never with an API key.
    let sales = app.register("sales").await;
    let res = app
        .get("/api/v1/conversations", &sales.access)
        .await
        .expect(403);
    assert_eq!(res.body["code"], "module_disabled");
    let key = app
        .post(
            "/api/v1/api-keys",
            Some(&admin.access),
            json!({"name": "k", "scopes": ["*"]}),
        )
        .await
        .expect(201)
        .body["key"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/api/v1/inbox", &key).await.expect(403);
    app.post(
        "/api/v1/messages",
        Some(&key),
        json!({"conversation_id": group.id, "body": "x"}),
    )
    .await
    .expect(403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_is_its_members_alone() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let moderator = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "member").await;
    let stranger = app.register("tutoring").await;
    let mut admins_socket = connect(&app, &admin, None).await;
    let c = start(&app, &moderator, &[user.user_id], "Private").await;
    let m = history(&app, &user, c.id).await.remove(0);

    for outsider in [&admin, &stranger] {
        app.get(&format!("/api/v1/conversations/{}", c.id), &outsider.access)
            .await
            .expect(404);
        app.get(
            &format!("/api/v1/messages?conversation_id={}", c.id),
            &outsider.access,
        )
        .await
        .expect(404);
        app.get(&format!("/api/v1/messages/{}", m.id), &outsider.access)
            .await
            .expect(404);
        app.post(
            &format!("/api/v1/conversations/{}/read", c.id),
            Some(&outsider.access),
            json!({}),
        )
        .await
        .expect(404);
        app.patch(
            &format!("/api/v1/messages/{}", m.id),
            &outsider.access,
            json!({"body": "mine now"}),
        )
        .await
        .expect(404);
        app.delete(&format!("/api/v1/messages/{}", m.id), &outsider.access)
            .await
            .expect(404);
        let res = app
            .post(
                "/api/v1/messages",
                Some(&outsider.access),
                json!({"conversation_id": c.id, "body": "let me in"}),
            )
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], "conversation_id");
        assert!(conversations(&app, outsider, "").await.is_empty());
    }
    // The admin heard nothing of it, and the audit trail does not hold the text.
    assert!(next_event(&mut admins_socket, Duration::from_millis(1500))
        .await
        .is_none_or(|e| e["type"] != "message.created"));
    let audit = app
        .get("/api/v1/audit?limit=200", &admin.access)
        .await
        .expect(200);
    let text = audit.body.to_string();
    assert!(text.contains("message.created"), "the writing is audited");
    assert!(!text.contains("Private"), "its text is not");
    // Without a conversation: the messages of all of one's own.
    let mine: Page<MessageView> = app
        .get("/api/v1/messages", &user.access)
        .await
        .expect(200)
        .read();
    assert_eq!(mine.data.len(), 1);
    let admins: Page<MessageView> = app
        .get("/api/v1/messages", &admin.access)
        .await
        .expect(200)
        .read();
    assert!(admins.data.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_its_audience_each_with_their_own_read_state() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let moderator = app.add_member(&admin, "manager").await;
    let ann = app.add_member(&admin, "member").await;
    let ben = app.add_member(&admin, "member").await;
    let mut bens_socket = connect(&app, &ben, None).await;
    let mut moderators_socket = connect(&app, &moderator, None).await;

    let sent: BroadcastView = app
        .post(
            "/api/v1/broadcasts",
            Some(&admin.access),
            json!({"audience": {"kind": "role", "role": "member"}, "subject": "Closed Monday", "body": "The centre is closed."}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(sent.conversation.kind, ConversationKind::Broadcast);
    assert_eq!((sent.message.recipients, sent.message.read), (2, 0));
    let e = next_event(&mut bens_socket, Duration::from_secs(5))
        .await
        .expect("Ben hears of it live");
    assert_eq!(e["type"], "message.created");
    assert!(
        next_event(&mut moderators_socket, Duration::from_millis(1500))
            .await
            .is_none_or(|e| e["type"] != "message.created")
    );

    for u in [&ann, &ben] {
        let mine = conversations(&app, u, "kind=broadcast").await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].subject.as_deref(), Some("Closed Monday"));
        assert!(!mine[0].can_reply);
        assert_eq!(mine[0].unread, 1);
        let others: Vec<_> = mine[0].participants.iter().map(|p| p.user_id).collect();
        assert!(others.contains(&admin.user_id));
        assert!(
            !others.contains(&ann.user_id) || u.user_id == ann.user_id,
            "the audience is not shown"
        );
        assert!(
            !others.contains(&ben.user_id) || u.user_id == ben.user_id,
            "the audience is not shown"
        );
    }
    assert!(conversations(&app, &moderator, "").await.is_empty());
    // Ann reads it; Ben has not: each has their own state.
    app.post(
        &format!("/api/v1/conversations/{}/read", sent.conversation.id),
        Some(&ann.access),
        json!({"up_to": sent.message.id}),
    )
    .await
    .expect(200);
    assert_eq!(inbox(&app, &ann).await.unread_messages, 0);
    assert_eq!(inbox(&app, &ben).await.unread_messages, 1);
    let by_admin = history(&app, &admin, sent.conversation.id).await;
    assert_eq!((by_admin[0].recipients, by_admin[0].read), (2, 1));
    // The audience does not answer; a moderator does not broadcast.
    let res = app
        .post(
            "/api/v1/messages",
            Some(&ben.access),
            json!({"conversation_id": sent.conversation.id, "body": "ok"}),
        )
        .await
        .expect(409);
    assert_eq!(res.body["code"], "no_replies");
    app.post(
        "/api/v1/broadcasts",
        Some(&moderator.access),
        json!({"audience": {"kind": "everyone"}, "subject": "x", "body": "y"}),
    )
    .await
    .expect(403);
    // Bad audiences change nothing.
    for (audience, field) in [
        (
            json!({"kind": "group", "group_id": Uuid::now_v7()}),
            Some("audience.kind"),
        ),
        (json!({"kind": "role", "role": "staff"}), Some("audience")),
        (json!({"kind": "planet"}), None),
    ] {
        let res = app
            .post(
                "/api/v1/broadcasts",
                Some(&admin.access),
                json!({"audience": audience, "subject": "x", "body": "y"}),
            )
            .await
            .expect(422);
        if let Some(field) = field {
            assert_eq!(res.body["errors"][0]["field"], field, "{audience}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM conversations").await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_broadcasts_to_the_students_of_a_class() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    // Two students who sign in, one in the class and one not.
    let students = [
        student(&app, &owner, "Ana").await,
        student(&app, &owner, "Bo").await,
    ];
    let class =
        crate::school::class_of(&app, &owner, "Python", &teacher, &[students[0].0.id]).await;
    let sent: BroadcastView = app
        .post(
            "/api/v1/broadcasts",
            Some(&owner.access),
            json!({"audience": {"kind": "group", "group_id": class}, "subject": "Python", "body": "Bring a laptop."}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(sent.message.recipients, 1);
    assert_eq!(inbox(&app, &students[0].1).await.unread_messages, 1);
    assert_eq!(inbox(&app, &students[1].1).await.unread_messages, 0);
    assert_eq!(inbox(&app, &teacher).await.unread_messages, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn its_author_edits_and_deletes_a_message_once_at_its_version() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let user = app.add_member(&admin, "member").await;
    let c = start(&app, &user, &[admin.user_id], "Frist").await;
    let m = history(&app, &user, c.id).await.remove(0);
    let path = format!("/api/v1/messages/{}", m.id);
    let edit = |token: &str, version: i32, body: &str| {
        let (path, token, body) = (path.clone(), token.to_string(), body.to_string());
        let app = &app;
        async move {
            let tag = format!("\"{version}\"");
            app.call_with(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"body": body})),
                &[("If-Match", tag.as_str())],
            )
            .await
        }
    };
    edit(&admin.access, m.version, "Mine").await.expect(403);
    let fixed: MessageView = edit(&user.access, m.version, "First")
        .await
        .expect(200)
        .read();
    assert_eq!(fixed.body.as_deref(), Some("First"));
    assert!(fixed.edited_at.is_some());
    edit(&user.access, m.version, "Again").await.expect(412);
    // Two rewrites of one version at once: one wins.
    let (a, b) = tokio::join!(
        edit(&user.access, fixed.version, "One"),
        edit(&user.access, fixed.version, "Two")
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    // Deleted: the text goes, the place stays, and it changes no more.
    app.call_with(
        Method::DELETE,
        &path,
        Some(&user.access),
        None,
        &[("If-Match", "\"1\"")],
    )
    .await
    .expect(412);
    app.delete(&path, &user.access).await.expect(204);
    let gone: MessageView = app.get(&path, &admin.access).await.expect(200).read();
    assert_eq!((gone.body, gone.body_html), (None, None));
    assert!(gone.deleted_at.is_some());
    let res = app
        .patch(&path, &user.access, json!({"body": "back"}))
        .await
        .expect(409);
    assert_eq!(res.body["code"], "message_deleted");
    app.delete(&path, &user.access).await.expect(409);
    let listed = conversations(&app, &admin, "").await;
    assert_eq!(
        listed[0].preview, None,
        "a deleted message is not previewed"
    );
    let audit = app
        .get("/api/v1/audit?limit=200", &admin.access)
        .await
        .expect(200);
    let text = audit.body.to_string();
    for action in ["message.created", "message.updated", "message.deleted"] {
        assert!(text.contains(action), "{action}");
    }
    assert!(
        !text.contains("Frist") && !text.contains("\"One\""),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_who_write_to_each_other_at_once_share_one_conversation() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let user = app.add_member(&admin, "member").await;
    let writes = (0..12).map(|i| {
        let (app, from, to) = if i % 2 == 0 {
            (&app, &admin, user.user_id)
        } else {
            (&app, &user, admin.user_id)
        };
        async move {
            app.post(
                "/api/v1/conversations",
                Some(&from.access),
                json!({"participant_ids": [to], "body": format!("message {i}")}),
            )
            .await
            .expect(201)
            .read::<ConversationView>()
            .id
        }
    });
    let ids = futures::future::join_all(writes).await;
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.count("SELECT count(*) FROM conversations").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 12);
    assert_eq!(
        app.count("SELECT count(*) FROM conversation_participants")
            .await,
        2
    );
    // The same message sent twice with one key is written once.
    let key = [("Idempotency-Key", "one-message")];
    for _ in 0..2 {
        app.call_with(
            Method::POST,
            "/api/v1/messages",
            Some(&user.access),
            Some(json!({"conversation_id": ids[0], "body": "only once"})),
            &key,
        )
        .await
        .expect(201);
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 13);
    // Each message went to the other alone, once.
    let to = |u: Uuid| format!("SELECT count(*) FROM message_deliveries WHERE user_id = '{u}'");
    assert_eq!(app.count(&to(admin.user_id)).await, 7);
    assert_eq!(app.count(&to(user.user_id)).await, 6);
    app.stop().await;
}

/// A student of `owner`'s school who signs in: their person and session.
async fn student(app: &TestApp, owner: &Session, name: &str) -> (PersonView, Session) {
    let address = email(name);
    let p: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": name, "email": address}),
        )
        .await
        .expect(201)
        .read();
    let token = app
        .post(
            "/api/v1/invitations",
            Some(&owner.access),
            json!({"email": address, "role": "member", "person_id": p.id}),
        )
        .await
        .expect(201)
        .body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"name": name, "password": PASSWORD}),
        )
        .await
        .expect(200);
    (p, Session::from_tokens(&res.body, &address))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_messages_are_in_their_personal_data_and_erased_with_them() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let (p, mira) = student(&app, &owner, "Mira").await;
    let c = start(&app, &mira, &[owner.user_id], "My brother is Quintus").await;
    send(&app, &owner, c.id, "Noted").await;

    let data = app
        .get(
            &format!("/api/v1/people/{}/personal-data", p.id),
            &owner.access,
        )
        .await
        .expect(200);
    // When and where they wrote, not what: admins do not read members' messages.
    let written = &data.body["held"]["messaging"];
    assert_eq!(written.as_array().map(Vec::len), Some(1), "{written}");
    assert_eq!(written[0]["conversation_id"], json!(c.id));
    assert!(!data.text.contains("Quintus"), "{}", data.text);

    app.post(
        &format!("/api/v1/people/{}/erase", p.id),
        Some(&owner.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE body LIKE '%Quintus%'")
            .await,
        0
    );
    // The other side of the conversation keeps their own words.
    let left = history(&app, &owner, c.id).await;
    let bodies: Vec<_> = left.iter().map(|m| m.body.clone()).collect();
    assert_eq!(bodies, [None, Some("Noted".to_string())]);
    assert_eq!(left[0].author_id, None);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_session_is_told_in_the_inbox_of_whoever_takes_part() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    let (p, lea) = student(&app, &owner, "Lea").await;
    let session: serde_json::Value = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"title": "Robotics", "starts_at": "2031-03-04T15:00:00Z",
                   "ends_at": "2031-03-04T16:00:00Z", "host_id": teacher.user_id,
                   "participant_ids": [p.id]}),
        )
        .await
        .expect(201)
        .read();
    let id = session["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/sessions/{id}/cancel"),
        Some(&owner.access),
        json!({"reason": "the room is flooded"}),
    )
    .await
    .expect(200);
    for who in [&lea, &teacher] {
        let mine = conversations(&app, who, "kind=notifications").await;
        assert_eq!(mine.len(), 1);
        assert!(!mine[0].can_reply);
        let told = history(&app, who, mine[0].id).await;
        assert_eq!(told.len(), 1);
        let body = told[0].body.clone().unwrap();
        assert!(
            body.contains("**Robotics**") && body.contains("the room is flooded"),
            "{body}"
        );
        assert_eq!(told[0].link_type.as_deref(), Some("session"));
        assert_eq!(told[0].link_id.map(|u| u.to_string()).as_deref(), Some(id));
        assert_eq!(told[0].author_id, None);
        // Notifications take no answer.
        app.post(
            "/api/v1/messages",
            Some(&who.access),
            json!({"conversation_id": mine[0].id, "body": "why?"}),
        )
        .await
        .expect(409);
    }
    // The one who cancelled is not told of their own doing.
    assert!(conversations(&app, &owner, "kind=notifications")
        .await
        .is_empty());
    // A weekly lesson cancelled whole is told once, not once a week.
    let weekly: serde_json::Value = app
        .post(
            "/api/v1/sessions",
            Some(&owner.access),
            json!({"title": "Python", "starts_at": "2031-04-01T15:00:00Z",
                   "ends_at": "2031-04-01T16:00:00Z", "participant_ids": [p.id],
                   "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=6", "time_zone": "UTC"}}),
        )
        .await
        .expect(201)
        .read();
    app.post(
        &format!("/api/v1/sessions/{}/cancel", weekly["id"].as_str().unwrap()),
        Some(&owner.access),
        json!({"reason": "the course closed", "apply_to": "all"}),
    )
    .await
    .expect(200);
    let mine = conversations(&app, &lea, "kind=notifications").await;
    let told = history(&app, &lea, mine[0].id).await;
    assert_eq!(told.len(), 2, "{told:?}");
    let last = told[1].body.clone().unwrap();
    assert!(last.contains("**Python** is cancelled from"), "{last}");
    assert!(last.contains("the course closed"), "{last}");
    // A workspace without messaging writes none.
    let sales = app.register("consulting").await;
    let s: serde_json::Value = app
        .post(
            "/api/v1/sessions",
            Some(&sales.access),
            json!({"title": "Call", "starts_at": "2031-03-04T15:00:00Z",
                   "ends_at": "2031-03-04T16:00:00Z"}),
        )
        .await
        .expect(201)
        .read();
    let before = app.count("SELECT count(*) FROM messages").await;
    app.post(
        &format!("/api/v1/sessions/{}/cancel", s["id"].as_str().unwrap()),
        Some(&sales.access),
        json!({"reason": "ill"}),
    )
    .await
    .expect(200);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_stays_unread_is_mailed_once_in_a_digest() {
    let app = TestApp::start_with(|c| {
        c.digest_after_mins = 0;
        c.run_workers = false;
    })
    .await;
    let admin = app.register("tutoring").await;
    let moderator = app.add_member(&admin, "manager").await;
    let user = app.add_member(&admin, "member").await;
    let c = start(
        &app,
        &moderator,
        &[user.user_id],
        "Bring the **fractions** sheet",
    )
    .await;
    send(&app, &moderator, c.id, "And a pencil").await;
    let to = |u: &Session| {
        format!(
            "SELECT count(*) FROM mail_messages WHERE to_address = '{}' AND subject LIKE '%unread%'",
            u.email
        )
    };
    let digest = "INSERT INTO jobs (kind, payload) VALUES ('messaging.digest', '{}')";
    let sql = app.sql().await;
    // Two runs at once, then a third: one letter.
    sql.batch_execute(&format!("{digest}; {digest}"))
        .await
        .unwrap();
    let state = app.state();
    let (a, b) = tokio::join!(
        rapport_api::jobs::work_one(&state, "a"),
        rapport_api::jobs::work_one(&state, "b")
    );
    assert!(a && b);
    sql.batch_execute(digest).await.unwrap();
    while rapport_api::jobs::work_one(&state, "c").await {}
    assert_eq!(app.count(&to(&user)).await, 1);
    assert_eq!(
        app.count(&to(&moderator)).await,
        0,
        "one's own messages are read"
    );
    let body: String = sql
        .query_one(
            "SELECT body FROM mail_messages WHERE to_address = $1 AND subject = '2 unread messages in ' || (SELECT name FROM workspaces WHERE id = $2)",
            &[&user.email, &admin.workspace_id],
        )
        .await
        .unwrap()
        .get(0);
    assert!(body.contains(": Bring the fractions sheet\n"), "{body}");
    assert!(body.contains(": And a pencil\n"), "{body}");
    assert!(body.contains("/messaging"), "{body}");
    // What is read before the run is not mailed.
    send(&app, &moderator, c.id, "Read in time").await;
    app.post(
        &format!("/api/v1/conversations/{}/read", c.id),
        Some(&user.access),
        json!({}),
    )
    .await
    .expect(200);
    sql.batch_execute(digest).await.unwrap();
    while rapport_api::jobs::work_one(&state, "d").await {}
    assert_eq!(app.count(&to(&user)).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_role_no_longer_allows_is_refused_and_one_who_comes_back_writes_again() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let admin = app.add_member(&owner, "admin").await;
    let user = app.add_member(&owner, "member").await;
    let other = app.add_member(&owner, "member").await;
    let sent: BroadcastView = app
        .post(
            "/api/v1/broadcasts",
            Some(&admin.access),
            json!({"audience": {"kind": "everyone"}, "subject": "  News  ", "body": "Hello"}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(
        sent.conversation.subject.as_deref(),
        Some("News"),
        "trimmed"
    );
    // A moderator writes to both users; then the moderator is made a user.
    let moderator = app.add_member(&owner, "manager").await;
    let c = start(&app, &moderator, &[user.user_id], "Hi").await;
    for (who, role) in [(&admin, "member"), (&moderator, "member")] {
        app.patch(
            &format!("/api/v1/members/{}", who.user_id),
            &owner.access,
            json!({"role": role}),
        )
        .await
        .expect(200);
    }
    let admin = app.sign_in(&admin.email).await;
    let moderator = app.sign_in(&moderator.email).await;
    let res = app
        .post(
            "/api/v1/messages",
            Some(&admin.access),
            json!({"conversation_id": sent.conversation.id, "body": "Still me"}),
        )
        .await
        .expect(409);
    assert_eq!(res.body["code"], "no_replies");
    app.patch(
        &format!("/api/v1/messages/{}", sent.message.id),
        &admin.access,
        json!({"body": "Changed"}),
    )
    .await
    .expect(409);
    app.post(
        "/api/v1/messages",
        Some(&moderator.access),
        json!({"conversation_id": c.id, "body": "user to user"}),
    )
    .await
    .expect(409);

    // A user who leaves and comes back finds their conversation and writes in it.
    let staff = app.add_member(&owner, "manager").await;
    let first = start(&app, &staff, &[other.user_id], "Before").await;
    app.delete(&format!("/api/v1/members/{}", other.user_id), &owner.access)
        .await
        .expect(204);
    let token = app.invite(&owner, &other.email, "member").await;
    let back = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"password": PASSWORD}),
        )
        .await
        .expect(200);
    let other = Session::from_tokens(&back.body, &other.email);
    let again = start(&app, &other, &[staff.user_id], "I am back").await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.participants.len(), 2);
    let seen = history(&app, &staff, first.id).await;
    assert_eq!(
        seen.last().and_then(|m| m.body.clone()).as_deref(),
        Some("I am back")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_and_reading_at_once_never_deadlock() {
    let app = TestApp::start().await;
    let admin = app.register("tutoring").await;
    let user = app.add_member(&admin, "member").await;
    let c = start(&app, &admin, &[user.user_id], "Start").await;
    let work = (0..16).map(|i| {
        let (app, c) = (&app, c.id);
        let who = if i % 4 < 2 { &admin } else { &user };
        async move {
            if i % 2 == 0 {
                app.post(
                    "/api/v1/messages",
                    Some(&who.access),
                    json!({"conversation_id": c, "body": format!("m{i}")}),
                )
                .await
                .status
            } else {
                app.post(
                    &format!("/api/v1/conversations/{c}/read"),
                    Some(&who.access),
                    json!({}),
                )
                .await
                .status
            }
        }
    });
    let statuses = futures::future::join_all(work).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 9);
    app.stop().await;
}

async fn upload(
    app: &TestApp,
    by: &Session,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> AttachmentView {
    app.upload(
        &format!("/api/v1/attachments?filename={}", urlencode(name)),
        &by.access,
        kind,
        bytes.to_vec(),
    )
    .await
    .expect(201)
    .read()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs the jobs queued, here and now.
async fn work(app: &TestApp) {
    let state = app.state();
    while rapport_api::jobs::work_one(&state, "here").await {}
}

async fn sweep(app: &TestApp) {
    app.sql()
        .await
        .batch_execute("INSERT INTO jobs (kind, payload) VALUES ('messaging.files.sweep', '{}')")
        .await
        .unwrap();
    work(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_goes_with_its_message_to_that_conversation_alone_and_leaves_with_it() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let user = app.add_member(&owner, "member").await;
    let stranger = app.register("tutoring").await;
    let pdf: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..3000u32).map(|i| (i % 251) as u8))
        .collect();

    // Uploaded, it is its uploader's alone.
    let a = upload(
        &app,
        &moderator,
        "Fractions — sheet 2.pdf",
        "application/pdf",
        &pdf,
    )
    .await;
    assert_eq!(a.file_name, "Fractions — sheet 2.pdf");
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(a.size, pdf.len() as i64);
    assert_eq!(a.message_id, None);
    let path = format!("/api/v1/attachments/{}", a.id);
    assert_eq!(
        app.get(&path, &moderator.access).await.expect(200).bytes,
        pdf
    );
    app.get(&path, &user.access).await.expect(404);

    // Sent with a message of no words, it goes to the conversation.
    let c = start(&app, &moderator, &[user.user_id], "Homework").await;
    let m: MessageView = app
        .post(
            "/api/v1/messages",
            Some(&moderator.access),
            json!({"conversation_id": c.id, "body": "  ", "attachment_ids": [a.id]}),
        )
        .await
        .expect(201)
        .read();
    assert_eq!(m.body.as_deref(), Some(""));
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].id, a.id);
    assert_eq!(m.attachments[0].message_id, Some(m.id));
    let seen = history(&app, &user, c.id).await;
    assert_eq!(seen.last().unwrap().attachments[0].file_name, a.file_name);

    // Its members download it, as a download, never shown in place.
    let got = app.get(&path, &user.access).await.expect(200);
    assert_eq!(got.bytes, pdf);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    let disposition = got.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''Fractions%20%E2%80%94%20sheet%202.pdf"),
        "{disposition}"
    );
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    // Asked again each time: a copy kept must not outlive one's access.
    assert_eq!(got.header("cache-control"), Some("private, no-cache"));
    let tag = got.header("etag").unwrap().to_string();
    assert_eq!(tag, format!("\"{}\"", a.sha256));
    app.call_with(
        Method::GET,
        &path,
        Some(&user.access),
        None,
        &[("if-none-match", &tag)],
    )
    .await
    .expect(304);
    // Nobody else: not an admin outside it, not another workspace.
    app.get(&path, &owner.access).await.expect(404);
    app.get(&path, &stranger.access).await.expect(404);
    app.delete(&path, &owner.access).await.expect(404);
    app.delete(&path, &stranger.access).await.expect(404);

    // Sent once, it goes with no other message, nor is it discarded alone.
    let again = app
        .post(
            "/api/v1/messages",
            Some(&moderator.access),
            json!({"conversation_id": c.id, "body": "Again", "attachment_ids": [a.id]}),
        )
        .await
        .expect(422);
    assert_eq!(again.body["errors"][0]["field"], "attachment_ids");
    let theirs = app
        .post(
            "/api/v1/messages",
            Some(&user.access),
            json!({"conversation_id": c.id, "body": "Mine now", "attachment_ids": [a.id]}),
        )
        .await
        .expect(422);
    assert_eq!(theirs.body["errors"][0]["field"], "attachment_ids");
    let kept = app.delete(&path, &moderator.access).await.expect(409);
    assert_eq!(kept.body["code"], "attachment_sent");
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE body IN ('Again', 'Mine now')")
            .await,
        0,
        "a refused message is not written"
    );

    // An upload not sent is discarded by its uploader.
    let spare = upload(&app, &moderator, "spare.txt", "text/plain", b"spare").await;
    app.delete(
        &format!("/api/v1/attachments/{}", spare.id),
        &moderator.access,
    )
    .await
    .expect(204);

    // The message deleted, its file goes: at once from the API, then from disk.
    app.delete(&format!("/api/v1/messages/{}", m.id), &moderator.access)
        .await
        .expect(204);
    app.get(&path, &user.access).await.expect(404);
    app.get(&path, &moderator.access).await.expect(404);
    assert!(history(&app, &user, c.id)
        .await
        .last()
        .unwrap()
        .attachments
        .is_empty());
    let ws = moderator.workspace_id;
    let files = &app.state().files;
    assert!(
        files.get(ws, a.id).await.unwrap().is_some(),
        "still on disk until swept"
    );
    sweep(&app).await;
    assert_eq!(files.get(ws, a.id).await.unwrap(), None);
    assert_eq!(files.get(ws, spare.id).await.unwrap(), None);
    assert_eq!(app.count("SELECT count(*) FROM removed_files").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM message_attachments").await,
        0
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let up = |name: &str, kind: &str, bytes: Vec<u8>| {
        let path = format!("/api/v1/attachments?filename={}", urlencode(name));
        let token = user.access.clone();
        let app = &app;
        let kind = kind.to_string();
        async move { app.upload(&path, &token, &kind, bytes).await }
    };
    const MAX: usize = 10 * 1024 * 1024;
    let big = up("big.bin", "application/octet-stream", vec![7; MAX + 1])
        .await
        .expect(413);
    assert_eq!(big.header("content-type"), Some("application/problem+json"));
    for (name, kind, bytes, field) in [
        ("empty.txt", "text/plain", Vec::new(), "file"),
        ("../../etc/passwd", "text/plain", b"x".to_vec(), "filename"),
        ("tab\there.txt", "text/plain", b"x".to_vec(), "filename"),
        (" ", "text/plain", b"x".to_vec(), "filename"),
        ("ok.txt", "not a type", b"x".to_vec(), "content_type"),
    ] {
        let res = up(name, kind, bytes).await.expect(422);
        assert_eq!(res.body["errors"][0]["field"], field, "{name:?} {kind:?}");
    }
    let nameless = app
        .upload(
            "/api/v1/attachments",
            &user.access,
            "text/plain",
            b"x".to_vec(),
        )
        .await
        .expect(422);
    assert_eq!(nameless.body["errors"][0]["code"], "query");
    assert_eq!(
        app.count("SELECT count(*) FROM message_attachments").await,
        0
    );
    assert!(
        !app.state()
            .files
            .root()
            .join(user.workspace_id.to_string())
            .exists(),
        "no file was kept"
    );

    // Sent again with the same Idempotency-Key (a lost answer), a file of
    // several MiB is kept once and answered alike.
    let twice = || {
        app.upload_with(
            "/api/v1/attachments?filename=scan.bin",
            &user.access,
            "application/octet-stream",
            vec![3; 3 * 1024 * 1024],
            &[("idempotency-key", "scan-1")],
        )
    };
    let first: AttachmentView = twice().await.expect(201).read();
    let again: AttachmentView = twice().await.expect(201).read();
    assert_eq!(first.id, again.id);
    assert_eq!(
        app.count("SELECT count(*) FROM message_attachments WHERE file_name = 'scan.bin'")
            .await,
        1
    );

    // Exactly 10 MiB is taken; a page of HTML is kept as a download of its type.
    let whole = up("whole.bin", "application/octet-stream", vec![1; MAX])
        .await
        .expect(201);
    assert_eq!(whole.read::<AttachmentView>().size, MAX as i64);
    let page: AttachmentView = up(
        "page.html",
        "Text/HTML; charset=utf-8",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await
    .expect(201)
    .read();
    assert_eq!(page.content_type, "text/html");
    let got = app
        .get(&format!("/api/v1/attachments/{}", page.id), &user.access)
        .await
        .expect(200);
    assert!(got
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment;"));
    assert!(got
        .header("content-security-policy")
        .unwrap()
        .contains("sandbox"));

    // A message names at most ten files, each once, and only the caller's.
    let c = start(&app, &user, &[owner.user_id], "Files").await;
    let eleven: Vec<Uuid> = (0..11).map(|_| Uuid::now_v7()).collect();
    for ids in [eleven, vec![page.id, page.id], vec![Uuid::now_v7()]] {
        let res = app
            .post(
                "/api/v1/messages",
                Some(&user.access),
                json!({"conversation_id": c.id, "body": "x", "attachment_ids": ids}),
            )
            .await
            .expect(422);
        assert_eq!(res.body["errors"][0]["field"], "attachment_ids");
    }
    // Words or files: a message of neither is refused.
    app.post(
        "/api/v1/messages",
        Some(&user.access),
        json!({"conversation_id": c.id, "body": " "}),
    )
    .await
    .expect(422);

    // Uploads never sent are dropped after a day, from the table and the disk.
    app.sql()
        .await
        .batch_execute(&format!(
            "UPDATE message_attachments SET created_at = now() - interval '25 hours' WHERE id = '{}'",
            whole.read::<AttachmentView>().id
        ))
        .await
        .unwrap();
    sweep(&app).await;
    // The page and the scan stay.
    assert_eq!(
        app.count("SELECT count(*) FROM message_attachments").await,
        2
    );
    let files = &app.state().files;
    assert_eq!(
        files
            .get(user.workspace_id, whole.read::<AttachmentView>().id)
            .await
            .unwrap(),
        None
    );
    assert!(files
        .get(user.workspace_id, page.id)
        .await
        .unwrap()
        .is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_messages_naming_one_file_at_once_take_it_once() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let c = start(&app, &user, &[owner.user_id], "Files").await;
    let a = upload(&app, &user, "once.txt", "text/plain", b"once").await;
    let sends = (0..8).map(|i| {
        let (app, user) = (&app, &user);
        async move {
            app.post(
                "/api/v1/messages",
                Some(&user.access),
                json!({"conversation_id": c.id, "body": format!("try {i}"), "attachment_ids": [a.id]}),
            )
            .await
            .status
        }
    });
    let mut statuses = futures::future::join_all(sends).await;
    statuses.sort();
    assert_eq!(statuses, [201, 422, 422, 422, 422, 422, 422, 422]);
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE body LIKE 'try %'")
            .await,
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_files_are_erased_with_their_messages() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let owner = app.register("school").await;
    let (p, mira) = student(&app, &owner, "Mira").await;
    let c = start(&app, &mira, &[owner.user_id], "My essay").await;
    let sent = upload(
        &app,
        &mira,
        "essay.txt",
        "text/plain",
        b"Quintus wrote this",
    )
    .await;
    app.post(
        "/api/v1/messages",
        Some(&mira.access),
        json!({"conversation_id": c.id, "body": "Here", "attachment_ids": [sent.id]}),
    )
    .await
    .expect(201);
    let unsent = upload(&app, &mira, "draft.txt", "text/plain", b"draft").await;
    app.post(
        &format!("/api/v1/people/{}/erase", p.id),
        Some(&owner.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.count("SELECT count(*) FROM message_attachments").await,
        0
    );
    app.get(&format!("/api/v1/attachments/{}", sent.id), &owner.access)
        .await
        .expect(404);
    sweep(&app).await;
    let files = &app.state().files;
    for id in [sent.id, unsent.id] {
        assert_eq!(files.get(mira.workspace_id, id).await.unwrap(), None);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_changed_as_a_message_is_sent_decides_it() {
    let app = TestApp::start().await;
    let owner = app.register("tutoring").await;
    let moderator = app.add_member(&owner, "manager").await;
    let user = app.add_member(&owner, "member").await;
    let c = start(&app, &moderator, &[user.user_id], "Hello").await;

    // The moderator is made a user in a transaction still open as they write.
    let sql = app.sql().await;
    sql.batch_execute(&format!(
        "BEGIN; UPDATE memberships SET role = 'member' WHERE user_id = '{}'",
        moderator.user_id
    ))
    .await
    .unwrap();
    let send = {
        let (app, moderator) = (&app, &moderator);
        async move {
            app.post(
                "/api/v1/messages",
                Some(&moderator.access),
                json!({"conversation_id": c.id, "body": "one more"}),
            )
            .await
        }
    };
    let commit = async {
        // The message waits for the role, whatever it becomes.
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql.batch_execute("COMMIT").await.unwrap();
    };
    let (res, ()) = tokio::join!(send, commit);
    let res = res.expect(409);
    assert_eq!(res.body["code"], "no_replies");
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE body = 'one more'")
            .await,
        0
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_cancelled_by_its_member_is_told_to_its_host() {
    let app = TestApp::start().await;
    let owner = app.register("consulting").await;
    // Consulting with conversations switched on.
    app.sql()
        .await
        .execute(
            "UPDATE workspaces SET modules = array_append(modules, 'messaging') WHERE id = $1",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    let host = app.add_member(&owner, "staff").await;
    let member = app.add_member(&owner, "member").await;
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Mia", "user_id": member.user_id}),
    )
    .await
    .expect(201);
    let weekly: Vec<serde_json::Value> = (1..=7)
        .map(|d| json!({"weekday": d, "from": "09:00", "to": "17:00"}))
        .collect();
    app.call(
        Method::PUT,
        &format!("/api/v1/availability/{}", host.user_id),
        Some(&host.access),
        Some(json!({"time_zone": "UTC", "weekly": weekly})),
    )
    .await
    .expect(200);
    app.call(
        Method::PUT,
        "/api/v1/availability/rules/consultation",
        Some(&owner.access),
        Some(
            json!({"duration_min": 60, "buffer_before_min": 0, "buffer_after_min": 0,
            "slot_interval_min": 30, "min_notice_min": 60, "window_days": 60,
            "max_per_day": null, "max_per_week": null, "requires_confirmation": false}),
        ),
    )
    .await
    .expect(200);
    let day = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let booked = app
        .post(
            "/api/v1/bookings",
            Some(&member.access),
            json!({"host_id": host.user_id, "starts_at": format!("{day}T10:00:00Z")}),
        )
        .await
        .expect(201);
    let id = booked.body["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&member.access),
        json!({"reason": "my train is *late*"}),
    )
    .await
    .expect(200);
    let told = conversations(&app, &host, "kind=notifications").await;
    assert_eq!(told.len(), 1, "the host is told");
    let said = history(&app, &host, told[0].id).await;
    assert_eq!(said.len(), 1);
    let body = said[0].body.clone().unwrap();
    // The reason is quoted as written, its marks escaped.
    assert!(body.contains(r"my train is \*late\*"), "{body}");
    assert_eq!(said[0].link_id.map(|u| u.to_string()), Some(id));
    assert!(
        conversations(&app, &member, "kind=notifications")
            .await
            .is_empty(),
        "the member who cancelled is not told of their own doing"
    );
    app.stop().await;
}
