//! Dashboards: what each role looks at first, in one call. The school's
//! admins see enrolment, attendance by class, this month's money and the
//! top medal earners; a teacher their classes, today's lessons and the
//! medals they may still award; a student their classes, next lessons,
//! attendance and medals; a tutoring business its sessions to come and
//! to log, new students and, for admins, this month's money.

pub mod school;
pub mod student;
pub mod students;
pub mod teaching;
pub mod tutoring;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(school::school)
        .service(teaching::teaching)
        .service(student::student)
        .service(tutoring::tutoring)
        .service(students::summaries);
}
