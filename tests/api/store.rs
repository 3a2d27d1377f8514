//! The reward store: stock and medals taken together or not at all, the
//! last item sold once however many ask at once, orders fulfilled or
//! cancelled and refunded, and who may do what.

use crate::ledger::{balances, person};
use rapport_domain::api::{OrderView, Page, StoreItemView};
use rapport_tests::{Session, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

async fn item(app: &TestApp, by: &Session, body: Value) -> StoreItemView {
    app.post("/api/v1/store/items", Some(&by.access), body)
        .await
        .expect(201)
        .read()
}

async fn give(app: &TestApp, by: &Session, person: Uuid, amount: i64, currency: &str) {
    app.post(
        "/api/v1/ledger",
        Some(&by.access),
        json!({"person_id": person, "amount_minor": amount, "currency": currency, "reason": "Start"}),
    )
    .await
    .expect(201);
}

async fn stock(app: &TestApp, id: Uuid) -> i64 {
    app.count(&format!(
        "SELECT stock::bigint FROM store_items WHERE id = '{id}'"
    ))
    .await
}

/// A student buys with their medals; not beyond the stock, not beyond the
/// medals; an admin cancels (refunded, stock back) or fulfils.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_buys_with_medals_and_an_admin_fulfils_or_cancels_and_refunds() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let teacher = app.add_member(&owner, "staff").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    give(&app, &owner, mia.id, 12, "MEDAL_BRONZE").await;
    give(&app, &owner, mia.id, 1, "MEDAL_GOLD").await;
    let stickers = item(
        &app,
        &owner,
        json!({"name": "Stickers", "price": {"bronze": 5}, "stock": 3,
               "image_url": "https://example.com/stickers.png"}),
    )
    .await;
    let robot = item(
        &app,
        &owner,
        json!({"name": "Robot kit", "price": {"gold": 1, "silver": 2}, "stock": 1}),
    )
    .await;
    let buy = |by: &Session, body: Value| {
        let (app, token) = (&app, by.access.clone());
        async move { app.post("/api/v1/store/orders", Some(&token), body).await }
    };

    let order: OrderView = buy(&student, json!({"item_id": stickers.id, "quantity": 2}))
        .await
        .expect(201)
        .read();
    assert_eq!(
        (order.person_id, order.quantity, order.item_name.as_str()),
        (mia.id, 2, "Stickers")
    );
    assert_eq!(
        balances(&app, &student, mia.id).await,
        [
            ("MEDAL_BRONZE".to_string(), 2),
            ("MEDAL_GOLD".to_string(), 1)
        ]
    );
    assert_eq!(stock(&app, stickers.id).await, 1);
    // Not enough medals: nothing is taken.
    let res = buy(&student, json!({"item_id": stickers.id})).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("insufficient"))
    );
    let res = buy(&student, json!({"item_id": robot.id})).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("insufficient")),
        "no silver"
    );
    assert_eq!(
        (stock(&app, stickers.id).await, stock(&app, robot.id).await),
        (1, 1)
    );
    assert_eq!(app.count("SELECT count(*) FROM store_orders").await, 1);
    // Beyond the stock.
    give(&app, &owner, mia.id, 20, "MEDAL_BRONZE").await;
    let res = buy(&student, json!({"item_id": stickers.id, "quantity": 2})).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("out_of_stock"))
    );

    // Cancelled: refunded by compensating entries, the stock put back.
    let cancelled: OrderView = app
        .post(
            &format!("/api/v1/store/orders/{}/cancel", order.id),
            Some(&owner.access),
            json!({"reason": "Sold out at the supplier"}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        cancelled.status,
        rapport_domain::api::OrderStatus::Cancelled
    );
    assert_eq!(stock(&app, stickers.id).await, 3);
    assert_eq!(
        balances(&app, &owner, mia.id).await,
        [
            ("MEDAL_BRONZE".to_string(), 32),
            ("MEDAL_GOLD".to_string(), 1)
        ]
    );
    let refunds = app
        .count(&format!(
            "SELECT count(*) FROM ledger_entries WHERE cause_id = '{}' AND corrects IS NOT NULL",
            order.id
        ))
        .await;
    assert_eq!(refunds, 1);
    for path in ["cancel", "fulfil"] {
        let res = app
            .post(
                &format!("/api/v1/store/orders/{}/{path}", order.id),
                Some(&owner.access),
                json!({"reason": "Again"}),
            )
            .await;
        assert_eq!(
            (res.status, res.body["code"].as_str()),
            (409, Some("order_closed")),
            "{path}"
        );
    }
    // Bought again and handed over.
    let again: OrderView = buy(&student, json!({"item_id": stickers.id}))
        .await
        .expect(201)
        .read();
    let res = app
        .post(
            &format!("/api/v1/store/orders/{}/fulfil", again.id),
            Some(&student.access),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 403, "a student does not hand over");
    let done: OrderView = app
        .post(
            &format!("/api/v1/store/orders/{}/fulfil", again.id),
            Some(&owner.access),
            json!({}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(done.status, rapport_domain::api::OrderStatus::Fulfilled);

    // Orders: a student sees their own; a teacher their students', an
    // admin everyone's.
    let leo = person(&app, &owner, json!({"first_name": "Leo"})).await;
    let zed = person(&app, &owner, json!({"first_name": "Zed"})).await;
    crate::school::class_of(&app, &owner, "Python", &teacher, &[mia.id, leo.id]).await;
    let badge = item(
        &app,
        &owner,
        json!({"name": "Badge", "price": {"bronze": 1}, "stock": 5}),
    )
    .await;
    give(&app, &owner, zed.id, 1, "MEDAL_BRONZE").await;
    let zeds = buy(&owner, json!({"item_id": badge.id, "person_id": zed.id}))
        .await
        .expect(201);
    app.post(
        &format!(
            "/api/v1/store/orders/{}/fulfil",
            zeds.body["id"].as_str().unwrap()
        ),
        Some(&owner.access),
        json!({}),
    )
    .await
    .expect(200);
    give(&app, &owner, leo.id, 5, "MEDAL_BRONZE").await;
    buy(&owner, json!({"item_id": stickers.id, "person_id": leo.id}))
        .await
        .expect(201);
    let mine: Page<OrderView> = app
        .get("/api/v1/store/orders", &student.access)
        .await
        .expect(200)
        .read();
    assert!(mine.data.iter().all(|o| o.person_id == mia.id));
    assert_eq!(mine.data.len(), 2);
    let theirs: Page<OrderView> = app
        .get("/api/v1/store/orders", &teacher.access)
        .await
        .expect(200)
        .read();
    assert_eq!(theirs.data.len(), 3);
    assert!(theirs.data.iter().all(|o| o.person_id != zed.id));
    let all: Page<OrderView> = app
        .get("/api/v1/store/orders", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(all.data.len(), 4);
    let placed: Page<OrderView> = app
        .get("/api/v1/store/orders?status=placed", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(placed.data.len(), 1);
    // A student buys for themself only; a teacher without a record of
    // their own names nobody.
    let res = buy(
        &student,
        json!({"item_id": stickers.id, "person_id": leo.id}),
    )
    .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        buy(&teacher, json!({"item_id": stickers.id})).await.status,
        422
    );
    app.stop().await;
}

/// Fifty students buy the last item at once: exactly one order, the stock
/// at zero, and only the buyer's medals taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_purchases_of_the_last_item_at_once_give_exactly_one_order() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let last = item(
        &app,
        &owner,
        json!({"name": "Drone", "price": {"bronze": 3}, "stock": 1}),
    )
    .await;
    let mut people = vec![];
    for i in 0..50 {
        let p = person(&app, &owner, json!({"first_name": format!("Buyer {i}")})).await;
        give(&app, &owner, p.id, 3, "MEDAL_BRONZE").await;
        people.push(p.id);
    }
    let tries = people.iter().map(|p| {
        let (app, token) = (&app, owner.access.clone());
        let body = json!({"item_id": last.id, "person_id": p});
        async move { app.post("/api/v1/store/orders", Some(&token), body).await }
    });
    let answers = futures::future::join_all(tries).await;
    let sold = answers.iter().filter(|r| r.status == 201).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "out_of_stock")
        .count();
    assert_eq!((sold, refused), (1, 49));
    assert_eq!(stock(&app, last.id).await, 0);
    assert_eq!(app.count("SELECT count(*) FROM store_orders").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM ledger_entries WHERE amount_minor < 0")
            .await,
        1
    );
    app.stop().await;
}

/// Items: only admins add and change them (a stale version is 412); one not
/// for sale is hidden from students and cannot be bought; bad input and
/// other workspaces change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_are_run_by_admins_and_bad_input_changes_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let teacher = app.add_member(&owner, "staff").await;
    let mia = person(
        &app,
        &owner,
        json!({"first_name": "Mia", "user_id": student.user_id}),
    )
    .await;
    give(&app, &owner, mia.id, 10, "MEDAL_BRONZE").await;
    let pen = item(
        &app,
        &owner,
        json!({"name": "Pen", "price": {"bronze": 1}, "stock": 5}),
    )
    .await;
    for who in [&student, &teacher] {
        let res = app
            .post(
                "/api/v1/store/items",
                Some(&who.access),
                json!({"name": "Mine", "price": {"bronze": 1}, "stock": 1}),
            )
            .await;
        assert_eq!(res.status, 403);
    }
    for bad in [
        json!({"name": "Free", "price": {}, "stock": 1}),
        json!({"name": "Neg", "price": {"bronze": 1}, "stock": -1}),
        json!({"name": " ", "price": {"bronze": 1}, "stock": 1}),
        json!({"name": "Img", "price": {"bronze": 1}, "stock": 1, "image_url": "javascript:alert(1)"}),
        json!({"name": "Odd", "price": {"bronze": 1, "platinum": 1}, "stock": 1}),
    ] {
        let res = app
            .post("/api/v1/store/items", Some(&owner.access), bad.clone())
            .await;
        assert!(matches!(res.status, 400 | 422), "{bad}: {}", res.status);
    }
    let res = app
        .post(
            "/api/v1/store/orders",
            Some(&student.access),
            json!({"item_id": pen.id, "quantity": 0}),
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(app.count("SELECT count(*) FROM store_items").await, 1);

    // Taken off sale: hidden from students, not sold; an admin still sees it.
    let etag = format!("\"{}\"", pen.version);
    let off: StoreItemView = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/store/items/{}", pen.id),
            Some(&owner.access),
            Some(json!({"active": false})),
            &[("if-match", etag.as_str())],
        )
        .await
        .expect(200)
        .read();
    assert!(!off.active);
    let stale = app
        .call_with(
            Method::PATCH,
            &format!("/api/v1/store/items/{}", pen.id),
            Some(&owner.access),
            Some(json!({"stock": 99})),
            &[("if-match", etag.as_str())],
        )
        .await;
    assert_eq!(stale.status, 412);
    let shown: Page<StoreItemView> = app
        .get("/api/v1/store/items?include_inactive=true", &student.access)
        .await
        .expect(200)
        .read();
    assert!(shown.data.is_empty());
    let shown: Page<StoreItemView> = app
        .get("/api/v1/store/items?include_inactive=true", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(shown.data.len(), 1);
    let res = app
        .post(
            "/api/v1/store/orders",
            Some(&student.access),
            json!({"item_id": pen.id}),
        )
        .await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (409, Some("out_of_stock"))
    );

    // Another workspace: not found.
    let elsewhere = app.register("school").await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/store/items/{}", pen.id),
        Some(&elsewhere.access),
        Some(json!({"stock": 1})),
    )
    .await
    .expect(404);
    let res = app
        .post(
            "/api/v1/store/orders",
            Some(&elsewhere.access),
            json!({"item_id": pen.id, "person_id": mia.id}),
        )
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(stock(&app, pen.id).await, 5);
    // A template without the store.
    let sales = app.register("sales").await;
    let res = app.get("/api/v1/store/items", &sales.access).await;
    assert_eq!(
        (res.status, res.body["code"].as_str()),
        (403, Some("module_disabled"))
    );
    app.stop().await;
}

/// The smallest PNG: one transparent pixel.
const PIXEL: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82";

/// An item's picture: uploaded by those who run the store, told by its
/// bytes, served under an address versioned by its hash to those who
/// shop, kept to its workspace, and replaced by a link or removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_uploaded_served_and_kept_to_their_workspace() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let teacher = app.add_member(&owner, "staff").await;
    let elsewhere = app.register("school").await;
    let stickers = item(
        &app,
        &owner,
        json!({"name": "Stickers", "price": {"bronze": 5}, "stock": 3,
               "image_url": "https://example.com/stickers.png"}),
    )
    .await;
    let path = format!("/api/v1/store/items/{}/image", stickers.id);
    let put = |token: String, bytes: Vec<u8>, headers: Vec<(&'static str, String)>| {
        let (app, path) = (&app, path.clone());
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.send_bytes(Method::PUT, &path, &token, "image/png", bytes, &h)
                .await
        }
    };
    let images = || app.count("SELECT count(*) FROM store_item_images");

    // Not theirs to change: a student, a teacher, another workspace.
    put(student.access.clone(), PIXEL.to_vec(), vec![])
        .await
        .expect(403);
    put(teacher.access.clone(), PIXEL.to_vec(), vec![])
        .await
        .expect(403);
    put(elsewhere.access.clone(), PIXEL.to_vec(), vec![])
        .await
        .expect(404);
    // Not a picture, whatever it says it is; too large; stale.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let res = put(owner.access.clone(), svg, vec![]).await.expect(422);
    assert_eq!(res.body["errors"][0]["field"], "image");
    let mut huge = PIXEL.to_vec();
    huge.resize(1024 * 1024 + 1, 0);
    put(owner.access.clone(), huge, vec![]).await.expect(413);
    put(
        owner.access.clone(),
        PIXEL.to_vec(),
        vec![("if-match", "\"9\"".into())],
    )
    .await
    .expect(412);
    assert_eq!(images().await, 0, "nothing refused was kept");

    // Uploaded: it takes the link's place.
    let etag = format!("\"{}\"", stickers.version);
    let with: StoreItemView = put(
        owner.access.clone(),
        PIXEL.to_vec(),
        vec![("if-match", etag)],
    )
    .await
    .expect(200)
    .read();
    assert_eq!(with.version, stickers.version + 1);
    let url = with.image_url.clone().expect("an address");
    assert!(url.starts_with(&format!("{path}?v=")), "{url}");
    let listed: Page<StoreItemView> = app
        .get("/api/v1/store/items", &student.access)
        .await
        .expect(200)
        .read();
    assert_eq!(listed.data[0].image_url.as_deref(), Some(url.as_str()));

    // Served to those who shop, as it was sent, kept for good at its
    // versioned address; not to another workspace.
    let got = app.get(&url, &student.access).await.expect(200);
    assert_eq!(got.bytes, PIXEL);
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert!(got
        .header("cache-control")
        .is_some_and(|c| c.contains("immutable")));
    let tag = got.header("etag").expect("an etag").to_string();
    let again = app
        .call_with(
            Method::GET,
            &url,
            Some(&teacher.access),
            None,
            &[("if-none-match", tag.as_str())],
        )
        .await
        .expect(304);
    assert!(again.bytes.is_empty());
    app.get(&url, &elsewhere.access).await.expect(404);
    let bare = app.get(&path, &student.access).await.expect(200);
    assert!(bare
        .header("cache-control")
        .is_some_and(|c| c.contains("no-cache")));

    // Off sale: hidden from students with the item.
    app.patch(
        &format!("/api/v1/store/items/{}", stickers.id),
        &owner.access,
        json!({"active": false}),
    )
    .await
    .expect(200);
    app.get(&url, &student.access).await.expect(404);
    app.get(&url, &owner.access).await.expect(200);

    // A link given in its place removes it.
    let linked: StoreItemView = app
        .patch(
            &format!("/api/v1/store/items/{}", stickers.id),
            &owner.access,
            json!({"image_url": "https://example.com/new.png"}),
        )
        .await
        .expect(200)
        .read();
    assert_eq!(
        linked.image_url.as_deref(),
        Some("https://example.com/new.png")
    );
    assert_eq!(images().await, 0);
    app.get(&path, &owner.access).await.expect(404);

    // Two uploads on one version at once: one lands, the other is told
    // the item moved on.
    let etag = format!("\"{}\"", linked.version);
    let upload = || {
        put(
            owner.access.clone(),
            PIXEL.to_vec(),
            vec![("if-match", etag.clone())],
        )
    };
    let (a, b) = futures::join!(upload(), upload());
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    assert_eq!(images().await, 1);

    // Removed: the item has no picture; removing again changes nothing.
    let remove = |token: &String| {
        let (app, path, token) = (&app, path.clone(), token.clone());
        async move { app.call(Method::DELETE, &path, Some(&token), None).await }
    };
    let without: StoreItemView = remove(&owner.access).await.expect(200).read();
    assert_eq!(without.image_url, None);
    assert_eq!(images().await, 0);
    let same: StoreItemView = remove(&owner.access).await.expect(200).read();
    assert_eq!(same.version, without.version);
    remove(&student.access).await.expect(403);

    // Each change is in the audit log.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE record_id = '{}' AND action LIKE '%updated'",
            stickers.id
        ))
        .await,
        5
    );
    app.stop().await;
}
