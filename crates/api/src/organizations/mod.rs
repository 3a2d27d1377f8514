//! Organisations: companies and client companies.

pub mod bulk;
pub mod create;
pub mod delete;
pub mod export;
pub mod list;
pub mod read;
pub mod restore;
pub mod timeline;
pub mod update;

use rapport_db::organizations::OrganizationRow;
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(export::export)
        .service(bulk::bulk)
        .service(create::create)
        .service(read::read)
        .service(update::update)
        .service(delete::delete)
        .service(restore::restore)
        .service(timeline::timeline);
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

impl crate::record::SoftDeleted for OrganizationRow {
    fn deleted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.deleted_at
    }
    fn version(&self) -> i32 {
        self.version
    }
    async fn lock(
        conn: &mut rapport_db::Conn,
        ws: uuid::Uuid,
        scope: &crate::extract::Scope,
        id: uuid::Uuid,
    ) -> diesel::QueryResult<Option<Self>> {
        rapport_db::organizations::lock(conn, ws, scope, id).await
    }
    async fn set_deleted(
        conn: &mut rapport_db::Conn,
        ws: uuid::Uuid,
        id: uuid::Uuid,
        version: i32,
        deleted: bool,
    ) -> diesel::QueryResult<Option<Self>> {
        rapport_db::organizations::set_deleted(conn, ws, id, version, deleted).await
    }
    async fn may_restore(
        &self,
        _conn: &mut rapport_db::Conn,
        _ws: uuid::Uuid,
    ) -> Result<(), crate::error::ApiError> {
        Ok(())
    }
}

/// A domain as it is kept: lower case, without `www.`.
pub(crate) fn tidy_domain(d: Option<&str>) -> Option<String> {
    rapport_domain::validate::tidy(d).map(|d| {
        let d = d.to_lowercase();
        d.strip_prefix("www.").map(str::to_string).unwrap_or(d)
    })
}

/// Organisations found by a search: name, domain.
pub fn search(s: &mut Vec<crate::search::Source>) {
    s.push(crate::search::Source {
        permission: Permission::OrganizationsRead,
        find: |conn, caller, search| {
            Box::pin(async move {
                let scope = <Policy as crate::extract::Policy>::scope(caller);
                let rows = rapport_db::organizations::search(conn, &scope, search).await?;
                Ok(rows
                    .into_iter()
                    .map(|(o, score)| rapport_domain::api::SearchHit {
                        kind: rapport_domain::api::SearchKind::Organization,
                        id: o.id,
                        title: o.name,
                        subtitle: o.domain,
                        score,
                    })
                    .collect())
            })
        },
    });
}
