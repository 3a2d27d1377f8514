use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::{DateTime, Utc};
use rapport_db::audit::{AuditFilter, AuditSort};
use rapport_domain::api::{AuditEntryView, Page};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The user or API key that acted.
    pub actor_id: Option<Uuid>,
    /// e.g. `member`, `invitation`, `api_key`.
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    /// e.g. `member.updated`.
    pub action: Option<String>,
    /// Entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub until: Option<DateTime<Utc>>,
}

impl Filters for AuditQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        crate::pagination::text(errors, "record_type", &mut self.record_type);
        crate::pagination::text(errors, "record_id", &mut self.record_id);
        crate::pagination::text(errors, "action", &mut self.action);
        for (field, t) in [("since", &self.since), ("until", &self.until)] {
            if let Some(t) = t {
                rapport_domain::validate::time(errors, field, t);
            }
        }
    }
}

/// The audit log, newest first unless `sort` says otherwise.
#[utoipa::path(
    tag = "audit",
    params(ListQuery<AuditSort, AuditQuery>),
    responses((status = 200, description = "A page of entries", body = Page<AuditEntryView>)),
    security(("bearer" = ["audit:read"]), ("api_key" = ["audit:read"]))
)]
#[get("/audit")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::AuditRead>,
    list: ListQuery<AuditSort, AuditQuery>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let page = list.page(caller.workspace_id())?;
    let q = list.filter;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        record_type: q.record_type,
        record_id: q.record_id,
        action: q.action,
        since: q.since,
        until: q.until,
    };
    let conn = db.conn().await?;
    let rows = rapport_db::audit::list(conn, caller.workspace_id(), &filter, &page).await?;
    Ok(Json(page.answer(rows, |e| e.into_view())))
}
