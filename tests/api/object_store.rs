//! Uploaded files kept in an S3-compatible store: an S3 endpoint in the
//! test that checks each request's AWS Signature V4 (computed the way
//! AWS's own example is, see `rapport_api::s3`) and its body's hash, and
//! keeps the objects.

use rapport_api::s3::{authorization, Request, S3Config, S3};
use rapport_tests::TestApp;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const ACCESS: &str = "RAPPORTTESTKEY";
const SECRET: &str = "the-store-secret";

type Objects = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// An S3 endpoint on a port of its own: its address and its objects.
fn store() -> (String, Objects) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let objects: Objects = Default::default();
    let kept = objects.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let kept = kept.clone();
                App::new()
                    .app_data(web::PayloadConfig::new(20 << 20))
                    .default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                        let kept = kept.clone();
                        async move {
                            let h = |n: &str| {
                                req.headers()
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or("")
                                    .to_string()
                            };
                            let error = |status: u16, code: &str| {
                                HttpResponse::build(
                                    actix_web::http::StatusCode::from_u16(status).unwrap(),
                                )
                                .content_type("application/xml")
                                .body(format!("<Error><Code>{code}</Code></Error>"))
                            };
                            let (host, date, payload) =
                                (h("host"), h("x-amz-date"), h("x-amz-content-sha256"));
                            if payload != hex::encode(sha2::Sha256::digest(&body)) {
                                return error(400, "XAmzContentSHA256Mismatch");
                            }
                            let expected = authorization(&Request {
                                method: req.method().as_str(),
                                path: req.path(),
                                query: "",
                                headers: &[
                                    ("host", &host),
                                    ("x-amz-content-sha256", &payload),
                                    ("x-amz-date", &date),
                                ],
                                payload: &payload,
                                date: &date,
                                region: "eu-test-1",
                                access_key: ACCESS,
                                secret_key: SECRET,
                            });
                            if date.len() != 16 || h("authorization") != expected {
                                return error(403, "SignatureDoesNotMatch");
                            }
                            let key = req.path().to_string();
                            let mut objects = kept.lock().unwrap();
                            match req.method().as_str() {
                                "PUT" => {
                                    objects.insert(key, body.to_vec());
                                    HttpResponse::Ok().finish()
                                }
                                "GET" => match objects.get(&key) {
                                    Some(b) => HttpResponse::Ok().body(b.clone()),
                                    None => error(404, "NoSuchKey"),
                                },
                                "DELETE" => {
                                    objects.remove(&key);
                                    HttpResponse::NoContent().finish()
                                }
                                _ => error(405, "MethodNotAllowed"),
                            }
                        }
                    }))
            })
            .listen(listener)
            .unwrap()
            .workers(1)
            .run()
            .await
            .unwrap();
        });
    });
    (format!("http://{addr}"), objects)
}

fn config(endpoint: &str, secret: &str) -> S3Config {
    S3Config {
        endpoint: endpoint.into(),
        bucket: "rapport-files".into(),
        region: "eu-test-1".into(),
        access_key: ACCESS.into(),
        secret_key: secret.into(),
        prefix: "t/".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_file_is_kept_in_the_object_store_and_served_to_participants_only() {
    let (endpoint, objects) = store();
    let files_dir = std::env::temp_dir().join(format!("rapport-s3-{}", uuid::Uuid::new_v4()));
    let s3 = S3::new(config(&endpoint, SECRET)).unwrap();
    let app = TestApp::start_with(|c| {
        c.run_workers = false;
        c.files_dir = files_dir.clone();
        c.s3 = Some(s3);
    })
    .await;
    let owner = app.register("tutoring").await;
    let user = app.add_member(&owner, "member").await;
    let other = app.add_member(&owner, "member").await;
    let pdf: Vec<u8> = (0..300_000u32).map(|i| (i % 239) as u8).collect();
    let (id, message) = app.send_file(&owner, user.user_id, "plan.pdf", &pdf).await;
    let key = format!("/rapport-files/t/{}/{id}", owner.workspace_id);
    assert!(
        objects.lock().unwrap().get(&key) == Some(&pdf),
        "kept whole in the store under its workspace"
    );
    assert!(!files_dir.exists(), "nothing on the server's disk");

    let path = format!("/api/v1/attachments/{id}");
    assert!(app.get(&path, &user.access).await.expect(200).bytes == pdf);
    app.get(&path, &other.access).await.expect(404);
    let stranger = app.register("tutoring").await;
    app.get(&path, &stranger.access).await.expect(404);

    // The workspace export reads it from the store.
    let zip = app
        .get("/api/v1/workspace/export", &owner.access)
        .await
        .expect(200)
        .bytes;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut got = Vec::new();
    std::io::Read::read_to_end(
        &mut zip.by_name(&format!("attachments/{id}/plan.pdf")).unwrap(),
        &mut got,
    )
    .unwrap();
    assert!(got == pdf);

    // The message deleted, the sweep removes the object.
    app.delete(&format!("/api/v1/messages/{message}"), &owner.access)
        .await
        .expect(204);
    app.sql()
        .await
        .batch_execute("INSERT INTO jobs (kind, payload) VALUES ('messaging.files.sweep', '{}')")
        .await
        .unwrap();
    let state = app.state();
    while rapport_api::jobs::work_one(&state, "here").await {}
    assert!(!objects.lock().unwrap().contains_key(&key), "swept");
    app.get(&path, &user.access).await.expect(404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_refuses_is_named_in_the_error() {
    let (endpoint, _) = store();
    let wrong = S3::new(config(&endpoint, "not-the-secret")).unwrap();
    let (ws, id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let e = wrong.put(ws, id, b"x").await.unwrap_err();
    assert!(e.to_string().contains("SignatureDoesNotMatch"), "{e}");
    let right = S3::new(config(&endpoint, SECRET)).unwrap();
    assert_eq!(right.get(ws, id).await.unwrap(), None);
    right.put(ws, id, b"kept").await.unwrap();
    assert_eq!(
        right.get(ws, id).await.unwrap().as_deref(),
        Some(&b"kept"[..])
    );
    right.remove(ws, id).await.unwrap();
    right.remove(ws, id).await.unwrap();
    assert_eq!(right.get(ws, id).await.unwrap(), None);
    let gone = S3::new(config("http://127.0.0.1:9", SECRET)).unwrap();
    let e = gone.get(ws, id).await.unwrap_err();
    assert!(e.to_string().contains("did not answer"), "{e}");
}
