//! Events: the outbox read back by polling clients, and streamed over the
//! WebSocket to clients on every instance, woken by LISTEN/NOTIFY.

pub mod dispatcher;
pub mod hub;
pub mod list;
pub mod ws;
pub mod ws_ticket;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(ws_ticket::ticket)
        .service(ws::connect);
}
