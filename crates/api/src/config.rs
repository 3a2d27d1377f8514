use std::path::PathBuf;

/// SMTP settings; without them the mailer keeps every message in the database.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// `smtp://user:pass@host:25`, `smtps://...` or `smtp://host:587?tls=required`, as lettre reads it.
    pub url: String,
}

/// Everything the API needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub jwt_secret: Vec<u8>,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
    /// Seconds after a rotation during which the old refresh token is
    /// honoured once more if its successor was never used (a lost answer).
    pub refresh_reuse_grace_secs: i64,
    pub invitation_ttl_days: i64,
    pub reset_ttl_secs: i64,
    /// The address people use to reach the app, for links in e-mails.
    pub public_url: String,
    pub smtp: Option<SmtpConfig>,
    pub mail_from: String,
    /// Requests a minute one address may make to `/api/v1/auth/*`.
    pub auth_rate_per_min: u32,
    /// Requests a minute one API key may make.
    pub api_key_rate_per_min: u32,
    pub login_max_failures: i32,
    pub login_window_secs: i64,
    pub login_lock_secs: i64,
    pub body_limit: usize,
    /// Origins allowed to call the API from another site; none by default.
    pub cors_origins: Vec<String>,
    pub event_retention_days: i32,
    /// Whether the refresh cookie carries `Secure` (on unless served over plain HTTP locally).
    pub secure_cookies: bool,
    /// The built single-page app, served at `/` with a fallback to `index.html`.
    pub static_dir: Option<PathBuf>,
    /// Events a WebSocket client may have queued before it is disconnected.
    pub ws_queue: usize,
    /// Whether this instance runs the job worker. The event dispatcher runs on
    /// every instance: each delivers events to its own WebSocket clients.
    pub run_workers: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_proxy: bool,
    /// The proxies whose `X-Forwarded-For` entries are skipped, from the right.
    pub trusted_proxies: Vec<crate::extract::ctx::IpNet>,
    /// Argon2 computations (19 MiB each) that may run at once.
    pub hash_slots: usize,
    /// Exports streamed at once by this instance, each holding a database
    /// connection until its file is sent; one more answers 429.
    pub export_slots: usize,
    /// How long a password check waits for a slot before answering 503.
    pub hash_wait_ms: u64,
    /// A bearer token for `/metrics`; without it `/metrics` answers only local callers.
    pub metrics_token: Option<String>,
    /// Where mail goes without SMTP: one `.eml` file per message.
    pub mail_dir: Option<PathBuf>,
    /// How often the worker schedules maintenance and requeues stale jobs.
    pub maintenance_every_ms: u64,
    /// A running job not finished after this long is taken to be lost (its worker died).
    pub job_stale_secs: i32,
    /// Messages left unread this long are sent to their reader in an
    /// e-mail digest.
    pub digest_after_mins: i64,
    /// Where uploaded files (a message's attachments) are kept.
    pub files_dir: PathBuf,
    /// The daily backup; none without it.
    pub backups: Option<Backups>,
    /// The key the values of sensitive custom fields are sealed with.
    pub fields_key: crate::backup::crypt::Key,
    /// An S3-compatible store for uploaded files, instead of `files_dir`.
    pub s3: Option<crate::s3::S3>,
}

/// Where and how the daily backup is made.
#[derive(Debug, Clone)]
pub struct Backups {
    /// The database to back up, as `pg_dump` reaches it.
    pub database_url: String,
    /// Where backups are written.
    pub dir: PathBuf,
    /// The key they are encrypted with.
    pub key: crate::backup::crypt::Key,
    /// How many are kept, the newest.
    pub keep: usize,
}

impl ApiConfig {
    /// Defaults for development and tests, with the given signing secret.
    pub fn new(jwt_secret: Vec<u8>) -> Self {
        ApiConfig {
            jwt_secret,
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            refresh_reuse_grace_secs: 5,
            invitation_ttl_days: 7,
            reset_ttl_secs: 3600,
            public_url: "http://127.0.0.1:8080".into(),
            smtp: None,
            mail_from: "Rapport <no-reply@rapport.localhost>".into(),
            auth_rate_per_min: 60,
            api_key_rate_per_min: 600,
            login_max_failures: 5,
            login_window_secs: 900,
            login_lock_secs: 900,
            body_limit: 1024 * 1024,
            cors_origins: Vec::new(),
            event_retention_days: 7,
            secure_cookies: false,
            static_dir: None,
            ws_queue: 512,
            run_workers: true,
            trust_proxy: false,
            trusted_proxies: crate::extract::ctx::IpNet::private_ranges(),
            hash_slots: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            hash_wait_ms: 3000,
            export_slots: 2,
            metrics_token: None,
            mail_dir: None,
            maintenance_every_ms: 300_000,
            digest_after_mins: 60,
            files_dir: std::env::temp_dir().join("rapport-files"),
            backups: None,
            fields_key: crate::backup::crypt::Key::random(),
            s3: None,
            job_stale_secs: 600,
        }
    }
}
