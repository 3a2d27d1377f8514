//! Who may see which records. Each kind of record with a per-record rule ("a
//! member sees only the records linked to them", "a customer sees only their
//! organisation's tickets") states it once, as a [`Policy`]; its list, read,
//! update, delete and search take the caller's scope with [`Visible`] and hand
//! it to their query, which turns it into its filter. No handler writes its
//! own visibility filter.

use crate::error::ApiError;
use crate::extract::caller::{caller_of, Caller};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
pub use rapport_db::scope::Scope;
use std::future::{ready, Ready};
use std::marker::PhantomData;

/// One kind of record's rule.
pub trait Policy {
    /// The records of this kind `caller` may see.
    fn scope(caller: &Caller) -> Scope;
}

/// The caller's scope for records of kind `P`: `Visible<mail::Policy>`.
pub struct Visible<P: Policy>(pub Scope, pub PhantomData<P>);

impl<P: Policy> FromRequest for Visible<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller_of(req) {
            None => Err(ApiError::Unauthorized("sign in, or send an API key".into())),
            Some(c) => Ok(Visible(P::scope(&c), PhantomData)),
        })
    }
}
