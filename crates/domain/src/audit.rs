//! The audit trail: every change, hash-chained per workspace.

use crate::events::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    /// Position in the workspace's chain, from 1.
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    /// `<record>.<verb>`, e.g. `member.updated`.
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    /// Changed fields: `{"role": {"before": "staff", "after": "admin"}}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub changes: crate::json::RawJson,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// Hex SHA-256 of this entry, chained to the one before.
    pub hash: String,
}

/// A page of the list.
pub type AuditPage = crate::list::Page<AuditEntryView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerifyResponse {
    pub ok: bool,
    pub checked: i64,
    /// The `seq` of the first entry whose hash does not match, if any.
    pub first_bad: Option<i64>,
}
