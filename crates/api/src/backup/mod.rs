//! Getting a workspace's data out: an admin's export of everything the
//! workspace holds, as a zip of JSON and CSV files with the attached files.

pub mod export;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export::export);
}
