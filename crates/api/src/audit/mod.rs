//! The audit trail: read it, and recompute its hash chain.

pub mod list;
pub mod verify;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list).service(verify::verify);
}
