//! Organisations: companies and client companies.

pub mod create;
pub mod delete;
pub mod list;
pub mod read;
pub mod restore;
pub mod update;

use rapport_db::organizations::OrganizationRow;
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(read::read)
        .service(update::update)
        .service(delete::delete)
        .service(restore::restore);
}

/// As for people: a member sees their own organisation and the ones they
/// look after; every other role and API key sees the workspace's.
pub type Policy = crate::people::Policy;

impl crate::record::Audited for OrganizationRow {
    const KIND: &'static str = "organization";
    const HEARD_BY: Permission = Permission::OrganizationsWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

/// A domain as it is kept: lower case, without `www.`.
pub(crate) fn tidy_domain(d: Option<&str>) -> Option<String> {
    rapport_domain::validate::tidy(d).map(|d| {
        let d = d.to_lowercase();
        d.strip_prefix("www.").map(str::to_string).unwrap_or(d)
    })
}
