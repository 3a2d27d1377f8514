//! What handlers are given: the caller and its permission, the request's
//! context for the audit trail, validated bodies and `If-Match`.

pub mod caller;
pub mod ctx;
pub mod db;
pub mod idempotent;
pub mod if_match;
pub mod policy;
pub mod raw;
pub mod valid;

pub use caller::{perm, Authz, Caller, Principal, UserCaller};
pub use ctx::Ctx;
pub use db::Db;
pub use idempotent::Idempotent;
pub use if_match::IfMatch;
pub use policy::{Policy, Scope, Visible};
pub use valid::Valid;
