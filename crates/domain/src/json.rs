//! JSON carried through untouched.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A JSON value kept as its text: the server passes it from the database to
/// the answer without building it in memory; a reader that wants to look
/// inside calls [`RawJson::value`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Checks that `text` is one JSON value.
    pub fn from_text(text: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text).map(Self)
    }

    /// Checks that `bytes` are one JSON value, without building it.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice::<&RawValue>(bytes).map(|v| Self(v.to_owned()))
    }

    /// The value, built.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    pub fn text(&self) -> &str {
        self.0.get()
    }
}

impl From<&serde_json::Value> for RawJson {
    fn from(v: &serde_json::Value) -> Self {
        Self(serde_json::value::to_raw_value(v).expect("a Value always serialises"))
    }
}

/// Equal when the values are, whatever the spacing or the order of keys.
impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() || self.value() == other.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passes_its_text_through_and_reads_it_back() {
        let raw = RawJson::from_slice(br#"{"role": {"after": "admin"}}"#).unwrap();
        assert_eq!(raw.value(), json!({"role": {"after": "admin"}}));
        let answer = serde_json::to_string(&json!({ "changes": raw })).unwrap();
        assert_eq!(answer, r#"{"changes":{"role":{"after":"admin"}}}"#);
        assert_eq!(raw, RawJson::from(&json!({"role": {"after": "admin"}})));
    }

    #[test]
    fn refuses_what_is_not_one_value() {
        assert!(RawJson::from_slice(b"{").is_err());
        assert!(RawJson::from_slice(b"1 2").is_err());
        assert!(RawJson::from_text("nope".into()).is_err());
    }
}
