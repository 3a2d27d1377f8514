//! People: one record for a contact, a customer, a student or a practitioner.

use crate::problem::FieldError;
use crate::validate::{self, Validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PERSON_NAME_MAX: usize = 100;

/// Where a person stands with the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Not yet a customer or a student.
    Lead,
    #[default]
    Active,
    /// Paused.
    Inactive,
    /// Left: a former student or customer.
    Former,
}

impl PersonStatus {
    pub const ALL: [PersonStatus; 4] = [Self::Lead, Self::Active, Self::Inactive, Self::Former];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Former => "former",
        }
    }
}

impl std::str::FromStr for PersonStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Option<Uuid>,
    /// The member who looks after this person.
    pub owner_id: Option<Uuid>,
    /// The member who is this person, when they sign in (a student, a customer).
    pub user_id: Option<Uuid>,
    /// The branch they belong to (see `/branches`).
    pub branch_id: Option<Uuid>,
    pub status: PersonStatus,
    pub tags: Vec<String>,
    /// The workspace's own fields (see `/custom-fields`), by key.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was deleted; it can be restored for 30 days, then it is purged.
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// When everything that identified them was erased (see
    /// `POST /people/{id}/erase`); an erased person stays deleted for good.
    pub erased_at: Option<DateTime<Utc>>,
}

impl PersonView {
    /// "First Last", or the first name alone.
    pub fn name(&self) -> String {
        if self.last_name.is_empty() {
            self.first_name.clone()
        } else {
            format!("{} {}", self.first_name, self.last_name)
        }
    }
}

/// A page of the list.
pub type PersonPage = crate::list::Page<PersonView>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "tags": ["maths"]})))]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Their branch: one not archived (for a moderator limited to
    /// branches, one of theirs, which is the default when they have one).
    #[serde(default)]
    pub branch_id: Option<Uuid>,
    #[serde(default)]
    pub status: PersonStatus,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Values of the workspace's own fields, by key; checked against them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

impl Validate for CreatePersonRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "first_name", &self.first_name, PERSON_NAME_MAX);
        if !self.last_name.trim().is_empty() {
            validate::text(e, "last_name", &self.last_name, PERSON_NAME_MAX);
        }
        check_contact(e, self.email.as_deref(), self.phone.as_deref());
        validate::tags(e, "tags", &self.tags);
    }
}

fn check_contact(e: &mut Vec<FieldError>, email: Option<&str>, phone: Option<&str>) {
    if let Some(m) = email.filter(|m| !m.trim().is_empty()) {
        validate::email(e, "email", m);
    }
    if let Some(p) = phone.filter(|p| !p.trim().is_empty()) {
        validate::phone(e, "phone", p);
    }
}

/// Only the fields sent change; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"status": "former", "owner_id": null})))]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
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
    pub organization_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub branch_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PersonStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Values of the workspace's own fields to set, by key; `null` clears one,
    /// keys left out stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Validate for UpdatePersonRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(f) = &self.first_name {
            validate::text(e, "first_name", f, PERSON_NAME_MAX);
        }
        if let Some(l) = self.last_name.as_deref().filter(|l| !l.trim().is_empty()) {
            validate::text(e, "last_name", l, PERSON_NAME_MAX);
        }
        check_contact(
            e,
            self.email.clone().flatten().as_deref(),
            self.phone.clone().flatten().as_deref(),
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
    fn a_person_needs_a_first_name_and_well_formed_contacts() {
        let mut p = CreatePersonRequest {
            first_name: " ".into(),
            email: Some("nope".into()),
            phone: Some("x".into()),
            ..Default::default()
        };
        let codes: Vec<_> = p
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(codes, ["first_name", "email", "phone"]);
        p.first_name = "Ada".into();
        p.email = Some("".into());
        p.phone = None;
        assert!(p.validate().is_ok(), "a blank e-mail is no e-mail");
    }
}
