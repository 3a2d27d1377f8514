//! Health, readiness, metrics and the clean-up.

pub mod health;
pub mod metrics;
pub mod prune;

use crate::jobs::schedule::{CatchUp, Schedule};

/// The module's job kinds.
pub fn jobs(r: &mut crate::jobs::Registry) {
    r.register::<prune::Prune>();
}

/// The module's recurring jobs.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "maintenance.prune",
        chrono::Duration::hours(1),
        CatchUp::Latest,
        |_| prune::Prune {},
    ));
}
