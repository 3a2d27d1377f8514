//! Invitations to join a workspace, and accepting them.

use crate::access::Role;
use crate::problem::FieldError;
use crate::validate::{self, Validate, NAME_MAX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"email": "grace@example.com", "role": "staff"})))]
pub struct CreateInvitationRequest {
    pub email: String,
    pub role: Role,
    /// The person they are (a student invited to sign in): accepting links
    /// the new member to this person, who must not be anyone's yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
}

impl Validate for CreateInvitationRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::email(e, "email", &self.email);
    }
}

/// The answer of invitation creation: the token is shown to the inviter once and e-mailed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationCreated {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// The person accepting links the new member to.
    pub person_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// The person accepting links the new member to.
    pub person_id: Option<Uuid>,
    pub status: InvitationStatus,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub version: i32,
}

/// A page of the list.
pub type InvitationPage = crate::list::Page<InvitationView>;

/// Accepting as a new user gives `name` and `password`; an existing user sends
/// their access token instead and an empty body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvitationRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

impl Validate for AcceptInvitationRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(name) = &self.name {
            validate::text(e, "name", name, NAME_MAX);
        }
        if let Some(pw) = &self.password {
            validate::password(e, "password", pw);
        }
    }
}
