//! The students list of a tutoring business: beside each profile, their
//! rates (for those who see amounts), the sessions left on their packages
//! and their next sessions, for a page of students at once.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db, Visible};
use actix_web::{get, web, web::Json};
use rapport_domain::api::{NextSession, PackageBalance, StudentSummary};
use rapport_domain::problem::FieldCode;
use rapport_domain::{Module, Permission};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

/// The most students asked about at once (two pages of the list).
const MAX_IDS: usize = 100;
/// The next sessions shown per student.
const NEXT: usize = 3;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The people, by id, separated by commas (at most 100).
    pub ids: String,
}

/// For each of the people named that the caller sees (the others are left
/// out, as absent): their rates, `null` for who does not read finance; the
/// packages they are using (counts only, which moderators see too) and the
/// sessions left on them; their next three sessions the caller sees. In
/// the order asked.
#[utoipa::path(
    tag = "dashboards",
    params(SummaryQuery),
    responses(
        (status = 200, description = "One summary per person seen", body = Vec<StudentSummary>),
        (status = 422, description = "No ids, too many, or one that is not an id", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/student-summaries")]
pub async fn summaries(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(sessions_scope, ..): Visible<crate::scheduling::Policy>,
    Visible(people_scope, ..): Visible<crate::people::Policy>,
    q: web::Query<SummaryQuery>,
) -> ApiResult<Json<Vec<StudentSummary>>> {
    let ws = caller.workspace_id();
    let asked = ids(&q.ids)?;
    let conn = db.conn().await?;
    let seen = rapport_db::people::seen_live(conn, &people_scope, &asked).await?;
    let people: Vec<Uuid> = asked.into_iter().filter(|p| seen.contains(p)).collect();
    if people.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let finance = caller.workspace.has_module(Module::Finance);
    let sees_money = finance && caller.allows(Permission::FinanceRead);
    let mut rates: HashMap<Uuid, Vec<_>> = HashMap::new();
    if sees_money {
        for r in rapport_db::finance::rates_of(conn, ws, &people).await? {
            rates.entry(r.person_id).or_default().push(r.view());
        }
    }
    let mut packages: HashMap<Uuid, Vec<PackageBalance>> = HashMap::new();
    if finance {
        let today = rapport_db::groups::today(conn, ws).await?;
        for p in rapport_db::finance::packages::in_use(conn, ws, &people, today).await? {
            packages
                .entry(p.person_id)
                .or_default()
                .push(PackageBalance {
                    id: p.id,
                    name: p.name,
                    subject: p.subject,
                    sessions: p.sessions,
                    used: p.used,
                    remaining: p.sessions - p.used,
                    expires_on: p.expires_on,
                });
        }
    }
    // A few more than shown, of which those the caller sees.
    let coming = rapport_db::dashboards::coming_sessions(
        conn,
        ws,
        &people,
        chrono::Utc::now(),
        (NEXT * 3) as i64,
    )
    .await?;
    let ids: Vec<Uuid> = coming.iter().map(|(_, s)| *s).collect();
    let sessions: HashMap<Uuid, _> =
        rapport_db::scheduling::visible_among(conn, &sessions_scope, &ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
    let mut next: HashMap<Uuid, Vec<NextSession>> = HashMap::new();
    for (person, session) in coming {
        let Some(s) = sessions.get(&session) else {
            continue;
        };
        let theirs = next.entry(person).or_default();
        if theirs.len() < NEXT {
            theirs.push(NextSession {
                id: s.id,
                title: s.title.clone(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                host_id: s.host_id,
                status: s.status,
            });
        }
    }
    Ok(Json(
        people
            .into_iter()
            .map(|p| {
                let packages = packages.remove(&p).unwrap_or_default();
                StudentSummary {
                    person_id: p,
                    rates: sees_money.then(|| rates.remove(&p).unwrap_or_default()),
                    sessions_left: packages.iter().map(|b| b.remaining).sum(),
                    packages,
                    next: next.remove(&p).unwrap_or_default(),
                }
            })
            .collect(),
    ))
}

/// The ids of `text`, each once, in order.
fn ids(text: &str) -> Result<Vec<Uuid>, ApiError> {
    let mut out: Vec<Uuid> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: Uuid = part.parse().map_err(|_| {
            ApiError::validation("ids", FieldCode::Format, "ids separated by commas")
        })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err(ApiError::validation(
            "ids",
            FieldCode::Required,
            "is required",
        ));
    }
    if out.len() > MAX_IDS {
        return Err(ApiError::validation(
            "ids",
            FieldCode::TooLong,
            format!("at most {MAX_IDS} ids"),
        ));
    }
    Ok(out)
}
