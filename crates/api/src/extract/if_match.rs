use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

/// The version named by `If-Match: "<version>"`; `None` when absent or `*`.
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return ready(Ok(IfMatch(None)));
        };
        let parsed = value.to_str().ok().map(str::trim).and_then(|v| {
            if v == "*" {
                return Some(None);
            }
            let v = v.strip_prefix("W/").unwrap_or(v);
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .and_then(|v| v.parse::<i32>().ok())
                .map(Some)
        });
        ready(match parsed {
            Some(v) => Ok(IfMatch(v)),
            None => Err(ApiError::BadRequest(
                "If-Match must be a version in quotes, e.g. \"3\"".into(),
            )),
        })
    }
}

/// `ETag: "<version>"`.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}
