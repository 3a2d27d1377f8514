//! Input validation shared by the server (which enforces it) and the app
//! (which shows the same messages next to the inputs before sending).

use crate::problem::{FieldCode, FieldError};

/// A request that can check its own fields.
pub trait Validate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check(&self, errors: &mut Vec<FieldError>);
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;
pub const NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;

/// A pragmatic e-mail check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    if s.len() > EMAIL_MAX || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

pub fn email(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, FieldCode::Required, "is required"));
    } else if !is_email(value.trim()) {
        errors.push(FieldError::new(
            field,
            FieldCode::Format,
            "not an e-mail address",
        ));
    }
}

/// A human-readable name: not blank, at most `max` characters, no control characters.
pub fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(FieldError::new(field, FieldCode::Required, "is required"));
    } else if trimmed.chars().count() > max {
        errors.push(
            FieldError::new(
                field,
                FieldCode::TooLong,
                format!("must be at most {max} characters"),
            )
            .with("max", max),
        );
    } else if trimmed.chars().any(|c| c.is_control()) {
        errors.push(FieldError::new(
            field,
            FieldCode::Format,
            "must not contain control characters",
        ));
    }
}

pub fn password(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let n = value.chars().count();
    if n < PASSWORD_MIN {
        errors.push(
            FieldError::new(
                field,
                FieldCode::TooShort,
                format!("must be at least {PASSWORD_MIN} characters"),
            )
            .with("min", PASSWORD_MIN),
        );
    } else if value.len() > PASSWORD_MAX {
        errors.push(
            FieldError::new(
                field,
                FieldCode::TooLong,
                format!("must be at most {PASSWORD_MAX} bytes"),
            )
            .with("max", PASSWORD_MAX),
        );
    }
}

pub const TAG_MAX: usize = 50;
pub const TAGS_MAX: usize = 50;
pub const PHONE_MAX: usize = 40;

/// Optional text: when present, as [`text`] says.
pub fn optional_text(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        text(errors, field, v, max);
    }
}

/// Optional e-mail: when present, as [`email`] says.
pub fn optional_email(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>) {
    if let Some(v) = value {
        email(errors, field, v);
    }
}

/// A telephone number as people write it: digits, spaces, `+`, `(`, `)`, `-`,
/// `.` and `/`, with at least three digits.
pub fn phone(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if v.chars().count() > PHONE_MAX {
        errors.push(
            FieldError::new(
                field,
                FieldCode::TooLong,
                format!("must be at most {PHONE_MAX} characters"),
            )
            .with("max", PHONE_MAX),
        );
    } else if digits < 3
        || !v
            .chars()
            .all(|c| c.is_ascii_digit() || " +()-./".contains(c))
    {
        errors.push(FieldError::new(
            field,
            FieldCode::Format,
            "not a telephone number",
        ));
    }
}

/// Tags: at most [`TAGS_MAX`], each a word or two of at most [`TAG_MAX`] characters.
pub fn tags(errors: &mut Vec<FieldError>, field: &str, tags: &[String]) {
    if tags.len() > TAGS_MAX {
        errors.push(
            FieldError::new(
                field,
                FieldCode::TooLong,
                format!("at most {TAGS_MAX} tags"),
            )
            .with("max", TAGS_MAX),
        );
        return;
    }
    for (i, t) in tags.iter().enumerate() {
        text(errors, &format!("{field}.{i}"), t, TAG_MAX);
    }
}

/// Tags as they are kept: trimmed, each once, in the order given.
pub fn tidy_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// Tags as a person types them, separated by commas.
pub fn split_tags(text: &str) -> Vec<String> {
    tidy_tags(&text.split(',').map(String::from).collect::<Vec<_>>())
}

/// Text as it is kept: trimmed; blank is absent.
pub fn tidy(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Times the platform stores: years 1 to 9999 (PostgreSQL and JSON clients
/// agree on those; beyond them, answers would differ or fail).
pub fn time_in_range(t: &chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&t.year())
}

pub fn time(errors: &mut Vec<FieldError>, field: &str, value: &chrono::DateTime<chrono::Utc>) {
    if !time_in_range(value) {
        errors.push(
            FieldError::new(
                field,
                FieldCode::Range,
                "must be between the years 1 and 9999",
            )
            .with("min", 1)
            .with("max", 9999),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.org", "x@sub.example.com"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a@b.co.", "a b@c.de", "a@b..co", "a@@b.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn times_stay_within_four_digit_years() {
        let ok = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let far = chrono::DateTime::from_timestamp(6_311_433_600_000, 0).unwrap(); // year 202,000
        assert!(time_in_range(&ok));
        assert!(!time_in_range(&far));
    }

    #[test]
    fn phones_and_tags() {
        let mut e = Vec::new();
        for ok in ["+33 1 23 45 67 89", "(555) 010-2030", "0612345678"] {
            phone(&mut e, "phone", ok);
        }
        assert!(e.is_empty(), "{e:?}");
        for bad in ["12", "call me", "+1 555 0100 ext. 5"] {
            phone(&mut e, "phone", bad);
        }
        assert_eq!(e.len(), 3);
        let mut e = Vec::new();
        tags(&mut e, "tags", &["vip".into(), " ".into(), "x".repeat(51)]);
        let fields: Vec<_> = e
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(fields, [("tags.1", "required"), ("tags.2", "too_long")]);
        assert_eq!(
            tidy_tags(&[" vip ".into(), "vip".into(), "new".into(), "".into()]),
            ["vip", "new"]
        );
        assert_eq!(split_tags(" a, b,,a "), ["a", "b"]);
    }

    #[test]
    fn text_and_password() {
        let mut e = Vec::new();
        text(&mut e, "name", "  ", 10);
        text(&mut e, "name", "abcdefghijk", 10);
        text(&mut e, "name", "a\u{0}b", 10);
        text(&mut e, "name", "Ada", 10);
        password(&mut e, "password", "short");
        password(&mut e, "password", "long enough password");
        let codes: Vec<_> = e.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["required", "too_long", "format", "too_short"]);
        assert_eq!(e[1].params["max"], 10);
        assert_eq!(e[3].params["min"], 10);
    }
}
