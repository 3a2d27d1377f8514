//! The one error type of the API, rendered as `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use rapport_domain::problem::{Code, FieldCode, FieldError, Problem};
use std::fmt;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON, or a header or parameter is malformed.
    BadRequest(String),
    /// 401: no credentials, or credentials that are not valid.
    Unauthorized(String),
    /// 403: authenticated, but the role or scopes do not allow it.
    Forbidden(String),
    /// 403: the route belongs to a module the workspace has not switched on.
    ModuleDisabled(rapport_domain::Module),
    /// 404: absent, or another workspace's.
    NotFound,
    /// 409: a rule such as "the last owner stays" or a taken name.
    Conflict { code: Code, detail: String },
    /// 412: `If-Match` names an older version.
    PreconditionFailed,
    /// 412: a body names an older version; the detail says what changed.
    Changed(String),
    /// 413: the body is larger than allowed.
    PayloadTooLarge,
    /// 422: fields that are invalid.
    Validation(Vec<FieldError>),
    /// 422: a request that is well-formed but cannot be carried out.
    Unprocessable { code: Code, detail: String },
    /// 429: too many requests; retry after this many seconds.
    /// `limit` is the budget of a rate limit (for the `RateLimit-*` headers).
    TooManyRequests {
        retry_after: u64,
        detail: String,
        limit: Option<u32>,
    },
    /// 503: the database cannot be reached.
    Unavailable(String),
    /// 503: too busy for this request now; retry after this many seconds.
    Busy { retry_after: u64, detail: String },
    /// 500: a bug.
    Internal(anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn validation(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: Code, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    fn parts(&self) -> (Code, &'static str, String) {
        match self {
            ApiError::BadRequest(d) => (Code::BadRequest, "Bad request", d.clone()),
            ApiError::Unauthorized(d) => (Code::Unauthorized, "Not authenticated", d.clone()),
            ApiError::Forbidden(d) => (Code::Forbidden, "Not allowed", d.clone()),
            ApiError::ModuleDisabled(m) => (
                Code::ModuleDisabled,
                "Module switched off",
                format!(
                    "the `{}` module is not switched on in this workspace",
                    m.as_str()
                ),
            ),
            ApiError::NotFound => (Code::NotFound, "Not found", "no such record".into()),
            ApiError::Conflict { code, detail } => (*code, "Conflict", detail.clone()),
            ApiError::PreconditionFailed => (
                Code::StaleVersion,
                "Precondition failed",
                "the record changed since you read it; fetch it again".into(),
            ),
            ApiError::Changed(d) => (Code::StaleVersion, "Precondition failed", d.clone()),
            ApiError::PayloadTooLarge => (
                Code::TooLarge,
                "Payload too large",
                "the request body is too large".into(),
            ),
            ApiError::Validation(errors) => (
                Code::Validation,
                "Invalid input",
                if errors.len() == 1 {
                    "1 field is invalid".to_string()
                } else {
                    format!("{} fields are invalid", errors.len())
                },
            ),
            ApiError::Unprocessable { code, detail } => {
                (*code, "Cannot be processed", detail.clone())
            }
            ApiError::TooManyRequests { detail, .. } => {
                (Code::RateLimited, "Too many requests", detail.clone())
            }
            ApiError::Unavailable(d) => (Code::Unavailable, "Service unavailable", d.clone()),
            ApiError::Busy { detail, .. } => (Code::Busy, "Service unavailable", detail.clone()),
            ApiError::Internal(_) => (
                Code::Internal,
                "Internal error",
                "an unexpected error occurred".into(),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (code, title, detail) = self.parts();
        Problem {
            kind: format!(
                "https://rapport.dev/problems/{}",
                code.as_str().replace('_', "-")
            ),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail: Some(detail),
            code: code.as_str().to_string(),
            errors: match self {
                ApiError::Validation(e) => e.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Internal(e) => write!(f, "internal error: {e:#}"),
            other => {
                let (code, _, detail) = other.parts();
                write!(f, "{code}: {detail}")
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::ModuleDisabled(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed | ApiError::Changed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) | ApiError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::TooManyRequests {
                retry_after, limit, ..
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
                if let Some(limit) = limit {
                    res.insert_header(("ratelimit-limit", limit.to_string()));
                    res.insert_header(("ratelimit-remaining", "0"));
                    res.insert_header(("ratelimit-reset", retry_after.to_string()));
                }
            }
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::Busy { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            // A lost or refused database connection is not the request's fault.
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(kind, info) => match (kind, info.constraint_name()) {
                (_, Some("sessions_host_free")) => ApiError::conflict(
                    Code::HostBusy,
                    "the host already has a session at that time (with the buffers around it)",
                ),
                (_, Some("session_invoiced")) => {
                    ApiError::conflict(
                        Code::Invoiced,
                        "the session is invoiced: give its line back with a credit note before changing it",
                    )
                }
                (_, Some("last_owner")) => {
                    ApiError::conflict(Code::LastOwner, "a workspace keeps at least one owner")
                }
                (DatabaseErrorKind::UniqueViolation, c) => ApiError::conflict(
                    Code::Duplicate,
                    format!("already exists ({})", c.unwrap_or("unique")),
                ),
                (DatabaseErrorKind::ExclusionViolation, c) => ApiError::conflict(
                    Code::Duplicate,
                    format!("overlaps an existing one ({})", c.unwrap_or("exclusion")),
                ),
                (DatabaseErrorKind::CheckViolation, c) => ApiError::Unprocessable {
                    code: Code::Constraint,
                    detail: format!("a value breaks a rule ({})", c.unwrap_or("check")),
                },
                (DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::NotFound,
                (DatabaseErrorKind::SerializationFailure, _) => {
                    ApiError::conflict(Code::Retry, "a concurrent change won; try again")
                }
                _ if info.message().contains("deadlock detected") => {
                    ApiError::conflict(Code::Retry, "a concurrent change won; try again")
                }
                (DatabaseErrorKind::ClosedConnection, _) => {
                    ApiError::Unavailable("the database connection closed".into())
                }
                // The server restarting or the connection dropped: not the request's fault.
                _ if lost_connection(info.message()) => {
                    ApiError::Unavailable("the database connection was lost; try again".into())
                }
                // NUL characters and broken encodings that slipped past validation.
                _ if info.message().contains("invalid byte sequence")
                    || info.message().contains("cannot be converted to text")
                    || info.message().contains("out of range") =>
                {
                    ApiError::Unprocessable {
                        code: Code::Unstorable,
                        detail: "a value cannot be stored: it holds characters that are not allowed, or is out of range".into(),
                    }
                }
                _ => ApiError::Internal(e.into()),
            },
            Error::BrokenTransactionManager => {
                ApiError::Unavailable("the database connection was lost; try again".into())
            }
            _ => ApiError::Internal(e.into()),
        }
    }
}

/// Whether a database error message says the connection or the server went
/// away (SQLSTATE classes 08 and 57: a restart, a shutdown, a lost socket).
fn lost_connection(message: &str) -> bool {
    const SIGNS: [&str; 8] = [
        "terminating connection",
        "connection closed",
        "connection reset",
        "broken pipe",
        "shutting down",
        "starting up",
        "in recovery",
        "server closed the connection",
    ];
    let m = message.to_ascii_lowercase();
    SIGNS.iter().any(|s| m.contains(s))
}

impl From<rapport_db::list::ListError> for ApiError {
    fn from(e: rapport_db::list::ListError) -> Self {
        match e {
            rapport_db::list::ListError::Query(e) => e.into(),
            rapport_db::list::ListError::Cursor => {
                crate::pagination::cursor_error(FieldCode::Format, "not a cursor from this list")
            }
        }
    }
}

impl From<diesel_async::pooled_connection::bb8::RunError> for ApiError {
    fn from(e: diesel_async::pooled_connection::bb8::RunError) -> Self {
        ApiError::Unavailable(format!("the database is unavailable: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_connection_is_a_503_with_retry_after() {
        for message in [
            "terminating connection due to administrator command",
            "FATAL: the database system is shutting down",
            "connection closed",
        ] {
            let e: ApiError = diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::Unknown,
                Box::new(message.to_string()),
            )
            .into();
            let res = e.error_response();
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{message}");
            assert!(res.headers().contains_key(header::RETRY_AFTER));
        }
        let bug: ApiError = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("syntax error at or near".to_string()),
        )
        .into();
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
