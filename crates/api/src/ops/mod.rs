//! Health, readiness and metrics.

pub mod health;
pub mod metrics;
