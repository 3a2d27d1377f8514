//! Custom fields: the fields a workspace adds to people, organisations and
//! groups. Admins define them; every write of a record is checked against
//! them ([`checked`]), with the same check the app runs before sending.

pub mod create;
pub mod delete;
pub mod list;
pub mod restore;
pub mod update;

use crate::error::ApiError;
use rapport_db::custom_fields::CustomFieldRow;
use rapport_db::Conn;
use rapport_domain::custom_fields::{check_values, merged, FieldRecord};
use rapport_domain::Permission;
use serde_json::{Map, Value};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(update::update)
        .service(delete::delete)
        .service(restore::restore);
}

impl crate::record::Audited for CustomFieldRow {
    const KIND: &'static str = "custom_field";
    const HEARD_BY: Permission = Permission::CustomFieldsRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn heard_by(&self) -> Permission {
        if self.sensitive {
            Permission::SensitiveRead
        } else {
            Self::HEARD_BY
        }
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

/// The values of a record of kind `record` once `sent` is applied to
/// `before`, checked against the workspace's live fields: 422 naming
/// `custom_fields.<key>` for an unknown field, a value that does not fit,
/// or a required field left empty.
pub async fn checked(
    conn: &mut Conn,
    ws: Uuid,
    record: FieldRecord,
    sent: &Map<String, Value>,
    before: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let fields = rapport_db::custom_fields::live(conn, ws, record).await?;
    let after = merged(before, sent);
    let mut errors = Vec::new();
    check_values(&mut errors, &fields, sent, &after);
    if errors.is_empty() {
        Ok(after)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Two live fields of one kind of record share no label: 409.
pub(crate) fn or_label_taken(e: diesel::result::Error) -> ApiError {
    match &e {
        diesel::result::Error::DatabaseError(_, info)
            if info.constraint_name() == Some("custom_fields_live_label") =>
        {
            ApiError::conflict(
                rapport_domain::problem::Code::Duplicate,
                "another field of this kind of record has this label",
            )
        }
        _ => e.into(),
    }
}

/// What an update sets `custom_fields` to: `None` when the request sent no
/// custom values (they stay as they are, unchecked), else `before` with
/// `sent` applied, [`checked`].
pub async fn changed(
    conn: &mut Conn,
    ws: Uuid,
    record: FieldRecord,
    sent: Option<&Map<String, Value>>,
    before: &Value,
) -> Result<Option<Value>, ApiError> {
    let Some(sent) = sent else { return Ok(None) };
    let was = before.as_object().cloned().unwrap_or_default();
    Ok(Some(Value::Object(
        checked(conn, ws, record, sent, &was).await?,
    )))
}

/// A list's `custom_field=<key>:<value>` as the values a record must
/// contain (`{"school": "North"}`), typed by the field: 422 for an unknown
/// field or a value it cannot hold.
pub async fn filter(
    conn: &mut Conn,
    ws: Uuid,
    record: FieldRecord,
    text: Option<&str>,
) -> Result<Option<Value>, ApiError> {
    use rapport_domain::custom_fields::{check_value, FieldKind};
    use rapport_domain::problem::FieldCode;
    let Some(text) = text else { return Ok(None) };
    let bad = |m: &str| ApiError::validation("custom_field", FieldCode::Format, m);
    let (key, raw) = text
        .split_once(':')
        .ok_or_else(|| bad("write it as key:value"))?;
    let fields = rapport_db::custom_fields::live(conn, ws, record).await?;
    let field = fields
        .iter()
        .find(|f| f.key == key)
        .ok_or_else(|| ApiError::validation("custom_field", FieldCode::Unknown, "no such field"))?;
    let value = match field.kind {
        FieldKind::Number => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("a number"))?,
        FieldKind::Boolean => Value::Bool(raw.parse().map_err(|_| bad("true or false"))?),
        FieldKind::MultiSelect => Value::Array(vec![Value::String(raw.to_string())]),
        _ => Value::String(raw.to_string()),
    };
    if let Some((_, message)) = check_value(field, &value) {
        return Err(bad(&message));
    }
    Ok(Some(Value::Object(Map::from_iter([(
        key.to_string(),
        value,
    )]))))
}
