//! Keys for integrations: shown once, stored as a hash, scoped, revocable.

pub mod create;
pub mod delete;
pub mod list;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(delete::delete);
}

impl crate::record::Audited for rapport_db::api_keys::ApiKey {
    const KIND: &'static str = "api_key";
    const HEARD_BY: rapport_domain::Permission = rapport_domain::Permission::ApiKeysManage;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    /// The key as listed, and when it was revoked; never its secret.
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.view()).unwrap_or_default();
        v["revoked_at"] = serde_json::to_value(self.revoked_at).unwrap_or_default();
        v
    }
    fn event(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}
