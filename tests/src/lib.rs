//! The test harness: a real server on a free port, over real HTTP, against a
//! PostgreSQL database of its own (cloned from a migrated template).

pub mod pdf;

use rapport_api::ApiConfig;
use rapport_server::{Running, ServeOptions};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::OnceCell;
use uuid::Uuid;

static CLUSTER: OnceCell<String> = OnceCell::const_new();

/// The cluster tests make their databases on: `RAPPORT_TEST_DATABASE_URL`, or a
/// private one under `target/test-pg` started on first use.
pub async fn cluster_url() -> String {
    CLUSTER
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("RAPPORT_TEST_DATABASE_URL") {
                return url;
            }
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-pg");
            let pg =
                tokio::task::spawn_blocking(move || rapport_server::pg::PrivatePg::start(&dir))
                    .await
                    .expect("join")
                    .expect("a private PostgreSQL for the tests");
            // Left running for the rest of the test run; the test script stops it.
            let url = pg.url("postgres");
            std::mem::forget(pg);
            url
        })
        .await
        .clone()
}

/// A fresh, migrated database.
pub async fn fresh_database() -> String {
    rapport_db::testdb::fresh(&cluster_url().await)
        .await
        .expect("a fresh database")
}

pub const PASSWORD: &str = "correct horse battery staple";

/// One answer: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as it came (a file).
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The answer, read whole.
    pub async fn of(res: reqwest::Response) -> Resp {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
            bytes,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body read into a type of the API (a domain type), failing the test when it does not fit.
    #[track_caller]
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> T {
        match serde_json::from_str(&self.text) {
            Ok(v) => v,
            Err(e) => panic!(
                "the body is not a {}: {e}; body: {}",
                std::any::type_name::<T>(),
                self.text
            ),
        }
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

/// A signed-in person in a workspace.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    pub email: String,
    pub role: String,
}

impl Session {
    pub fn from_tokens(body: &Value, email: &str) -> Session {
        Session {
            access: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_string(),
            user_id: body["user"]["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("user id"),
            workspace_id: body["workspace"]["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("workspace id"),
            email: email.to_string(),
            role: body["role"].as_str().unwrap_or_default().to_string(),
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub db_url: String,
    pub client: reqwest::Client,
    running: Option<Running>,
    /// Whether this instance made its database (and so drops it when stopped).
    owns_database: bool,
}

static EMAILS: AtomicU64 = AtomicU64::new(1);

/// A unique e-mail address for a test.
pub fn email(prefix: &str) -> String {
    format!(
        "{prefix}{}-{}@example.com",
        EMAILS.fetch_add(1, Ordering::Relaxed),
        &Uuid::new_v4().simple().to_string()[..8]
    )
}

pub fn test_config() -> ApiConfig {
    let mut c = ApiConfig::new(b"test secret that is long enough for HS256 signing".to_vec());
    c.auth_rate_per_min = 10_000;
    c
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut ApiConfig)) -> TestApp {
        let db_url = fresh_database().await;
        let mut app = Self::on_database(db_url, f).await;
        app.owns_database = true;
        app
    }

    /// Another instance on the same database, as a second server of a deployment.
    pub async fn on_database(db_url: String, f: impl FnOnce(&mut ApiConfig)) -> TestApp {
        let mut config = test_config();
        f(&mut config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let running = rapport_server::serve(
            listener,
            config,
            ServeOptions {
                database_url: db_url.clone(),
                pool_size: 8,
                workers: 2,
                instance: format!("test-{}", Uuid::new_v4()),
                ready: true,
            },
        )
        .await
        .expect("the server starts");
        let base = format!("http://{}", running.addr);
        let client = reqwest::Client::builder()
            .cookie_store(false)
            .build()
            .expect("client");
        TestApp {
            base,
            db_url,
            client,
            running: Some(running),
            owns_database: false,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }

    /// Sends a request; `token` goes in `Authorization: Bearer`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Resp::of(req.send().await.expect("the request is answered")).await
    }

    /// Posts `bytes` as the body, of `content_type`.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Resp {
        self.upload_with(path, token, content_type, bytes, &[])
            .await
    }

    /// Posts `bytes` as the body, of `content_type`, with more headers.
    pub async fn upload_with(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.send_bytes(Method::POST, path, token, content_type, bytes, headers)
            .await
    }

    /// Sends `bytes` as the body, of `content_type`, with `method` and
    /// more headers.
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req
            .body(bytes)
            .send()
            .await
            .expect("the request is answered");
        Resp::of(res).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Registers a new workspace of `template` and its owner.
    pub async fn register(&self, template: &str) -> Session {
        let email = email("owner");
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"workspace_name": format!("{template} workspace"), "template": template,
                       "name": "Olive Owner", "email": email, "password": PASSWORD}),
            )
            .await
            .expect(201);
        Session::from_tokens(&res.body, &email)
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Invites `role` into the session's workspace and accepts as a new person.
    pub async fn add_member(&self, owner: &Session, role: &str) -> Session {
        let email = email(role);
        let inv = self
            .post(
                "/api/v1/invitations",
                Some(&owner.access),
                json!({"email": email, "role": role}),
            )
            .await
            .expect(201);
        let token = inv.body["token"].as_str().expect("token").to_string();
        let res = self
            .post(
                &format!("/api/v1/invitations/{token}/accept"),
                None,
                json!({"name": format!("{role} person"), "password": PASSWORD}),
            )
            .await
            .expect(200);
        Session::from_tokens(&res.body, &email)
    }

    /// A new API key of `owner`'s workspace holding `scopes`: its secret.
    pub async fn api_key(&self, owner: &Session, scopes: Value) -> String {
        self.post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "sync", "scopes": scopes}),
        )
        .await
        .expect(201)
        .body["key"]
            .as_str()
            .expect("the key")
            .to_string()
    }

    /// Invites `email` with `role` into `by`'s workspace; the invitation token.
    pub async fn invite(&self, by: &Session, email: &str, role: &str) -> String {
        self.post(
            "/api/v1/invitations",
            Some(&by.access),
            json!({"email": email, "role": role}),
        )
        .await
        .expect(201)
        .body["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Brings a person who has an account into `by`'s workspace: invited, and
    /// accepted while signed in.
    pub async fn join(&self, by: &Session, person: &Session, role: &str) {
        let token = self.invite(by, &person.email, role).await;
        self.post(
            &format!("/api/v1/invitations/{token}/accept"),
            Some(&person.access),
            json!({}),
        )
        .await
        .expect(200);
    }

    /// Presents a refresh token in the body.
    pub async fn refresh(&self, token: &str) -> Resp {
        self.post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": token }),
        )
        .await
    }

    /// `by` sends `bytes` as a PDF named `filename` (as written in a query)
    /// to member `to`, in a conversation of its own: the file's id and the
    /// message's.
    pub async fn send_file(
        &self,
        by: &Session,
        to: Uuid,
        filename: &str,
        bytes: &[u8],
    ) -> (String, String) {
        let file = self
            .upload(
                &format!("/api/v1/attachments?filename={filename}"),
                &by.access,
                "application/pdf",
                bytes.to_vec(),
            )
            .await
            .expect(201)
            .body;
        let c = self
            .post(
                "/api/v1/conversations",
                Some(&by.access),
                json!({"participant_ids": [to], "body": "A file for you"}),
            )
            .await
            .expect(201)
            .body;
        let m = self
            .post(
                "/api/v1/messages",
                Some(&by.access),
                json!({"conversation_id": c["id"], "body": "Attached", "attachment_ids": [file["id"]]}),
            )
            .await
            .expect(201)
            .body;
        let id = |v: &Value| v["id"].as_str().expect("an id").to_string();
        (id(&file), id(&m))
    }

    /// Signs in with [`PASSWORD`]: a new session of the person.
    pub async fn sign_in(&self, email: &str) -> Session {
        Session::from_tokens(&self.login(email, PASSWORD).await.expect(200).body, email)
    }

    /// Tokens of the session for another of the person's workspaces.
    pub async fn switch(&self, s: &Session, workspace_id: Uuid) -> Session {
        let res = self
            .post(
                "/api/v1/auth/switch",
                Some(&s.access),
                json!({ "workspace_id": workspace_id, "refresh_token": s.refresh }),
            )
            .await
            .expect(200);
        Session::from_tokens(&res.body, &s.email)
    }

    /// A direct connection to this app's database, for what no route may do.
    pub async fn sql(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.db_url, tokio_postgres::NoTls)
            .await
            .expect("sql connection");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }

    /// The first column of every row `query` answers, as text.
    pub async fn texts(&self, query: &str) -> Vec<String> {
        self.sql()
            .await
            .query(query, &[])
            .await
            .expect("a query")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// The single number a `SELECT count(*) ...` answers.
    pub async fn count(&self, query: &str) -> i64 {
        self.sql()
            .await
            .query_one(query, &[])
            .await
            .expect("a count")
            .get(0)
    }

    /// Seals workspace `ws`'s audit entries and numbers its events now, as
    /// any reader of them does first: for tests that read the tables in SQL.
    pub async fn settle(&self, ws: Uuid) {
        let state = self.state();
        let mut conn = state.pool.get().await.expect("a connection");
        rapport_db::audit::seal(&mut conn, ws)
            .await
            .expect("sealed");
        rapport_db::events::number(&mut conn, ws)
            .await
            .expect("numbered");
    }

    pub fn state(&self) -> std::sync::Arc<rapport_api::state::AppState> {
        self.running.as_ref().expect("running").state.clone()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("the server stops");
        }
        // A passing test's database goes, so that a run of the suite does not
        // fill the disk; another instance on it is stopped before this one.
        if self.owns_database {
            rapport_db::testdb::discard(&cluster_url().await, &self.db_url)
                .await
                .expect("the test's database is dropped");
        }
    }
}

/// A minimal SMTP server that accepts every message after `delay` and hands
/// over its DATA: its port, and the messages.
pub async fn smtp_sink(
    delay: std::time::Duration,
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.ok();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            tokio::time::sleep(delay).await;
                            tx.send(data).ok();
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"502 not here\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, rx)
}

/// Rate limits count in fixed minutes: a test that counts requests against
/// one starts early in a minute, so that its requests all fall in the same one.
pub async fn early_in_a_minute() {
    use chrono::Timelike;
    let second = chrono::Utc::now().second();
    if second >= 45 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
}
