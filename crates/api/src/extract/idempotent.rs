//! `Idempotency-Key` on POST. The middleware only reads the key and
//! fingerprints the request; the handler claims the key and keeps its answer
//! inside the transaction of its change, after its permission was checked:
//! so a replay is given only to a caller who may still make the request, and
//! no crash between the change and the record can make a retry run it twice.
//!
//! ```ignore
//! let reply = conn.transaction(async |conn| {
//!     if let Some(replay) = idem.claim(conn).await? { return Ok(replay); }
//!     // ... the change ...
//!     idem.keep(conn, Reply::created(&view).etag(row.version)).await
//! }).await?;
//! Ok(reply)
//! ```

use crate::error::ApiError;
use crate::respond::Reply;
use actix_web::dev::Payload;
use rapport_domain::problem::Code;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use rapport_db::idempotency::{self, Begin};
use rapport_db::Conn;
use std::future::{ready, Ready};

/// A request that carried `Idempotency-Key`: its key space, key and fingerprint.
#[derive(Debug, Clone)]
pub struct IdemRequest {
    pub scope: String,
    pub key: String,
    pub hash: Vec<u8>,
}

/// Marks that a handler took the request's key in hand.
#[derive(Debug, Clone, Copy)]
pub struct Claimed;

/// The request's `Idempotency-Key`, if it sent one.
pub struct Idempotent(Option<IdemRequest>);

impl FromRequest for Idempotent {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<IdemRequest>().cloned();
        if found.is_some() {
            req.extensions_mut().insert(Claimed);
        }
        ready(Ok(Idempotent(found)))
    }
}

/// Headers a replay repeats.
const REPLAYED_HEADERS: [&str; 3] = ["content-type", "location", "etag"];
/// Marks a kept answer whose body was withheld because it held a secret.
const WITHHELD: &str = "x-rapport-withheld";

impl Idempotent {
    /// For tests and tools: the key of a request made elsewhere.
    pub fn new(request: Option<IdemRequest>) -> Self {
        Idempotent(request)
    }

    /// Claims the key in the current transaction. `Some` is the answer to
    /// give instead of running the request again: a replay of the first
    /// answer. A key used with another request answers 422; one whose first
    /// answer held a secret, 409.
    pub async fn claim<T>(&self, conn: &mut Conn) -> Result<Option<Reply<T>>, ApiError> {
        let Some(r) = &self.0 else {
            return Ok(None);
        };
        match idempotency::begin(conn, &r.scope, &r.key, &r.hash).await? {
            Begin::Fresh => Ok(None),
            Begin::Replay { headers, .. } if headers.get(WITHHELD).is_some() => Err(ApiError::conflict(
                Code::IdempotencySecretWithheld,
                "a request with this Idempotency-Key succeeded; its answer held a secret and is not kept, so it cannot be replayed",
            )),
            Begin::Replay {
                status,
                body,
                headers,
            } => {
                let mut reply =
                    Reply::kept(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
                if let Some(map) = headers.as_object() {
                    for (k, v) in map {
                        if let Some(v) = v.as_str() {
                            reply = reply.header(k, v);
                        }
                    }
                }
                Ok(Some(reply.header("idempotent-replayed", "true")))
            }
            Begin::Mismatch => Err(ApiError::Unprocessable {
                code: Code::IdempotencyKeyReused,
                detail: "this Idempotency-Key was used with another request".into(),
            }),
            Begin::InFlight => Err(ApiError::conflict(
                Code::IdempotencyInFlight,
                "a request with this Idempotency-Key is still running",
            )),
        }
    }

    /// Keeps the answer with the key, in the same transaction as the change.
    pub async fn keep<T>(&self, conn: &mut Conn, reply: Reply<T>) -> Result<Reply<T>, ApiError> {
        let Some(r) = &self.0 else {
            return Ok(reply);
        };
        let mut kept = serde_json::Map::new();
        if reply.is_secret() {
            kept.insert(WITHHELD.to_string(), "true".into());
        } else {
            for (k, v) in reply.headers() {
                if REPLAYED_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                    kept.insert(k.to_ascii_lowercase(), v.as_str().into());
                }
            }
        }
        let body: &[u8] = if reply.is_secret() { &[] } else { reply.body() };
        idempotency::finish(
            conn,
            &r.scope,
            &r.key,
            reply.status().as_u16(),
            body,
            &serde_json::Value::Object(kept),
        )
        .await?;
        Ok(reply)
    }
}
