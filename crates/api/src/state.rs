use crate::config::ApiConfig;
use crate::events::hub::Hub;
use crate::ops::metrics::Metrics;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rapport_db::Pool;
use std::sync::Arc;

/// Shared by every request of one server instance.
pub struct AppState {
    /// For background work (events, jobs, demo data). Requests use the pool
    /// of their HTTP worker (see [`crate::extract::Db`]).
    pub pool: Pool,
    pub database_url: String,
    /// Connections of each HTTP worker's own pool.
    pub worker_pool_size: u32,
    /// Every HTTP worker's pool, for the metrics.
    pub worker_pools: std::sync::Mutex<Vec<Pool>>,
    pub config: ApiConfig,
    pub encoding_key: EncodingKey,
    pub decoding_key: DecodingKey,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    /// Bounds the exports streaming at once ([`crate::export::Slot`]).
    pub exports: Arc<tokio::sync::Semaphore>,
    /// Bounds the Argon2 computations running at once.
    pub hashing: crate::auth::secrets::HashGate,
    /// False until start-up work (migrations, demo data) is done: `/readyz` says so.
    pub ready: std::sync::atomic::AtomicBool,
    /// API keys' requests taken from their windows and not yet spent.
    pub key_leases: crate::ratelimit::KeyLeases,
    /// Where uploaded files are kept.
    pub files: crate::files::Files,
}

impl AppState {
    pub fn new(
        pool: Pool,
        database_url: String,
        worker_pool_size: u32,
        config: ApiConfig,
    ) -> Arc<Self> {
        Arc::new(AppState {
            database_url,
            worker_pool_size,
            worker_pools: Default::default(),
            encoding_key: EncodingKey::from_secret(&config.jwt_secret),
            decoding_key: DecodingKey::from_secret(&config.jwt_secret),
            hub: Arc::new(Hub::new(config.ws_queue)),
            metrics: Arc::new(Metrics::default()),
            exports: Arc::new(tokio::sync::Semaphore::new(config.export_slots.max(1))),
            hashing: crate::auth::secrets::HashGate::new(
                config.hash_slots,
                std::time::Duration::from_millis(config.hash_wait_ms),
            ),
            ready: std::sync::atomic::AtomicBool::new(true),
            key_leases: Default::default(),
            files: match &config.s3 {
                Some(s3) => crate::files::Files::in_store(&config.files_dir, s3.clone()),
                None => crate::files::Files::new(&config.files_dir),
            },
            pool,
            config,
        })
    }

    /// A pool for the calling HTTP worker, built on its thread.
    pub fn worker_pool(&self) -> Pool {
        let pool = rapport_db::local_pool(&self.database_url, self.worker_pool_size);
        self.worker_pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(pool.clone());
        pool
    }

    /// Whether `/readyz` answers ready.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, std::sync::atomic::Ordering::SeqCst);
    }
}
