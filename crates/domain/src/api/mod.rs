//! Request and response bodies of the REST API, one module per area.

pub mod audit;
pub mod auth;
pub mod events;
pub mod keys;
pub mod members;

pub use audit::*;
pub use auth::*;
pub use events::*;
pub use keys::*;
pub use members::*;
