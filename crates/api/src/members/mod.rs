//! Who is in the workspace, with which role.

pub mod delete;
pub mod list;
pub mod update;

use crate::error::ApiError;
use crate::extract::Caller;
use rapport_domain::problem::FieldCode;
use rapport_domain::Role;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(update::update)
        .service(delete::delete);
}

/// A caller hands out and takes back only roles at or below its own: an admin
/// cannot make or unmake owners.
pub fn check_rank(caller: &Caller, role: Role) -> Result<(), ApiError> {
    if role.rank() < caller.role.rank() {
        return Err(ApiError::Forbidden(format!(
            "only an owner can give or change the role `{role}`"
        )));
    }
    Ok(())
}

/// The role must be one the workspace's template has.
pub fn check_template_role(caller: &Caller, role: Role, field: &str) -> Result<(), ApiError> {
    if caller.workspace.template().label(role).is_none() {
        return Err(ApiError::validation(
            field,
            FieldCode::OneOf,
            format!(
                "a {} workspace has no `{role}` role",
                caller.workspace.template()
            ),
        ));
    }
    Ok(())
}

impl crate::record::Audited for rapport_db::members::MemberRow {
    const KIND: &'static str = "member";
    const HEARD_BY: rapport_domain::Permission = rapport_domain::Permission::MembersRead;
    fn record_id(&self) -> String {
        self.user_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<uuid::Uuid> {
        Some(self.user_id)
    }
}
