//! Dashboards: what each role looks at first, in one call. The school's
//! admins see enrolment, attendance by class, this month's money and the
//! top medal earners.

pub mod school;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(school::school);
}
