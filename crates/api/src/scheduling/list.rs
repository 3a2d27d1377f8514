use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::{DateTime, Utc};
use rapport_db::scheduling::{SessionFilter, SessionRow, SessionSort};
use rapport_domain::api::{Page, SessionKind, SessionStatus, SessionView};
use rapport_domain::problem::{FieldCode, FieldError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Sessions that end after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Sessions this member holds.
    pub host_id: Option<Uuid>,
    /// Sessions this person takes part in (named, or through a group on the
    /// session's day).
    pub person_id: Option<Uuid>,
    /// Sessions of this group.
    pub group_id: Option<Uuid>,
    pub status: Option<SessionStatus>,
    pub kind: Option<SessionKind>,
    /// Occurrences of this series.
    pub series_id: Option<Uuid>,
    /// Sessions of this branch: with one of its people, or held by one of
    /// its members (its tutors).
    pub branch_id: Option<Uuid>,
}

impl From<SessionQuery> for SessionFilter {
    fn from(q: SessionQuery) -> Self {
        SessionFilter {
            from: q.from,
            to: q.to,
            host_id: q.host_id,
            person_id: q.person_id,
            group_id: q.group_id,
            status: q.status,
            kind: q.kind,
            series_id: q.series_id,
            branch_id: q.branch_id,
            with_seats: false,
        }
    }
}

impl Filters for SessionQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        check_range(errors, self.from, self.to);
    }
}

/// A time range of a query: each end a time that can be, `to` after
/// `from`.
pub(crate) fn check_range(
    errors: &mut Vec<FieldError>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) {
    for (field, t) in [("from", &from), ("to", &to)] {
        if let Some(t) = t {
            rapport_domain::validate::time(errors, field, t);
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            errors.push(FieldError::new(
                "to",
                FieldCode::Range,
                "must be after from",
            ));
        }
    }
}

/// Sessions, earliest first (`sort=-starts_at`: latest first), each with the
/// people it is for: those that overlap `from`..`to`, of a host, a person,
/// a status or a kind. A member sees the sessions they hold or take part in,
/// and of another's session only their own part (see `GET /sessions/{id}`).
#[utoipa::path(
    tag = "sessions",
    params(ListQuery<SessionSort, SessionQuery>),
    responses((status = 200, description = "A page of sessions", body = Page<SessionView>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/sessions")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<SessionSort, SessionQuery>,
) -> ApiResult<Json<Page<SessionView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let filter = SessionFilter::from(list.filter);
    let conn = db.conn().await?;
    let rows = rapport_db::scheduling::list(conn, &scope, &filter, &page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let (mut people, mut groups) = if ids.is_empty() {
        Default::default()
    } else {
        (
            rapport_db::scheduling::participants(conn, ws, &ids).await?,
            rapport_db::scheduling::groups_of(conn, ws, &ids).await?,
        )
    };
    let viewer = super::Viewer::of(conn, ws, &scope).await?;
    Ok(Json(page.answer(rows, |s: SessionRow| {
        let p = people.remove(&s.id).unwrap_or_default();
        let g = groups.remove(&s.id).unwrap_or_default();
        viewer.view(&s, p, g)
    })))
}
