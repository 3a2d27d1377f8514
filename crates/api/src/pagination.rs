//! Keyset pagination with opaque cursors: no OFFSET anywhere.

use crate::error::ApiError;
use base64::Engine;
use chrono::{DateTime, Utc};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `limit` and `cursor`, shared by every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many records to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::validation(
                "limit",
                "range",
                "must be between 1 and 200",
            )),
        }
    }

    /// The position after which the page starts: a time and an id.
    pub fn after(&self) -> Result<Option<(DateTime<Utc>, Uuid)>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_time_id)
            .transpose()
    }

    /// The position as a sequence number.
    pub fn after_seq(&self) -> Result<Option<i64>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_seq)
            .transpose()
    }
}

fn bad_cursor() -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        "cursor",
        "format",
        "not a cursor from this list",
    )])
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

pub fn encode_time_id(at: DateTime<Utc>, id: Uuid) -> String {
    b64().encode(format!("t{}:{}", at.timestamp_micros(), id))
}

fn decode_time_id(s: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let raw = b64().decode(s).map_err(|_| bad_cursor())?;
    let raw = String::from_utf8(raw).map_err(|_| bad_cursor())?;
    let (micros, id) = raw
        .strip_prefix('t')
        .and_then(|r| r.split_once(':'))
        .ok_or_else(bad_cursor)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad_cursor)?;
    let id = id.parse::<Uuid>().map_err(|_| bad_cursor())?;
    Ok((at, id))
}

pub fn encode_seq(seq: i64) -> String {
    b64().encode(format!("s{seq}"))
}

fn decode_seq(s: &str) -> Result<i64, ApiError> {
    let raw = b64().decode(s).map_err(|_| bad_cursor())?;
    std::str::from_utf8(&raw)
        .ok()
        .and_then(|r| r.strip_prefix('s'))
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(bad_cursor)
}

/// The cursor of a page: the last row's key when the page is full.
pub fn next_cursor<T>(rows: &[T], limit: i64, key: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() as i64 == limit {
        rows.last().map(key)
    } else {
        None
    }
}

/// A text filter of a list: trimmed, empty as absent, at most 200 characters, no control characters.
pub fn filter_text<'a>(field: &str, value: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > 200 {
        return Err(ApiError::validation(
            field,
            "length",
            "must be at most 200 characters",
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::validation(
            field,
            "format",
            "must not contain control characters",
        ));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode_time_id(&encode_time_id(at, id)).unwrap(), (at, id));
        assert_eq!(decode_seq(&encode_seq(42)).unwrap(), 42);
        assert!(decode_time_id("nonsense").is_err());
        assert!(decode_seq(&encode_time_id(at, id)).is_err());
        let p = PageParams {
            limit: Some(0),
            cursor: None,
        };
        assert!(p.limit().is_err());
        let p = PageParams {
            limit: Some(201),
            cursor: None,
        };
        assert!(p.limit().is_err());
    }
}
