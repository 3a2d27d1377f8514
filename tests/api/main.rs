//! HTTP-level tests against a real server and a real PostgreSQL, each test in
//! a database of its own.

mod api_keys;
mod audit;
mod auth;
mod bulk;
mod conventions;
mod custom_fields;
mod dashboards;
mod events;
mod export;
mod groups;
mod hardening;
mod imports;
mod jobs;
mod ledger;
mod lifecycle;
mod lists;
mod live_rights;
mod mail;
mod medals;
mod members;
mod notes;
mod openapi;
mod organizations;
mod passwords;
mod payments;
mod people;
mod permissions;
mod plans;
mod privacy;
mod scheduling;
mod schema;
mod school;
mod search;
mod sessions;
mod store;
