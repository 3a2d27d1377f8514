//! Getting data out and back: an admin's export of everything a workspace
//! holds (a zip of JSON and CSV files with the attached files), and the
//! operator's encrypted backup of the whole server ([`dump`]), made by
//! `rapport backup` or once a day ([`scheduled`]), put back by `rapport
//! restore`.

pub mod crypt;
pub mod dump;
pub mod export;
pub mod scheduled;

use crate::jobs::schedule::{CatchUp, Schedule};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export::export);
}

pub fn jobs(r: &mut crate::jobs::Registry) {
    r.register::<scheduled::Scheduled>();
}

/// A backup a day (the one missed while the server was down, once).
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "backup.daily",
        chrono::Duration::days(1),
        CatchUp::Latest,
        |_| scheduled::Scheduled {},
    ));
}
