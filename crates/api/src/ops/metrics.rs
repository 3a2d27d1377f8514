//! Prometheus metrics: requests and latency by route and status, the pool,
//! WebSocket connections and the job queue.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
}

impl Metrics {
    /// Counts one request. The labels are bounded: methods outside the standard
    /// ones are `other`, routes are patterns (never raw paths), and a request
    /// that matched no route is `unmatched`.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        let method = METHODS
            .iter()
            .find(|m| **m == method)
            .copied()
            .unwrap_or("other");
        let secs = elapsed.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let h = map
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    fn render_requests(&self, out: &mut String) {
        let map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP rapport_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE rapport_http_requests_total counter\n");
        for ((m, r, s), h) in map.iter() {
            let _ = writeln!(
                out,
                "rapport_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {}",
                escape(r),
                h.count
            );
        }
        out.push_str("# HELP rapport_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE rapport_http_request_duration_seconds histogram\n");
        for ((m, r, s), h) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{s}\"", escape(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "rapport_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Prometheus text format.
///
/// With `RAPPORT_METRICS_TOKEN` set, only callers that send it as a bearer
/// token; without it, only callers on the loopback interface that came through
/// no proxy (no `X-Forwarded-For`).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Metrics in the Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "A metrics token is configured and was not sent", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No metrics token is configured and the caller is not local", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    match &state.config.metrics_token {
        Some(token) => {
            let sent = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            if !crate::auth::secrets::digest_eq(
                &rapport_db::sha256(sent),
                &rapport_db::sha256(token),
            ) {
                return Err(ApiError::Unauthorized(
                    "send the metrics token as a bearer token".into(),
                ));
            }
        }
        None => {
            let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback())
                && !req.headers().contains_key("x-forwarded-for")
                && !req.headers().contains_key("forwarded");
            if !local {
                return Err(ApiError::Forbidden(
                    "metrics are served to local callers only, unless RAPPORT_METRICS_TOKEN is set"
                        .into(),
                ));
            }
        }
    }
    let mut out = String::with_capacity(4096);
    state.metrics.render_requests(&mut out);
    let (mut idle, mut in_use) = (0, 0);
    let pools = state
        .worker_pools
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    for pool in pools.iter().chain([&state.pool]) {
        let s = pool.state();
        idle += s.idle_connections;
        in_use += s.connections - s.idle_connections;
    }
    let _ = writeln!(out, "# TYPE rapport_db_pool_connections gauge");
    let _ = writeln!(out, "rapport_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(
        out,
        "rapport_db_pool_connections{{state=\"in_use\"}} {in_use}"
    );
    let _ = writeln!(out, "# TYPE rapport_websocket_connections gauge");
    let _ = writeln!(
        out,
        "rapport_websocket_connections {}",
        state.hub.connections()
    );
    let _ = writeln!(out, "# TYPE rapport_jobs gauge");
    if let Ok(mut conn) = state.pool.get().await {
        if let Ok(depth) = rapport_db::jobs::depth(&mut conn).await {
            for status in ["pending", "running", "dead"] {
                let n = depth
                    .iter()
                    .find(|(s, _)| s == status)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                let _ = writeln!(out, "rapport_jobs{{status=\"{status}\"}} {n}");
            }
        }
    }
    let _ = writeln!(out, "# TYPE rapport_password_hashes_peak gauge");
    let _ = writeln!(out, "rapport_password_hashes_peak {}", state.hashing.peak());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_do_not_grow_the_series() {
        let m = Metrics::default();
        for i in 0..300 {
            m.observe(
                &format!("FOO{i}"),
                "unmatched",
                404,
                Duration::from_millis(1),
            );
        }
        m.observe("GET", "/api/v1/me", 200, Duration::from_millis(1));
        let mut out = String::new();
        m.render_requests(&mut out);
        let series = out
            .lines()
            .filter(|l| l.starts_with("rapport_http_requests_total{"))
            .collect::<Vec<_>>();
        assert_eq!(series.len(), 2, "{series:?}");
        assert!(out.contains(r#"method="other",route="unmatched",status="404"} 300"#));
    }
}
