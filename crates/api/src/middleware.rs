//! Middleware every request passes: request ids, security headers, metrics and
//! logs at the edge; per-address limits on `/auth`; idempotent POSTs.

use crate::error::ApiError;
use crate::extract::caller::{caller_of, set_rate_headers, Principal};
use crate::state::AppState;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use rapport_db::idempotency::{self, Begin};
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
    let path = req.path().to_string();
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

fn security_headers(h: &mut header::HeaderMap, docs: bool) {
    // Swagger UI needs inline scripts and styles of its own; the app and the API need none.
    let csp = if docs {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    } else {
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
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

/// At most `auth_rate_per_min` requests a minute from one address to `/api/v1/auth`.
pub async fn auth_rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let ip =
        crate::extract::ctx::client_ip(req.request(), state.config.trust_proxy).unwrap_or_default();
    let limited = crate::ratelimit::hit(
        &state,
        &format!("auth:{ip}"),
        state.config.auth_rate_per_min,
    )
    .await;
    match limited {
        Err(e) => Ok(req.error_response(e).map_into_boxed_body()),
        Ok(Err(info)) => Ok(req
            .error_response(ApiError::TooManyRequests {
                retry_after: info.reset,
                detail: format!(
                    "at most {} sign-in requests a minute from one address",
                    info.limit
                ),
                limit: Some(info.limit),
            })
            .map_into_boxed_body()),
        Ok(Ok(info)) => {
            let mut res = next.call(req).await?.map_into_boxed_body();
            set_rate_headers(res.headers_mut(), &info);
            Ok(res)
        }
    }
}

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks a kept answer whose body was withheld because it held a secret.
const WITHHELD: &str = "x-rapport-withheld";
/// Headers a replay repeats.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// `Idempotency-Key` on POST: the first answer is kept 24 hours and replayed to
/// the same request; the same key with another body answers 422.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(&IDEMPOTENCY_KEY).cloned();
    // Sign-in answers carry secrets, so they are never stored.
    let exempt = req.path().starts_with("/api/v1/auth/");
    let (Some(key), Method::POST, false) = (key, req.method().clone(), exempt) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let prepared = prepare(&mut req, &key).await;
    let (state, scope, key) = match prepared {
        Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
        Ok(Prepared::Replay(res)) => return Ok(req.into_response(res)),
        Ok(Prepared::Run { state, scope, key }) => (state, scope, key),
    };
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            if let Ok(mut conn) = state.conn().await {
                let _ = idempotency::abandon(&mut conn, &scope, &key).await;
            }
            return Err(e);
        }
    };
    let status = res.status();
    let (http_req, http_res) = res.into_parts();
    let (head, res_body) = http_res.into_parts();
    let bytes = body::to_bytes(res_body)
        .await
        .map_err(|_| ApiError::internal(anyhow::anyhow!("response body")))?;
    let mut conn = state.conn().await?;
    if status.is_server_error() {
        idempotency::abandon(&mut conn, &scope, &key)
            .await
            .map_err(ApiError::from)?;
    } else {
        // An answer marked no-store holds a secret (an API key): it is not kept,
        // and a repeat is told the first request succeeded.
        let secret = head
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"));
        let mut kept = serde_json::Map::new();
        if secret {
            kept.insert(WITHHELD.to_string(), "true".into());
        } else {
            for name in REPLAYED_HEADERS {
                if let Some(v) = head.headers().get(&name).and_then(|v| v.to_str().ok()) {
                    kept.insert(name.as_str().to_string(), v.into());
                }
            }
        }
        let stored: &[u8] = if secret { &[] } else { &bytes };
        idempotency::finish(
            &mut conn,
            &scope,
            &key,
            status.as_u16(),
            stored,
            &serde_json::Value::Object(kept),
        )
        .await
        .map_err(ApiError::from)?;
    }
    let res = head.set_body(bytes).map_into_boxed_body();
    Ok(ServiceResponse::new(http_req, res))
}

enum Prepared {
    Replay(HttpResponse),
    Run {
        state: web::Data<AppState>,
        scope: String,
        key: String,
    },
}

/// Reads the body, and either claims the key or finds the answer to replay.
async fn prepare(req: &mut ServiceRequest, key: &HeaderValue) -> Result<Prepared, ApiError> {
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
        None => "anonymous".to_string(),
    };
    let body = req.extract::<web::Bytes>().await.map_err(|e| {
        if e.to_string().contains("overflow") {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(e.to_string())
        }
    })?;
    let mut fingerprint = Vec::with_capacity(body.len() + 128);
    fingerprint.extend_from_slice(req.method().as_str().as_bytes());
    fingerprint.push(b' ');
    fingerprint.extend_from_slice(req.uri().to_string().as_bytes());
    fingerprint.push(b'\n');
    fingerprint.extend_from_slice(&body);
    let request_hash = rapport_db::sha256(&fingerprint);
    let mut conn = state.conn().await?;
    let begun = idempotency::begin(&mut conn, &scope, &key, &request_hash).await?;
    drop(conn);
    match begun {
        Begin::Fresh => {
            req.set_payload(actix_web::dev::Payload::from(body));
            Ok(Prepared::Run { state, scope, key })
        }
        Begin::Replay { headers, .. } if headers.get(WITHHELD).is_some() => Err(ApiError::conflict(
            "idempotency_secret_withheld",
            "a request with this Idempotency-Key succeeded; its answer held a secret and is not kept, so it cannot be replayed",
        )),
        Begin::Replay {
            status,
            body,
            headers,
        } => {
            let mut res =
                HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            if let Some(map) = headers.as_object() {
                for (k, v) in map {
                    if let (Ok(name), Some(v)) = (HeaderName::try_from(k.as_str()), v.as_str()) {
                        if let Ok(v) = HeaderValue::from_str(v) {
                            res.insert_header((name, v));
                        }
                    }
                }
            }
            res.insert_header((HeaderName::from_static("idempotent-replayed"), "true"));
            Ok(Prepared::Replay(res.body(body)))
        }
        Begin::Mismatch => Err(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            detail: "this Idempotency-Key was used with another request".into(),
        }),
        Begin::InFlight => Err(ApiError::conflict(
            "idempotency_in_flight",
            "a request with this Idempotency-Key is still running",
        )),
    }
}
