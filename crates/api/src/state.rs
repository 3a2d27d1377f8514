use crate::config::ApiConfig;
use crate::events::hub::Hub;
use crate::ops::metrics::Metrics;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rapport_db::Pool;
use std::sync::Arc;

/// Shared by every request of one server instance.
pub struct AppState {
    pub pool: Pool,
    pub config: ApiConfig,
    pub encoding_key: EncodingKey,
    pub decoding_key: DecodingKey,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    /// Bounds the Argon2 computations running at once.
    pub hashing: crate::auth::secrets::HashGate,
    /// False until start-up work (migrations, demo data) is done: `/readyz` says so.
    pub ready: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub fn new(pool: Pool, config: ApiConfig) -> Arc<Self> {
        Arc::new(AppState {
            encoding_key: EncodingKey::from_secret(&config.jwt_secret),
            decoding_key: DecodingKey::from_secret(&config.jwt_secret),
            hub: Arc::new(Hub::new(config.ws_queue)),
            metrics: Arc::new(Metrics::default()),
            hashing: crate::auth::secrets::HashGate::new(
                config.hash_slots,
                std::time::Duration::from_millis(config.hash_wait_ms),
            ),
            ready: std::sync::atomic::AtomicBool::new(true),
            pool,
            config,
        })
    }

    /// Whether `/readyz` answers ready.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, std::sync::atomic::Ordering::SeqCst);
    }

    pub async fn conn(&self) -> Result<rapport_db::PooledConn<'_>, crate::error::ApiError> {
        Ok(self.pool.get().await?)
    }
}
