//! Seats to book: the group sessions of the workspace that a member may
//! join (`POST /bookings` with the session's id), with the seats left.

use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Scope, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::{DateTime, Utc};
use rapport_db::scheduling::{SessionFilter, SessionRow, SessionSort};
use rapport_domain::api::{Page, SeatOffer, SessionKind};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeatQuery {
    /// Sessions that end after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Sessions this member holds.
    pub host_id: Option<Uuid>,
    pub kind: Option<SessionKind>,
}

impl Filters for SeatQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        super::list::check_range(errors, self.from, self.to);
    }
}

/// Group sessions with seats, earliest first: every scheduled session of
/// the workspace with a capacity that has not begun, full ones included
/// (`seats_left` 0), with whether the caller holds a seat. Who else takes
/// part, the notes and the online room stay with those who take part.
#[utoipa::path(
    tag = "sessions",
    params(ListQuery<SessionSort, SeatQuery>),
    responses((status = 200, description = "A page of group sessions", body = Page<SeatOffer>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/bookings/seats")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<SessionSort, SeatQuery>,
) -> ApiResult<Json<Page<SeatOffer>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let q = &list.filter;
    let filter = SessionFilter {
        from: q.from,
        to: q.to,
        host_id: q.host_id,
        kind: q.kind,
        with_seats: true,
        ..Default::default()
    };
    let conn = db.conn().await?;
    // Offers are the workspace's, whoever asks.
    let rows = rapport_db::scheduling::list(conn, &Scope::Workspace(ws), &filter, &page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let hosts: Vec<Uuid> = rows.iter().filter_map(|s| s.host_id).collect();
    // Everyone a session is for, each once: its seats taken.
    let (people, names) = if ids.is_empty() {
        Default::default()
    } else {
        (
            rapport_db::scheduling::people_of(conn, ws, &ids).await?,
            rapport_db::notes::names(conn, &hosts).await?,
        )
    };
    let own = match &scope {
        Scope::Person { user_id, .. } => {
            rapport_db::scheduling::linked_people(conn, ws, *user_id).await?
        }
        _ => vec![],
    };
    Ok(Json(page.answer(rows, |s: SessionRow| {
        let capacity = s.capacity.unwrap_or_default();
        let taken = people.get(&s.id).map_or(0, |p| p.len() as i64);
        let booked = people
            .get(&s.id)
            .is_some_and(|p| p.iter().any(|p| own.contains(p)));
        let view = s.view(vec![], vec![]);
        SeatOffer {
            session_id: s.id,
            kind: view.kind,
            title: view.title,
            starts_at: view.starts_at,
            ends_at: view.ends_at,
            location: view.location,
            host_id: view.host_id,
            host_name: s.host_id.and_then(|h| names.get(&h).cloned()),
            fee: view.fee,
            capacity,
            seats_left: (capacity as i64 - taken).max(0) as i32,
            booked,
            version: view.version,
        }
    })))
}
