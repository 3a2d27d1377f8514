//! `rapport serve | migrate | demo | backup | restore`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use rapport_api::backup::crypt::Key;
use rapport_api::backup::dump;
use rapport_api::config::SmtpConfig;
use rapport_api::ApiConfig;
use rapport_server::{pg, ServeOptions};
use std::path::{Path, PathBuf};

/// A busy server builds and frees many small buffers on each worker thread;
/// mimalloc serves them with far less work than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: one relationship-management platform for small organisations"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    opts: Opts,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the app (the default).
    Serve {
        /// Create the demo workspaces first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Create the demo workspaces, print how to sign in, and exit.
    Demo,
    /// Write an encrypted backup of the whole server (the database and the
    /// uploaded files) and exit.
    Backup {
        /// The file to write (default: a new file in the backup directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Put back a backup made by `rapport backup`, onto an empty database,
    /// and exit.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Drop everything the database holds first.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(clap::Args)]
struct Opts {
    /// PostgreSQL URL; without it a private cluster is started in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Address to listen on.
    #[arg(
        long,
        env = "RAPPORT_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    bind: String,
    /// Where the private PostgreSQL and the generated secret live.
    #[arg(long, env = "RAPPORT_DATA_DIR", default_value = "./var", global = true)]
    data_dir: PathBuf,
    /// Secret for signing access tokens; generated once into the data directory when absent.
    #[arg(
        long,
        env = "RAPPORT_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    jwt_secret: Option<String>,
    /// SMTP server, e.g. `smtp://user:pass@mail.example.com:587?tls=required`; without it mail is kept for the mail viewer.
    #[arg(long, env = "RAPPORT_SMTP_URL", hide_env_values = true, global = true)]
    smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(
        long,
        env = "RAPPORT_MAIL_FROM",
        default_value = "Rapport <no-reply@rapport.localhost>",
        global = true
    )]
    mail_from: String,
    /// The address people use to reach the app, for links in e-mails (default: http://<bind>).
    #[arg(long, env = "RAPPORT_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// The built app to serve at `/`.
    #[arg(
        long,
        env = "RAPPORT_STATIC_DIR",
        default_value = "dist",
        global = true
    )]
    static_dir: PathBuf,
    /// Requests a minute one address may make to /api/v1/auth.
    #[arg(
        long,
        env = "RAPPORT_AUTH_RATE_LIMIT",
        default_value_t = 60,
        global = true
    )]
    auth_rate_limit: u32,
    /// Requests a minute one API key may make.
    #[arg(
        long,
        env = "RAPPORT_API_KEY_RATE_LIMIT",
        default_value_t = 600,
        global = true
    )]
    api_key_rate_limit: u32,
    /// Seconds after a rotation during which a client that lost the answer may present the old refresh token once more.
    #[arg(
        long,
        env = "RAPPORT_REFRESH_REUSE_GRACE_SECS",
        default_value_t = 5,
        global = true
    )]
    refresh_reuse_grace_secs: i64,
    /// Days events are kept.
    #[arg(
        long,
        env = "RAPPORT_EVENT_RETENTION_DAYS",
        default_value_t = 7,
        global = true
    )]
    event_retention_days: i32,
    /// Minutes a message stays unread before its reader is sent it in an e-mail digest.
    #[arg(
        long,
        env = "RAPPORT_DIGEST_AFTER_MINUTES",
        default_value_t = 60,
        global = true
    )]
    digest_after_minutes: i64,
    /// Origins allowed to call the API from other sites, comma-separated; none by default.
    #[arg(
        long,
        env = "RAPPORT_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    cors_origins: Vec<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "RAPPORT_BODY_LIMIT", default_value_t = 1024 * 1024, global = true)]
    body_limit: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "RAPPORT_WORKERS", global = true)]
    workers: Option<usize>,
    /// Database connections for requests (default: four per core).
    #[arg(long, env = "RAPPORT_DB_POOL", global = true)]
    db_pool: Option<u32>,
    /// Trust X-Forwarded-For from a reverse proxy (one of --trusted-proxies).
    #[arg(long, env = "RAPPORT_TRUST_PROXY", global = true)]
    trust_proxy: bool,
    /// Address ranges of one's own reverse proxies, comma-separated; the client
    /// is the rightmost X-Forwarded-For entry outside them.
    #[arg(
        long,
        env = "RAPPORT_TRUSTED_PROXIES",
        value_delimiter = ',',
        default_value = "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7",
        global = true
    )]
    trusted_proxies: Vec<String>,
    /// A token that /metrics requires (`Authorization: Bearer <token>`); without it /metrics answers only loopback callers.
    #[arg(
        long,
        env = "RAPPORT_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    metrics_token: Option<String>,
    /// Exports (CSV, XLSX) streamed at once, each holding a database connection while its file is sent.
    #[arg(
        long,
        env = "RAPPORT_EXPORT_CONCURRENCY",
        default_value_t = 2,
        global = true
    )]
    export_concurrency: usize,
    /// Password hashes (Argon2id, 19 MiB each) computed at once (default: one per core).
    #[arg(long, env = "RAPPORT_HASH_CONCURRENCY", global = true)]
    hash_concurrency: Option<usize>,
    /// Where backups are written, the daily ones and `rapport backup`'s.
    #[arg(long, env = "RAPPORT_BACKUP_DIR", global = true)]
    backup_dir: Option<PathBuf>,
    /// Daily backups kept, the newest; 0 makes none.
    #[arg(long, env = "RAPPORT_BACKUP_KEEP", default_value_t = 7, global = true)]
    backup_keep: usize,
    /// The key backups are encrypted with, 64 hexadecimal digits (default:
    /// the one in the data directory, made on first use).
    #[arg(
        long,
        env = "RAPPORT_BACKUP_KEY",
        hide_env_values = true,
        global = true
    )]
    backup_key: Option<String>,
    /// The key the values of sensitive custom fields are sealed with, 64
    /// hexadecimal digits; every instance of a deployment needs the same
    /// (default: the one in the data directory, made on first use).
    #[arg(
        long,
        env = "RAPPORT_FIELDS_KEY",
        hide_env_values = true,
        global = true
    )]
    fields_key: Option<String>,
    /// An S3-compatible store for uploaded files (`https://s3.eu-west-1.amazonaws.com`,
    /// `http://127.0.0.1:9000`); without it they are kept under the data directory.
    #[arg(long, env = "RAPPORT_S3_ENDPOINT", global = true)]
    s3_endpoint: Option<String>,
    /// The store's bucket.
    #[arg(
        long,
        env = "RAPPORT_S3_BUCKET",
        default_value = "rapport",
        global = true
    )]
    s3_bucket: String,
    /// The store's region (`auto` for Cloudflare R2).
    #[arg(
        long,
        env = "RAPPORT_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    s3_region: String,
    /// The store's access key id.
    #[arg(long, env = "RAPPORT_S3_ACCESS_KEY", default_value = "", global = true)]
    s3_access_key: String,
    /// The store's secret key.
    #[arg(
        long,
        env = "RAPPORT_S3_SECRET_KEY",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true,
        global = true
    )]
    s3_secret_key: String,
    /// Put before every object's key, e.g. `rapport/`.
    #[arg(long, env = "RAPPORT_S3_PREFIX", default_value = "", global = true)]
    s3_prefix: String,
    /// `text` or `json` logs.
    #[arg(
        long,
        env = "RAPPORT_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: String,
}

fn jwt_secret(opts: &Opts) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &opts.jwt_secret {
        anyhow::ensure!(
            s.len() >= 32,
            "RAPPORT_JWT_SECRET must be at least 32 characters"
        );
        return Ok(s.as_bytes().to_vec());
    }
    let path = opts.data_dir.join("jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        return Ok(s.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(&opts.data_dir)?;
    let secret = hex::encode(rand::random::<[u8; 32]>());
    write_private(&path, &secret)?;
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    Ok(())
}

/// Logs go to stdout from a thread of their own: a request never waits for
/// the terminal or the pipe. The guard flushes what is queued when dropped.
fn init_logs(format: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,actix_server=warn".into());
    // Not lossy: when the queue is full, requests wait rather than lose lines.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(64 * 1024)
        .lossy(false)
        .finish(std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    guard
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let opts = cli.opts;
    let _logs = init_logs(&opts.log_format);
    let command = cli.command.unwrap_or(Command::Serve { demo: false });

    let (private, database_url) = match &opts.database_url {
        Some(url) => (None, url.clone()),
        None => {
            let dir = opts.data_dir.join("pg");
            let pg = tokio::task::spawn_blocking(move || pg::PrivatePg::start(&dir)).await??;
            pg::ensure_database(&pg.url("postgres"), "rapport").await?;
            let url = pg.url("rapport");
            (Some(pg), url)
        }
    };
    let result = run(command, &opts, &database_url).await;
    if let Some(pg) = &private {
        if let Err(e) = pg.stop() {
            tracing::error!(error = %e, "stopping the private PostgreSQL");
        }
    }
    result
}

/// The backup key: given, or the one in the data directory (made there
/// when `make` and there is none, with a word to keep a copy).
fn backup_key(opts: &Opts, make: bool) -> anyhow::Result<Key> {
    if let Some(k) = &opts.backup_key {
        return Key::from_hex(k).context("RAPPORT_BACKUP_KEY");
    }
    let path = opts.data_dir.join("backup-key");
    if !make && !path.exists() {
        anyhow::bail!(
            "no backup key at {}: give the key the backup was made with (RAPPORT_BACKUP_KEY or that file)",
            path.display()
        );
    }
    let (key, made) = Key::load_or_create(&path)?;
    if made {
        tracing::warn!(
            key = %path.display(),
            "a backup key was made: keep a copy of it away from this machine, as no backup can be restored without it"
        );
    }
    Ok(key)
}

/// The key sensitive custom values are sealed with: given, or the one in
/// the data directory, made there on first use.
fn fields_key(opts: &Opts) -> anyhow::Result<Key> {
    if let Some(k) = &opts.fields_key {
        return Key::from_hex(k).context("RAPPORT_FIELDS_KEY");
    }
    let path = opts.data_dir.join("fields-key");
    let (key, made) = Key::load_or_create(&path)?;
    if made {
        tracing::warn!(
            key = %path.display(),
            "a key for sensitive custom fields was made: every instance of this deployment needs the same (RAPPORT_FIELDS_KEY), and backups carry it"
        );
    }
    Ok(key)
}

fn backup_dir(opts: &Opts) -> PathBuf {
    opts.backup_dir
        .clone()
        .unwrap_or_else(|| opts.data_dir.join("backups"))
}

async fn run(command: Command, opts: &Opts, database_url: &str) -> anyhow::Result<()> {
    match &command {
        Command::Backup { out } => {
            let key = backup_key(opts, true)?;
            let out = out
                .clone()
                .unwrap_or_else(|| backup_dir(opts).join(dump::file_name(chrono::Utc::now())));
            let fields = fields_key(opts)?;
            let (url, files, to) = (
                database_url.to_string(),
                opts.data_dir.join("files"),
                out.clone(),
            );
            let made = tokio::task::spawn_blocking(move || {
                dump::backup(&url, &files, Some(&fields), &key, &to)
            })
            .await??;
            println!(
                "Backed up to {} (database {} bytes, {} files).",
                out.display(),
                made.database_bytes,
                made.files
            );
            return Ok(());
        }
        Command::Restore { file, replace } => {
            let key = backup_key(opts, false)?;
            let path = opts.data_dir.join("fields-key");
            let current = match &opts.fields_key {
                Some(k) => Some(Key::from_hex(k).context("RAPPORT_FIELDS_KEY")?),
                None if path.exists() => Some(Key::load_or_create(&path)?.0),
                None => None,
            };
            let files = opts.data_dir.join("files");
            if *replace {
                // What the database holds is dropped: kept first.
                let out = backup_dir(opts).join(format!(
                    "before-restore-{}",
                    dump::file_name(chrono::Utc::now())
                ));
                // With the key of its sensitive values if there is one; none
                // is made here.
                let (url, from, to, k, fields) = (
                    database_url.to_string(),
                    files.clone(),
                    out.clone(),
                    key.clone(),
                    current.clone(),
                );
                tokio::task::spawn_blocking(move || {
                    dump::backup(&url, &from, fields.as_ref(), &k, &to)
                })
                .await??;
                println!("What the database held is kept in {}.", out.display());
            }
            // Written whole under another name, then named.
            let keep = |k: &Key| -> anyhow::Result<()> {
                std::fs::create_dir_all(&opts.data_dir)?;
                let part = path.with_extension("part");
                let _ = std::fs::remove_file(&part);
                write_private(&part, &k.to_hex())?;
                std::fs::rename(&part, &path)?;
                Ok(())
            };
            let done = dump::restore(
                database_url,
                &files,
                &key,
                file,
                *replace,
                current.as_ref(),
                &keep,
            )
            .await?;
            println!(
                "Restored the backup of {} (made by Rapport {}): the database and {} files.",
                done.manifest.created_at.to_rfc3339(),
                done.manifest.version,
                done.files
            );
            return Ok(());
        }
        _ => {}
    }
    let applied = rapport_db::run_migrations(database_url)
        .await
        .context("migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let demo = match command {
        Command::Migrate => return Ok(()),
        Command::Demo => {
            let pool = rapport_db::pool(database_url, 2).await?;
            println!(
                "Demo workspaces:\n{}",
                rapport_server::demo::seed(&pool, &fields_key(opts)?)
                    .await?
                    .join("\n")
            );
            return Ok(());
        }
        Command::Serve { demo } => demo,
        Command::Backup { .. } | Command::Restore { .. } => unreachable!("handled above"),
    };
    let mut config = ApiConfig::new(jwt_secret(opts)?);
    let public_url = opts
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", opts.bind));
    config.secure_cookies = public_url.starts_with("https://");
    config.public_url = public_url.clone();
    config.smtp = opts.smtp_url.clone().map(|url| SmtpConfig { url });
    if config.smtp.is_none() {
        let dir = opts.data_dir.join("mail");
        tracing::warn!(
            dir = %dir.display(),
            "no SMTP server (RAPPORT_SMTP_URL): mail is written to files in this directory, and each \
             signed-in person can read the mail sent to their own address in the mail viewer; \
             configure SMTP in production"
        );
        config.mail_dir = Some(dir);
    }
    config.mail_from = opts.mail_from.clone();
    config.auth_rate_per_min = opts.auth_rate_limit;
    config.api_key_rate_per_min = opts.api_key_rate_limit;
    config.event_retention_days = opts.event_retention_days;
    config.digest_after_mins = opts.digest_after_minutes.clamp(0, 7 * 24 * 60);
    config.refresh_reuse_grace_secs = opts.refresh_reuse_grace_secs.clamp(0, 60);
    config.cors_origins = opts
        .cors_origins
        .iter()
        .filter(|o| !o.is_empty())
        .cloned()
        .collect();
    config.body_limit = opts.body_limit;
    config.files_dir = opts.data_dir.join("files");
    config.fields_key = fields_key(opts)?;
    if let Some(endpoint) = &opts.s3_endpoint {
        config.s3 = Some(rapport_api::s3::S3::new(rapport_api::s3::S3Config {
            endpoint: endpoint.clone(),
            bucket: opts.s3_bucket.clone(),
            region: opts.s3_region.clone(),
            access_key: opts.s3_access_key.clone(),
            secret_key: opts.s3_secret_key.clone(),
            prefix: opts.s3_prefix.clone(),
        })?);
        tracing::info!(endpoint, bucket = %opts.s3_bucket, "uploaded files are kept in the object store, which keeps its own copies: backups hold the database only");
    }
    if opts.backup_keep > 0 {
        config.backups = Some(rapport_api::config::Backups {
            database_url: database_url.to_string(),
            dir: backup_dir(opts),
            key: backup_key(opts, true)?,
            keep: opts.backup_keep,
        });
    }
    config.static_dir = Some(opts.static_dir.clone());
    config.trust_proxy = opts.trust_proxy;
    config.trusted_proxies = opts
        .trusted_proxies
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse().map_err(|e: String| anyhow::anyhow!(e)))
        .collect::<anyhow::Result<_>>()
        .context("RAPPORT_TRUSTED_PROXIES")?;
    config.metrics_token = opts.metrics_token.clone().filter(|t| !t.is_empty());
    config.export_slots = opts.export_concurrency.max(1);
    if let Some(n) = opts.hash_concurrency {
        config.hash_slots = n.max(1);
    }

    let listener = std::net::TcpListener::bind(&opts.bind)
        .with_context(|| format!("binding {}", opts.bind))?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let workers = opts.workers.unwrap_or(cores);
    let running = rapport_server::serve(
        listener,
        config,
        ServeOptions {
            database_url: database_url.to_string(),
            // More connections than the database has cores to run them only
            // queue inside it and lengthen the tail: four per core (measured).
            pool_size: opts.db_pool.unwrap_or(4 * cores as u32),
            workers,
            instance: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            ready: !demo,
        },
    )
    .await?;
    if demo {
        let lines =
            rapport_server::demo::seed(&running.state.pool, &running.state.config.fields_key)
                .await?;
        running.state.set_ready(true);
        println!(
            "Demo workspaces (sign in at {public_url}):\n{}",
            lines.join("\n")
        );
    }
    println!(
        "Rapport is listening on http://{}  (API docs: http://{}/api-docs/)",
        running.addr, running.addr
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await?;
    Ok(())
}
