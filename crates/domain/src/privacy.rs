//! Personal data (the GDPR's rights of access and erasure): everything a
//! workspace holds about one person, exported as one document, and its
//! erasure.

use crate::people::PersonView;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the workspace holds about a person
/// (`GET /people/{id}/personal-data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalData {
    pub person: PersonView,
    pub exported_at: DateTime<Utc>,
    /// What each module holds about them, by module: `people` (their
    /// record's history), `notes`, `groups`, `imports`, `mail`, and the
    /// modules that come later.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub held: BTreeMap<String, serde_json::Value>,
}

/// What an erasure did (`POST /people/{id}/erase`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    /// The person as they are now: no name, no contact, deleted for good.
    pub person: PersonView,
    /// How many stored items each module erased or removed, by module.
    pub erased: BTreeMap<String, u64>,
}
