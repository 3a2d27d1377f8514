//! Custom fields: the fields a workspace adds to a kind of record, and the
//! one check of their values that the server runs on every write and import
//! and the app runs before sending.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub const LABEL_MAX: usize = 100;
pub const KEY_MAX: usize = 50;
pub const OPTIONS_MAX: usize = 100;
pub const OPTION_MAX: usize = 100;
/// The longest text value.
pub const TEXT_MAX: usize = 2000;

/// The kinds of record that take custom fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldRecord {
    Person,
    Organization,
    Group,
}

impl FieldRecord {
    pub const ALL: [FieldRecord; 3] = [Self::Person, Self::Organization, Self::Group];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
            Self::Group => "group",
        }
    }
}

impl std::str::FromStr for FieldRecord {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// What a custom field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// One of `options`.
    Select,
    /// Some of `options`.
    MultiSelect,
    Boolean,
    Url,
    Email,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        Self::Text,
        Self::Number,
        Self::Date,
        Self::Select,
        Self::MultiSelect,
        Self::Boolean,
        Self::Url,
        Self::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Select => "select",
            Self::MultiSelect => "multi_select",
            Self::Boolean => "boolean",
            Self::Url => "url",
            Self::Email => "email",
        }
    }

    /// Whether values are picked from the field's options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::MultiSelect)
    }
}

impl std::str::FromStr for FieldKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomFieldView {
    pub id: Uuid,
    pub record_type: FieldRecord,
    /// The name its values are kept under in a record's `custom_fields`;
    /// it never changes, so renaming the field keeps its values.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// The choices of a select or multi-select.
    pub options: Vec<String>,
    pub required: bool,
    /// Its place among the fields of its kind of record.
    pub position: i32,
    /// When it was deleted: it and its values are hidden, and kept.
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// A person's field whose values are kept encrypted and shown only to
    /// those allowed to see sensitive fields (`sensitive:read`): on the
    /// person's own page, never in lists, search, filters, exports of
    /// lists, events or the audit trail. The field itself is listed only
    /// to them.
    #[serde(default)]
    pub sensitive: bool,
}

/// A page of the list.
pub type CustomFieldPage = crate::list::Page<CustomFieldView>;

/// A key as values are kept under: lower-case letters, digits and `_`,
/// starting with a letter.
pub fn is_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && k.len() <= KEY_MAX
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A key made from a label: `Date of birth` → `date_of_birth`.
pub fn key_from(label: &str) -> String {
    let mut key = String::new();
    for c in label.trim().to_lowercase().chars() {
        let c = match c {
            'a'..='z' | '0'..='9' => c,
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            _ => '_',
        };
        if c == '_' && (key.is_empty() || key.ends_with('_')) {
            continue;
        }
        key.push(c);
    }
    let key = key.trim_end_matches('_');
    let key = if key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key.to_string()
    } else {
        format!("f_{key}")
    };
    key.chars()
        .take(KEY_MAX)
        .collect::<String>()
        .trim_end_matches('_')
        .to_string()
}

fn check_options(e: &mut Vec<FieldError>, kind: FieldKind, options: &[String]) {
    if kind.has_options() && options.is_empty() {
        e.push(FieldError::new(
            "options",
            FieldCode::Required,
            "a select needs at least one option",
        ));
    }
    if options.len() > OPTIONS_MAX {
        e.push(FieldError::new(
            "options",
            FieldCode::TooLong,
            format!("at most {OPTIONS_MAX} options"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, o) in options.iter().enumerate() {
        validate::text(e, &format!("options.{i}"), o, OPTION_MAX);
        if !seen.insert(o.trim().to_lowercase()) {
            e.push(FieldError::new(
                format!("options.{i}"),
                FieldCode::Invalid,
                "the same option twice",
            ));
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"record_type": "person", "label": "School", "kind": "select", "options": ["Northside", "Riverside"], "required": false})))]
#[serde(deny_unknown_fields)]
pub struct CreateCustomFieldRequest {
    pub record_type: FieldRecord,
    pub label: String,
    /// Made from the label when left out.
    #[serde(default)]
    pub key: Option<String>,
    pub kind: FieldKind,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// Values kept encrypted, seen only by owners and admins (people's
    /// fields only; set when the field is made; never required).
    #[serde(default)]
    pub sensitive: bool,
}

impl Validate for CreateCustomFieldRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "label", &self.label, LABEL_MAX);
        if let Some(k) = &self.key {
            if !is_key(k) {
                e.push(FieldError::new(
                    "key",
                    FieldCode::Format,
                    "lower-case letters, digits and _, starting with a letter",
                ));
            }
        }
        if !self.kind.has_options() && !self.options.is_empty() {
            e.push(FieldError::new(
                "options",
                FieldCode::Invalid,
                "only a select or a multi-select has options",
            ));
        }
        check_options(e, self.kind, &self.options);
        if self.sensitive && self.record_type != FieldRecord::Person {
            e.push(FieldError::new(
                "sensitive",
                FieldCode::Invalid,
                "only a person's field can be sensitive",
            ));
        }
        if self.sensitive && self.required {
            e.push(FieldError::new(
                "required",
                FieldCode::Invalid,
                "a sensitive field cannot be required: not everyone who adds people may fill it",
            ));
        }
    }
}

/// Renames a field, changes its options, whether it is required, or its
/// place. Its key and kind stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"label": "Home school", "required": true})))]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomFieldRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
}

impl Validate for UpdateCustomFieldRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(l) = &self.label {
            validate::text(e, "label", l, LABEL_MAX);
        }
        if let Some(o) = &self.options {
            check_options(e, FieldKind::MultiSelect, o);
        }
        if let Some(p) = self.position {
            if !(0..=10_000).contains(&p) {
                e.push(FieldError::new(
                    "position",
                    FieldCode::Range,
                    "from 0 to 10000",
                ));
            }
        }
    }
}

/// One value against its field: `None` when it fits, else why not.
pub fn check_value(field: &CustomFieldView, value: &Value) -> Option<(FieldCode, String)> {
    let bad = |code, m: &str| Some((code, m.to_string()));
    // PostgreSQL keeps no NUL in text or JSON: refused here, not failed there.
    let nul = |v: &Value| v.as_str().is_some_and(|s| s.contains('\0'));
    if nul(value) || value.as_array().is_some_and(|a| a.iter().any(nul)) {
        return bad(FieldCode::Format, "holds a character that cannot be stored");
    }
    match (field.kind, value) {
        (FieldKind::Text, Value::String(s)) if s.chars().count() <= TEXT_MAX => None,
        (FieldKind::Text, Value::String(_)) => bad(
            FieldCode::TooLong,
            &format!("at most {TEXT_MAX} characters"),
        ),
        (FieldKind::Number, Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => None,
        (FieldKind::Date, Value::String(s)) => match s.parse::<NaiveDate>() {
            Ok(d) if crate::groups::date_in_range(d) => None,
            Ok(_) => bad(FieldCode::Range, "a date between the years 1900 and 2200"),
            Err(_) => bad(FieldCode::Format, "a date such as 2026-09-01"),
        },
        (FieldKind::Select, Value::String(s)) if field.options.contains(s) => None,
        (FieldKind::Select, Value::String(_)) => bad(FieldCode::OneOf, "not one of the options"),
        (FieldKind::MultiSelect, Value::Array(items)) => {
            let mut seen = std::collections::HashSet::new();
            if items.iter().all(|i| {
                i.as_str()
                    .is_some_and(|s| field.options.iter().any(|o| o == s) && seen.insert(s))
            }) {
                None
            } else {
                bad(FieldCode::OneOf, "each one of the options, once")
            }
        }
        (FieldKind::Boolean, Value::Bool(_)) => None,
        (FieldKind::Url, Value::String(s)) if is_url(s) => None,
        (FieldKind::Url, Value::String(_)) => bad(
            FieldCode::Format,
            "a web address starting with https:// or http://",
        ),
        (FieldKind::Email, Value::String(s)) if validate::is_email(s) => None,
        (FieldKind::Email, Value::String(_)) => bad(FieldCode::Format, "not an e-mail address"),
        _ => bad(
            FieldCode::Type,
            &format!("a {} value", field.kind.as_str().replace('_', "-")),
        ),
    }
}

/// A web address people mean: http or https, a host, no spaces.
pub fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty()
            && host.contains('.')
            && !s.chars().any(char::is_whitespace)
            && s.len() <= 2000
    })
}

/// Whether a value counts as given: not null, not an empty text or list.
fn is_given(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

/// Checks the custom values `values` written to a record against the
/// `fields` of its kind: each named field is live, each value fits its
/// field (`null` removes one). Then every required field must have a value
/// in `after`, the record's values once the write is applied: a record
/// created, or changed in its custom values, is complete (a change that
/// leaves custom values alone does not have to fill a field made required
/// since). Errors name `custom_fields.<key>`.
pub fn check_values(
    e: &mut Vec<FieldError>,
    fields: &[CustomFieldView],
    values: &Map<String, Value>,
    after: &Map<String, Value>,
) {
    let live = |k: &str| {
        fields
            .iter()
            .find(|f| f.key == k && f.archived_at.is_none())
    };
    for (k, v) in values {
        let name = format!("custom_fields.{k}");
        match live(k) {
            None => e.push(FieldError::new(
                name,
                FieldCode::Unknown,
                "no such field for this kind of record",
            )),
            Some(_) if v.is_null() => {}
            Some(f) => {
                if let Some((code, message)) = check_value(f, v) {
                    e.push(FieldError::new(name, code, message));
                }
            }
        }
    }
    for f in fields
        .iter()
        .filter(|f| f.required && f.archived_at.is_none())
    {
        if !after.get(&f.key).is_some_and(is_given) {
            e.push(FieldError::new(
                format!("custom_fields.{}", f.key),
                FieldCode::Required,
                "is required",
            ));
        }
    }
}

/// `values` applied to `before`: a `null` removes its key.
pub fn merged(before: &Map<String, Value>, values: &Map<String, Value>) -> Map<String, Value> {
    let mut after = before.clone();
    for (k, v) in values {
        if v.is_null() {
            after.remove(k);
        } else {
            after.insert(k.clone(), v.clone());
        }
    }
    after
}

/// A record's values as shown: only those of live fields.
pub fn shown(fields: &[CustomFieldView], values: &Map<String, Value>) -> Map<String, Value> {
    values
        .iter()
        .filter(|(k, v)| {
            !v.is_null()
                && fields
                    .iter()
                    .any(|f| &f.key == *k && f.archived_at.is_none())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(key: &str, kind: FieldKind, required: bool) -> CustomFieldView {
        CustomFieldView {
            id: Uuid::nil(),
            record_type: FieldRecord::Person,
            key: key.into(),
            label: key.into(),
            kind,
            options: vec!["Red".into(), "Blue".into()],
            required,
            position: 0,
            archived_at: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            version: 1,
            sensitive: false,
        }
    }

    fn errors(fields: &[CustomFieldView], values: Value, before: Value) -> Vec<(String, String)> {
        let values = values.as_object().unwrap().clone();
        let after = merged(before.as_object().unwrap(), &values);
        let mut e = vec![];
        check_values(&mut e, fields, &values, &after);
        e.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn each_kind_takes_its_values_only() {
        let fields = [
            field("t", FieldKind::Text, false),
            field("n", FieldKind::Number, false),
            field("d", FieldKind::Date, false),
            field("s", FieldKind::Select, false),
            field("m", FieldKind::MultiSelect, false),
            field("b", FieldKind::Boolean, false),
            field("u", FieldKind::Url, false),
            field("e", FieldKind::Email, false),
        ];
        let good = json!({"t": "x", "n": 4.5, "d": "2026-09-01", "s": "Red", "m": ["Red", "Blue"],
                          "b": true, "u": "https://example.com/a", "e": "a@example.com"});
        assert!(errors(&fields, good, json!({})).is_empty());
        for nul in [json!({"t": "a\0b"}), json!({"u": "https://a.example/\0"})] {
            assert_eq!(errors(&fields, nul, json!({})).len(), 1, "NUL is refused");
        }
        let bad = json!({"t": 1, "n": "4", "d": "01/09/2026", "s": "Green", "m": ["Red", "Red"],
                         "b": "yes", "u": "javascript:alert(1)", "e": "nope", "x": 1});
        let got: Vec<String> = errors(&fields, bad, json!({}))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        for k in ["t", "n", "d", "s", "m", "b", "u", "e", "x"] {
            assert!(got.contains(&format!("custom_fields.{k}")), "{k}: {got:?}");
        }
    }

    #[test]
    fn a_required_field_must_end_up_with_a_value() {
        let fields = [field("school", FieldKind::Text, true)];
        assert_eq!(
            errors(&fields, json!({}), json!({})),
            [("custom_fields.school".to_string(), "required".to_string())]
        );
        assert!(errors(&fields, json!({"school": "North"}), json!({})).is_empty());
        assert!(errors(&fields, json!({}), json!({"school": "North"})).is_empty());
        assert_eq!(
            errors(&fields, json!({"school": null}), json!({"school": "North"})).len(),
            1
        );
        assert_eq!(errors(&fields, json!({"school": "  "}), json!({})).len(), 1);
    }

    #[test]
    fn an_archived_field_takes_no_values_and_hides_its_own() {
        let mut f = field("old", FieldKind::Text, true);
        f.archived_at = Some(DateTime::<Utc>::UNIX_EPOCH);
        let fields = [f];
        assert_eq!(
            errors(&fields, json!({"old": "x"}), json!({})).len(),
            1,
            "unknown, not required"
        );
        assert!(shown(&fields, json!({"old": "x"}).as_object().unwrap()).is_empty());
    }

    #[test]
    fn keys_come_from_labels() {
        assert_eq!(key_from("Date of birth"), "date_of_birth");
        assert_eq!(key_from("  École / Classe "), "ecole_classe");
        assert_eq!(key_from("2nd language"), "f_2nd_language");
        assert!(is_key(&key_from("Ünïcödé!!")));
        assert!(!is_key("Bad Key"));
    }
}
