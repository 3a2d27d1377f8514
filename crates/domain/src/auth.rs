//! Accounts, sign-in, tokens, workspaces and `GET /me`.

use crate::access::{Module, Role, Template};
use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate, NAME_MAX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "workspace_name": "Northside Coding Club", "template": "school",
    "name": "Ada Lovelace", "email": "ada@example.com", "password": "correct horse battery"
})))]
pub struct RegisterRequest {
    pub workspace_name: String,
    pub template: Template,
    pub name: String,
    pub email: String,
    pub password: String,
}

impl Validate for RegisterRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "workspace_name", &self.workspace_name, NAME_MAX);
        validate::text(e, "name", &self.name, NAME_MAX);
        validate::email(e, "email", &self.email);
        validate::password(e, "password", &self.password);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"email": "ada@example.com", "password": "correct horse battery"})))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The workspace to sign in to; the user's first workspace when absent.
    #[serde(default)]
    pub workspace_id: Option<Uuid>,
}

impl Validate for LoginRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::email(e, "email", &self.email);
        if self.password.is_empty() {
            e.push(FieldError::new(
                "password",
                FieldCode::Required,
                "is required",
            ));
        } else if self.password.len() > validate::PASSWORD_MAX {
            e.push(
                FieldError::new("password", FieldCode::TooLong, "is too long")
                    .with("max", validate::PASSWORD_MAX),
            );
        }
    }
}

/// Body of `/auth/refresh` and `/auth/logout`; browsers send the cookie instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl Validate for RefreshRequest {
    fn check(&self, _: &mut Vec<FieldError>) {}
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchRequest {
    pub workspace_id: Uuid,
    /// This session's refresh token; browsers send it as the cookie instead.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl Validate for SwitchRequest {
    fn check(&self, _: &mut Vec<FieldError>) {}
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

impl Validate for PasswordResetRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::email(e, "email", &self.email);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    /// The token from the reset e-mail.
    pub token: String,
    pub password: String,
}

impl Validate for PasswordResetConfirm {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.token.trim().is_empty() || self.token.len() > 200 {
            e.push(FieldError::new(
                "token",
                FieldCode::Format,
                "is not a reset token",
            ));
        }
        validate::password(e, "password", &self.password);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

impl Validate for ChangePasswordRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.current_password.is_empty() {
            e.push(FieldError::new(
                "current_password",
                FieldCode::Required,
                "is required",
            ));
        }
        validate::password(e, "new_password", &self.new_password);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMeRequest {
    pub name: String,
}

impl Validate for UpdateMeRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, NAME_MAX);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceView {
    pub id: Uuid,
    pub name: String,
    pub template: Template,
    /// IANA time zone for calendars and dates, e.g. `Europe/Paris`.
    pub time_zone: String,
}

/// The answer of register, login, refresh, switch and invitation acceptance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: UserView,
    pub workspace: WorkspaceView,
    pub role: Role,
}

/// A workspace the caller belongs to, for the workspace switcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipView {
    pub workspace: WorkspaceView,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub user: UserView,
    pub workspace: WorkspaceView,
    pub role: Role,
    pub permissions: Vec<String>,
    pub modules: Vec<Module>,
    /// The template's word for each role it has, e.g. `{"member": "Student"}`.
    pub labels: BTreeMap<String, String>,
    /// Every workspace the user belongs to.
    pub workspaces: Vec<MembershipView>,
    /// Whether mail is kept for the mail viewer (no SMTP server configured).
    pub mail_viewer: bool,
    /// The member's branches: a moderator given any sees the people of
    /// those only.
    #[serde(default)]
    pub branch_ids: Vec<Uuid>,
}

/// The answer of routes that only confirm.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ack {
    pub ok: bool,
}

/// A template with what it switches on, for the "create a workspace" page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    pub template: Template,
    pub description: String,
    pub modules: Vec<Module>,
    pub labels: BTreeMap<String, String>,
}

impl TemplateView {
    pub fn of(t: Template) -> Self {
        TemplateView {
            template: t,
            description: t.description().to_string(),
            modules: t.modules().to_vec(),
            labels: labels(t),
        }
    }
}

pub fn labels(t: Template) -> BTreeMap<String, String> {
    Role::ALL
        .into_iter()
        .filter_map(|r| t.label(r).map(|l| (r.as_str().to_string(), l.to_string())))
        .collect()
}
