//! Keys for integrations: shown once, stored as a hash, scoped, revocable.

pub mod create;
pub mod delete;
pub mod list;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(delete::delete);
}
