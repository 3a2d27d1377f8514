//! A person's sensitive custom values: kept out of `custom_fields` (so out
//! of search, filters, lists, events and the audit trail), sealed together
//! with AES-256-GCM under the server's fields key, bound to the workspace
//! and the person (a sealed value copied onto another person does not
//! open), and opened only for those who may see them (`sensitive:read`).

use crate::backup::crypt::Key;
use crate::error::ApiError;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use rapport_db::people::PersonRow;
use rapport_db::Conn;
use rapport_domain::api::PersonView;
use rapport_domain::custom_fields::check_value;
use rapport_domain::problem::FieldError;
use serde_json::{Map, Value};
use uuid::Uuid;

const VERSION: u8 = 1;

fn aad(ws: Uuid, id: Uuid) -> Vec<u8> {
    let mut a = b"rapport-sensitive/1".to_vec();
    a.extend_from_slice(ws.as_bytes());
    a.extend_from_slice(id.as_bytes());
    a
}

/// `values` sealed for person `id` of `ws`; `None` when there are none.
pub fn seal(key: &Key, ws: Uuid, id: Uuid, values: &Map<String, Value>) -> Option<Vec<u8>> {
    if values.is_empty() {
        return None;
    }
    let nonce: [u8; 12] = rand::random();
    let plain = serde_json::to_vec(values).expect("JSON");
    let sealed = key
        .cipher()
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &plain,
                aad: &aad(ws, id),
            },
        )
        .expect("sealing");
    let mut out = Vec::with_capacity(1 + 12 + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Some(out)
}

/// The values sealed for person `id` of `ws`. Failing means a wrong key or
/// a damaged or moved value: a fault of the server, not of the caller.
pub fn open(key: &Key, ws: Uuid, id: Uuid, sealed: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let fail = |what: &str| {
        ApiError::internal(anyhow::anyhow!(
            "the sensitive values of person {id} {what} (is RAPPORT_FIELDS_KEY the key they were sealed with?)"
        ))
    };
    if sealed.len() < 1 + 12 + 16 || sealed[0] != VERSION {
        return Err(fail("are not sealed as this version seals them"));
    }
    let nonce: [u8; 12] = sealed[1..13].try_into().expect("12 bytes");
    let plain = key
        .cipher()
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &sealed[13..],
                aad: &aad(ws, id),
            },
        )
        .map_err(|_| fail("do not open"))?;
    serde_json::from_slice(&plain).map_err(|_| fail("are not JSON"))
}

/// What the sensitive values of person `id` become once the sensitive
/// fields among `sent` are applied to `before`: taken out of `sent`, checked
/// (422 naming `custom_fields.<key>`), sealed. `None` when nothing
/// sensitive changes. A caller who may not see them (`sees` false) sends
/// them as fields that do not exist: they stay in `sent`, and its check
/// refuses them.
pub async fn applied(
    conn: &mut Conn,
    key: &Key,
    ws: Uuid,
    id: Uuid,
    sees: bool,
    sent: &mut Map<String, Value>,
    before: Option<&[u8]>,
) -> Result<Option<Option<Vec<u8>>>, ApiError> {
    if !sees || sent.is_empty() {
        return Ok(None);
    }
    let fields = rapport_db::custom_fields::sensitive(conn, ws).await?;
    let mut taken = Map::new();
    let mut errors = Vec::new();
    for f in &fields {
        if let Some(v) = sent.remove(&f.key) {
            if !v.is_null() {
                if let Some((code, message)) = check_value(f, &v) {
                    errors.push(FieldError::new(
                        format!("custom_fields.{}", f.key),
                        code,
                        message,
                    ));
                }
            }
            taken.insert(f.key.clone(), v);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if taken.is_empty() {
        return Ok(None);
    }
    let was = match before {
        Some(b) => open(key, ws, id, b)?,
        None => Map::new(),
    };
    let after = rapport_domain::custom_fields::merged(&was, &taken);
    if after == was {
        return Ok(None);
    }
    Ok(Some(seal(key, ws, id, &after)))
}

/// Adds to `view` the person's sensitive values of live fields, when the
/// caller may see them.
pub async fn reveal(
    conn: &mut Conn,
    key: &Key,
    ws: Uuid,
    row: &PersonRow,
    view: &mut PersonView,
    sees: bool,
) -> Result<(), ApiError> {
    let Some(sealed) = row.sensitive_fields.as_deref().filter(|_| sees) else {
        return Ok(());
    };
    let values = open(key, ws, row.id, sealed)?;
    for f in rapport_db::custom_fields::sensitive(conn, ws).await? {
        if let Some(v) = values.get(&f.key) {
            view.custom_fields.insert(f.key, v.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_values_open_for_their_person_only() {
        let key = Key::random();
        let (ws, id) = (Uuid::new_v4(), Uuid::new_v4());
        let values = json!({"diagnosis": "asthma"}).as_object().cloned().unwrap();
        let sealed = seal(&key, ws, id, &values).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"asthma"));
        assert_eq!(open(&key, ws, id, &sealed).unwrap(), values);
        assert!(open(&key, ws, Uuid::new_v4(), &sealed).is_err());
        assert!(open(&key, Uuid::new_v4(), id, &sealed).is_err());
        assert!(open(&Key::random(), ws, id, &sealed).is_err());
        assert_eq!(seal(&key, ws, id, &Map::new()), None);
        // Sealed twice, never the same bytes.
        assert_ne!(seal(&key, ws, id, &values), Some(sealed));
    }
}
