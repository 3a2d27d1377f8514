//! Typed answers. A handler's return type names its body's type, the same
//! type its `utoipa::path` documents:
//!
//! - `web::Json<T>`: 200 with `T`;
//! - [`Reply<T>`]: `T` with a status and headers (`Reply::created(&view)`
//!   is 201, `.etag(version)` adds the ETag, `.location(path)` the
//!   Location), and the form an `Idempotency-Key` keeps and replays;
//! - [`NoContent`] for 204;
//! - [`File`]: a file, not JSON (a CSV or XLSX export, a calendar, a PDF,
//!   a picture), documented by its content type with a `String` (text) or
//!   `Vec<u8>` (bytes) body.
//!
//! The bodies are checked against the OpenAPI document at run time by the
//! schema fuzzer (`scripts/fuzz.sh`), which validates every answer it gets.

use actix_web::body::BoxBody;
use actix_web::cookie::Cookie;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use std::marker::PhantomData;

/// An answer whose body is a `T`, as data, so that it can be kept and replayed.
#[derive(Debug)]
pub struct Reply<T> {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    secret: bool,
    of: PhantomData<fn() -> T>,
}

impl<T: serde::Serialize> Reply<T> {
    pub fn json(status: StatusCode, value: &T) -> Self {
        Reply::kept(status, serde_json::to_vec(value).unwrap_or_default())
            .header("content-type", "application/json")
    }

    /// 200 with `value`.
    pub fn ok(value: &T) -> Self {
        Reply::json(StatusCode::OK, value)
    }

    /// 201 with the record created.
    pub fn created(value: &T) -> Self {
        Reply::json(StatusCode::CREATED, value)
    }
}

impl<T> Reply<T> {
    /// An answer as it was kept: its status and body, headers to follow.
    pub(crate) fn kept(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body,
            secret: false,
            of: PhantomData,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The record's version as its ETag, for the next `If-Match`.
    pub fn etag(self, version: i32) -> Self {
        self.header("etag", format!("\"{version}\""))
    }

    /// Where the record lives.
    pub fn location(self, path: impl Into<String>) -> Self {
        self.header("location", path)
    }

    pub fn cookie(self, c: Cookie<'_>) -> Self {
        self.header("set-cookie", c.to_string())
    }

    /// Never cached by a browser or proxy.
    pub fn no_store(self) -> Self {
        self.header("cache-control", "no-store")
    }

    /// The answer holds a secret (a token, a key): never cached, never kept;
    /// a repeat of the request is told that it succeeded (409).
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self.no_store()
    }

    pub fn is_secret(&self) -> bool {
        self.secret
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (k, v) in &self.headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v))
            {
                res.append_header((name, value));
            }
        }
        res.body(self.body)
    }
}

impl<T> Responder for Reply<T> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

/// 204: done, nothing to say.
pub struct NoContent;

impl Responder for NoContent {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }
}

/// A file as the answer, built whole by the handler: its status, content
/// type, caching and body are the handler's.
pub struct File(pub HttpResponse);

impl Responder for File {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        self.0
    }
}

impl File {
    /// The start of a file's answer, the file tagged `tag` (its quoted
    /// ETag) and cached as `cache` says: 304 when `If-None-Match` names the
    /// tag (the `true`, and nothing more is to be added), else 200 for the
    /// handler to give its type and bytes.
    pub fn tagged(
        req: &HttpRequest,
        tag: &str,
        cache: &str,
    ) -> (actix_web::HttpResponseBuilder, bool) {
        use actix_web::http::header;
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
        let mut answer = if unchanged {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        answer
            .insert_header((header::ETAG, tag.to_string()))
            .insert_header((header::CACHE_CONTROL, cache.to_string()));
        (answer, unchanged)
    }
}
