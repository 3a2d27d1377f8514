//! Middleware every request passes: request ids, security headers, metrics and
//! logs at the edge; per-address limits on `/auth`; idempotent POSTs.

use crate::error::ApiError;
use crate::extract::caller::{caller_of, set_rate_headers, Principal};
use crate::extract::idempotent::{Claimed, IdemRequest};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use std::time::Instant;

/// The request's id, echoed from `x-request-id` or made here.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn valid_request_id(v: &str) -> bool {
    !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())
}

/// Request id, security headers, metrics and one log line per request.
pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    let path = redact_path(req.path());
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(X_REQUEST_ID, v);
    }
    security_headers(headers, path.starts_with("/api-docs"));
    let status = res.status();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .observe(method.as_str(), &route, status.as_u16(), elapsed);
    }
    if status.is_server_error() {
        tracing::error!(request_id = %id, %method, %path, status = status.as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "request");
    } else {
        tracing::info!(request_id = %id, %method, %path, status = status.as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "request");
    }
    Ok(res)
}

/// The path as logged: a secret in it (an invitation token) is replaced.
pub fn redact_path(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    // /api/v1/invitations/{token}/accept
    if parts.len() == 6 && parts[3] == "invitations" && parts[5] == "accept" {
        parts[4] = "[redacted]";
    }
    parts.join("/")
}

fn security_headers(h: &mut header::HeaderMap, docs: bool) {
    // Swagger UI needs inline scripts and styles of its own; the app and the API need none.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if docs {
            HeaderValue::from_static(DOCS_POLICY)
        } else {
            APP_POLICY.clone()
        };
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(self), geolocation=()",
        ),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The Content-Security-Policy of the app and the API, the one place it is
/// written; `inline_scripts` adds the hashes of `index.html`'s inline scripts.
/// Pictures may be `blob:` (an uploaded picture, fetched with the caller's
/// token) or any `https:` address (a link a store item was given); a frame
/// may show a `blob:` (an invoice's PDF, fetched so).
pub fn app_policy(inline_scripts: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{inline_scripts}; style-src 'self'; \
         img-src 'self' data: blob: https:; frame-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'; object-src 'none'"
    )
}

static APP_POLICY: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&app_policy("")).expect("the policy is visible ASCII")
});

/// At most `auth_rate_per_min` requests a minute from one address to `/api/v1/auth`.
pub async fn auth_rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let pool = crate::extract::db::pool_of(req.request());
    let (Some(state), Some(pool)) = (state, pool) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let ip = crate::extract::ctx::client_ip(req.request(), &state.config).unwrap_or_default();
    let limited =
        crate::ratelimit::hit_now(&pool, &format!("auth:{ip}"), state.config.auth_rate_per_min)
            .await;
    match limited {
        Err(e) => Ok(req.error_response(e).map_into_boxed_body()),
        Ok(Err(info)) => Ok(req
            .error_response(info.refused(format!(
                "at most {} sign-in requests a minute from one address",
                info.limit
            )))
            .map_into_boxed_body()),
        Ok(Ok(info)) => {
            let mut res = next.call(req).await?.map_into_boxed_body();
            set_rate_headers(res.headers_mut(), &info);
            Ok(res)
        }
    }
}

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// `Idempotency-Key` on POST: checks the key, reads the body and fingerprints
/// the request, and leaves an [`IdemRequest`] for the handler, which claims the
/// key and keeps its answer in the transaction of its change (see
/// [`crate::extract::idempotent`]). Keys live in the caller's own key space:
/// the user in the workspace, the API key, or the client address for callers
/// who are not signed in.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(&IDEMPOTENCY_KEY).cloned();
    // Sign-in answers carry secrets, so they are never stored.
    let exempt = crate::auth::covers(req.path());
    let (Some(key), Method::POST, false) = (key, req.method().clone(), exempt) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    match prepare(&mut req, &key).await {
        Err(e) => Ok(req.error_response(e).map_into_boxed_body()),
        Ok(idem) => {
            req.extensions_mut().insert(idem);
            let res = next.call(req).await?.map_into_boxed_body();
            if res.status().is_success() && res.request().extensions().get::<Claimed>().is_none() {
                tracing::error!(
                    route = res.request().match_pattern().unwrap_or_default(),
                    "a POST route ignored its Idempotency-Key"
                );
            }
            Ok(res)
        }
    }
}

/// Checks the key, reads the body and fingerprints method, path and body.
async fn prepare(req: &mut ServiceRequest, key: &HeaderValue) -> Result<IdemRequest, ApiError> {
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".into())
        })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no state")))?;
    let scope = match caller_of(req.request())
        .as_deref()
        .map(|c| (&c.principal, c.workspace.id))
    {
        Some((Principal::User { id, .. }, ws)) => format!("user:{id}:{ws}"),
        Some((Principal::ApiKey { id, .. }, _)) => format!("key:{id}"),
        // Callers who are not signed in share nothing: the key space is the
        // address and the path (which, for an invitation, holds its token).
        None => format!(
            "anonymous:{}",
            hex::encode(rapport_db::sha256(format!(
                "{} {}",
                crate::extract::ctx::client_ip(req.request(), &state.config).unwrap_or_default(),
                req.path()
            )))
        ),
    };
    // A file upload may be as large as a file; every other body as the
    // app's own limit.
    let limit = match req.path() {
        "/api/v1/imports" => rapport_domain::imports::FILE_MAX_BYTES,
        "/api/v1/attachments" => rapport_domain::messaging::ATTACHMENT_MAX_BYTES,
        _ => state.config.body_limit,
    };
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = futures::StreamExt::next(&mut payload).await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("the request body cannot be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    // The method, the address and the body, hashed as they are (a file's
    // bytes are not copied to be hashed).
    let hash = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(req.method().as_str().as_bytes());
        h.update(b" ");
        h.update(req.uri().to_string().as_bytes());
        h.update(b"\n");
        h.update(&body);
        h.finalize().to_vec()
    };
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(IdemRequest { scope, key, hash })
}

#[cfg(test)]
mod tests {
    #[test]
    fn invitation_tokens_are_not_logged() {
        assert_eq!(
            super::redact_path("/api/v1/invitations/abcDEF123secret/accept"),
            "/api/v1/invitations/[redacted]/accept"
        );
        assert_eq!(super::redact_path("/api/v1/me"), "/api/v1/me");
        assert_eq!(
            super::redact_path("/api/v1/invitations/0190/resend"),
            "/api/v1/invitations/0190/resend"
        );
    }
}
