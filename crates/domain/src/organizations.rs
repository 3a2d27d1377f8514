//! Organisations: companies and client companies.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate, NAME_MAX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ADDRESS_MAX: usize = 500;
pub const INDUSTRY_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    /// Its web domain, `example.com`: people are matched to it by e-mail.
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// The member who looks after it.
    pub owner_id: Option<Uuid>,
    pub tags: Vec<String>,
    /// The workspace's own fields (see `/custom-fields`), by key.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was deleted; it can be restored for 30 days, then it is purged.
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// A page of the list.
pub type OrganizationPage = crate::list::Page<OrganizationView>;

/// A web domain as people write it: `example.com`, without a scheme or a path.
pub fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

fn check(
    e: &mut Vec<FieldError>,
    domain: Option<&str>,
    industry: Option<&str>,
    phone: Option<&str>,
    address: Option<&str>,
) {
    if let Some(d) = domain.map(str::trim).filter(|d| !d.is_empty()) {
        if !is_domain(d) {
            e.push(FieldError::new(
                "domain",
                FieldCode::Format,
                "a domain such as example.com, without https:// or a path",
            ));
        }
    }
    validate::optional_text(
        e,
        "industry",
        industry.filter(|v| !v.trim().is_empty()),
        INDUSTRY_MAX,
    );
    if let Some(p) = phone.filter(|p| !p.trim().is_empty()) {
        validate::phone(e, "phone", p);
    }
    validate::optional_text(
        e,
        "address",
        address.filter(|v| !v.trim().is_empty()),
        ADDRESS_MAX,
    );
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Globex", "domain": "globex.example", "industry": "Manufacturing"})))]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationRequest {
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Values of the workspace's own fields, by key; checked against them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

impl Validate for CreateOrganizationRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, NAME_MAX);
        check(
            e,
            self.domain.as_deref(),
            self.industry.as_deref(),
            self.phone.as_deref(),
            self.address.as_deref(),
        );
        validate::tags(e, "tags", &self.tags);
    }
}

/// Only the fields sent change; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"industry": "Software", "phone": null})))]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub domain: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub industry: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Values of the workspace's own fields to set, by key; `null` clears one,
    /// keys left out stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Validate for UpdateOrganizationRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.name {
            validate::text(e, "name", n, NAME_MAX);
        }
        check(
            e,
            self.domain.clone().flatten().as_deref(),
            self.industry.clone().flatten().as_deref(),
            self.phone.clone().flatten().as_deref(),
            self.address.clone().flatten().as_deref(),
        );
        if let Some(t) = &self.tags {
            validate::tags(e, "tags", t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_names_not_addresses() {
        for ok in [
            "example.com",
            "sub.example.co.uk",
            "xn--bcher-kva.example",
            "bücher.de",
        ] {
            assert!(is_domain(ok), "{ok}");
        }
        for bad in [
            "example",
            "https://example.com",
            "example.com/path",
            "-a.com",
            "a..com",
            "a b.com",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }
}
