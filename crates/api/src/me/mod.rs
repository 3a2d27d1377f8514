//! The signed-in user: who they are, where, with which rights.

pub mod password;
pub mod read;
pub mod templates;
pub mod update;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(read::read)
        .service(update::update)
        .service(password::change_password)
        .service(templates::list);
}
