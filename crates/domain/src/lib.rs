//! Types shared by the Rapport server and the browser app.
//!
//! No I/O lives here, so the crate compiles to wasm32. The OpenAPI derives sit
//! behind the `openapi` feature, which only the server enables.

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod availability;
pub mod branches;
pub mod custom_fields;
pub mod dashboards;
pub mod events;
pub mod finance;
pub mod groups;
pub mod imports;
pub mod invitations;
pub mod json;
pub mod ledger;
pub mod list;
pub mod mail;
pub mod medals;
pub mod members;
pub mod messaging;
pub mod notes;
pub mod organizations;
pub mod patch;
pub mod payments;
pub mod people;
pub mod privacy;
pub mod problem;
pub mod scheduling;
pub mod search;
pub mod store;
pub mod validate;

/// Every request and response body of the REST API, from the modules above.
pub mod api {
    pub use crate::api_keys::*;
    pub use crate::audit::*;
    pub use crate::auth::*;
    pub use crate::availability::*;
    pub use crate::branches::*;
    pub use crate::custom_fields::*;
    pub use crate::dashboards::*;
    pub use crate::events::*;
    pub use crate::finance::*;
    pub use crate::groups::*;
    pub use crate::imports::*;
    pub use crate::invitations::*;
    pub use crate::ledger::*;
    pub use crate::list::{BulkRequest, BulkResult, ExportFormat, Page, BULK_MAX};
    pub use crate::mail::*;
    pub use crate::medals::*;
    pub use crate::members::*;
    pub use crate::messaging::*;
    pub use crate::notes::*;
    pub use crate::organizations::*;
    pub use crate::payments::*;
    pub use crate::people::*;
    pub use crate::privacy::*;
    pub use crate::scheduling::*;
    pub use crate::search::*;
    pub use crate::store::*;
}

pub use access::{perm, Module, Need, Permission, Role, Template};
