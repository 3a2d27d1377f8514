//! Partial updates: a `PATCH` body says only what changes.

use serde::{Deserialize, Deserializer};

/// A field that may be cleared: absent is `None` (unchanged), `null` is
/// `Some(None)` (cleared), a value is `Some(Some(v))`. Use with
/// `#[serde(default, deserialize_with = "crate::patch::nullable",
/// skip_serializing_if = "Option::is_none")]`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(
            default,
            deserialize_with = "super::nullable",
            skip_serializing_if = "Option::is_none"
        )]
        email: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_a_value_are_three_answers() {
        let read = |s: &str| serde_json::from_str::<Body>(s).unwrap().email;
        assert_eq!(read("{}"), None);
        assert_eq!(read(r#"{"email": null}"#), Some(None));
        assert_eq!(read(r#"{"email": "a@b.co"}"#), Some(Some("a@b.co".into())));
        for email in [None, Some(None), Some(Some("a@b.co".to_string()))] {
            let body = Body { email };
            let text = serde_json::to_string(&body).unwrap();
            assert_eq!(serde_json::from_str::<Body>(&text).unwrap(), body);
        }
    }
}
