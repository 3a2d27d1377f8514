//! API keys: scoped credentials for other programs.

use crate::access::valid_scope;
use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Zapier", "scopes": ["members:read"], "expires_at": null})))]
pub struct CreateApiKeyRequest {
    pub name: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Validate for CreateApiKeyRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, 100);
        if let Some(t) = &self.expires_at {
            validate::time(e, "expires_at", t);
        }
        if self.scopes.is_empty() {
            e.push(FieldError::new(
                "scopes",
                FieldCode::Required,
                "at least one scope is required",
            ));
        } else if self.scopes.len() > 50 {
            e.push(
                FieldError::new("scopes", FieldCode::TooLong, "at most 50 scopes").with("max", 50),
            );
        }
        for (i, s) in self.scopes.iter().enumerate() {
            if !valid_scope(s) {
                e.push(FieldError::new(
                    format!("scopes[{i}]"),
                    FieldCode::OneOf,
                    format!("`{s}` is not a scope an API key may hold"),
                ));
            }
        }
    }
}

/// The answer of key creation; `key` appears here and nowhere else.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// A page of the list.
pub type ApiKeyPage = crate::list::Page<ApiKeyView>;
