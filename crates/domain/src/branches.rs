//! Branches: the places a workspace works from (a tutoring business's
//! locations). A person belongs to one at most; a member (a tutor, a
//! moderator) to any number, and a moderator given branches sees only the
//! people of theirs.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const BRANCH_NAME_MAX: usize = 100;
pub const BRANCH_ADDRESS_MAX: usize = 300;
/// The most branches a member may be given.
pub const MEMBER_BRANCHES_MAX: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BranchView {
    pub id: Uuid,
    pub name: String,
    pub address: Option<String>,
    /// Set when the branch was archived: it keeps its people and is offered
    /// no more for new ones.
    pub archived_at: Option<DateTime<Utc>>,
    /// How many people (not deleted) belong to it; only for those who
    /// manage people (a moderator limited to branches: of theirs).
    pub people: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub type BranchPage = crate::list::Page<BranchView>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "North", "address": "12 Harbour Street"})))]
#[serde(deny_unknown_fields)]
pub struct NewBranch {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Validate for NewBranch {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, BRANCH_NAME_MAX);
        validate::optional_text(
            e,
            "address",
            filled(self.address.as_deref()),
            BRANCH_ADDRESS_MAX,
        );
    }
}

/// A blank address is no address.
fn filled(a: Option<&str>) -> Option<&str> {
    a.filter(|a| !a.trim().is_empty())
}

/// Only the fields sent change; `null` clears the address.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"archived": true})))]
#[serde(deny_unknown_fields)]
pub struct UpdateBranch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
    /// Archive it (`true`) or bring it back (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

impl Validate for UpdateBranch {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.name {
            validate::text(e, "name", n, BRANCH_NAME_MAX);
        }
        if let Some(a) = &self.address {
            validate::optional_text(e, "address", filled(a.as_deref()), BRANCH_ADDRESS_MAX);
        }
    }
}

/// The branches of one member. For a moderator (a manager), those they are
/// limited to; none: every branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"branch_ids": ["0190f4c2-6a1e-7cc0-9d51-1f0a3c1b2d4e"]})))]
#[serde(deny_unknown_fields)]
pub struct MemberBranches {
    pub branch_ids: Vec<Uuid>,
}

impl Validate for MemberBranches {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.branch_ids.len() > MEMBER_BRANCHES_MAX {
            e.push(
                FieldError::new("branch_ids", FieldCode::TooLong, "too many branches")
                    .with("max", MEMBER_BRANCHES_MAX),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_has_a_name_and_a_short_address() {
        let b = NewBranch {
            name: " ".into(),
            address: Some("x".repeat(BRANCH_ADDRESS_MAX + 1)),
        };
        let fields: Vec<_> = b
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["name", "address"]);
        let ok = NewBranch {
            name: "North".into(),
            address: None,
        };
        assert!(ok.validate().is_ok());
        let many = MemberBranches {
            branch_ids: vec![Uuid::nil(); MEMBER_BRANCHES_MAX + 1],
        };
        assert!(many.validate().is_err());
    }
}
