//! Types shared by the Rapport server and the browser app.
//!
//! No I/O lives here, so the crate compiles to wasm32. The OpenAPI derives sit
//! behind the `openapi` feature, which only the server enables.

pub mod access;
pub mod api;
pub mod problem;
pub mod validate;

pub use access::{perm, Module, Need, Permission, Role, Template};
