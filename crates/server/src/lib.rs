//! The `rapport` server: configuration, the private PostgreSQL, start-up,
//! graceful shutdown and demo data.

pub mod demo;
pub mod pg;

use actix_web::{web, HttpServer};
use rapport_api::state::AppState;
use rapport_api::ApiConfig;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// A running API server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Closes WebSockets with "going away", stops accepting, finishes in-flight requests.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.state.hub.shut_down();
        // Give the sessions a moment to send their close frames before the workers stop.
        for _ in 0..100 {
            if self.state.hub.connections() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.handle.stop(true).await;
        self.task.await??;
        Ok(())
    }
}

pub struct ServeOptions {
    pub database_url: String,
    /// Connections for requests, shared out among the HTTP workers.
    pub pool_size: u32,
    pub workers: usize,
    pub instance: String,
    /// Whether `/readyz` answers ready at once; otherwise the caller says
    /// when with `state.set_ready(true)` (after creating demo data).
    pub ready: bool,
}

/// Serves the API on `listener` against an already migrated database.
pub async fn serve(
    listener: TcpListener,
    config: ApiConfig,
    opts: ServeOptions,
) -> anyhow::Result<Running> {
    // Each HTTP worker has a pool of its own (its share of `pool_size`);
    // background work has a small one.
    let workers = opts.workers.max(1);
    let per_worker = (opts.pool_size / workers as u32).max(2);
    let pool = rapport_db::pool(&opts.database_url, opts.pool_size.clamp(2, 4)).await?;
    let state = AppState::new(pool, opts.database_url.clone(), per_worker, config);
    state.set_ready(opts.ready);
    rapport_api::start_background(
        state.clone(),
        opts.database_url.clone(),
        opts.instance.clone(),
    );
    let doc = rapport_api::openapi_document();
    let data = web::Data::from(state.clone());
    let addr = listener.local_addr()?;
    // TCP_NODELAY: a response's last segment goes out at once instead of
    // waiting (up to 40 ms) for the client to acknowledge the one before.
    let server = HttpServer::new(move || rapport_api::app(data.clone(), doc.clone()))
        .tcp_nodelay(true)
        .listen(listener)?
        .workers(workers)
        .shutdown_timeout(15)
        .disable_signals()
        .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    Ok(Running {
        addr,
        state,
        handle,
        task,
    })
}
