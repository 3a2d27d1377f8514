//! Members of a workspace and their roles.

use crate::access::Role;
use crate::problem::FieldError;
use crate::validate::Validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub version: i32,
    /// The branches they belong to (a tutor's; those a moderator is
    /// limited to), set with `PUT /members/{user_id}/branches`.
    #[serde(default)]
    pub branch_ids: Vec<Uuid>,
}

/// A page of the list.
pub type MemberPage = crate::list::Page<MemberView>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMemberRequest {
    pub role: Role,
}

impl Validate for UpdateMemberRequest {
    fn check(&self, _: &mut Vec<FieldError>) {}
}
