use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{encode_seq, next_cursor, PageParams};
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use rapport_db::audit::AuditFilter;
use rapport_domain::api::AuditPage;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
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

/// The audit log, newest first.
#[utoipa::path(
    tag = "audit",
    params(PageParams, AuditQuery),
    responses((status = 200, description = "A page of entries", body = AuditPage)),
    security(("bearer" = ["audit:read"]), ("api_key" = ["audit:read"]))
)]
#[get("/audit")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::AuditRead>,
    page: web::Query<PageParams>,
    q: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let q = q.into_inner();
    let text = |field: &str, v: &Option<String>| {
        crate::pagination::filter_text(field, v.as_deref()).map(|v| v.map(String::from))
    };
    let (record_type, record_id, action) = (
        text("record_type", &q.record_type)?,
        text("record_id", &q.record_id)?,
        text("action", &q.action)?,
    );
    let mut errors = Vec::new();
    for (field, t) in [("since", &q.since), ("until", &q.until)] {
        if let Some(t) = t {
            rapport_domain::validate::time(&mut errors, field, t);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = AuditFilter {
        actor_id: q.actor_id,
        record_type,
        record_id,
        action,
        since: q.since,
        until: q.until,
        before_seq: page.after_seq()?,
        limit,
    };
    let conn = db.conn().await?;
    let rows = rapport_db::audit::list(conn, caller.workspace_id(), &filter).await?;
    let next = next_cursor(&rows, limit, |e| encode_seq(e.seq));
    Ok(HttpResponse::Ok().json(AuditPage {
        data: rows.into_iter().map(|e| e.into_view()).collect(),
        next_cursor: next,
    }))
}
