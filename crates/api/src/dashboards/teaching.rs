use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Scope};
use crate::medals::allowance::Left;
use actix_web::{get, web::Json};
use chrono::{Duration, NaiveTime, Utc};
use rapport_db::scheduling::{SessionFilter, SessionSort};
use rapport_domain::api::{AwardsLeft, LessonToday, SessionStatus, TeachingDashboard};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

/// The most lessons one teacher holds in a day that the page lists.
const LESSONS_MAX: i64 = 50;

/// A teacher's day, in one call: the classes they lead (students today,
/// attendance over the last 30 days), the lessons they hold today (in the
/// workspace's time zone) with how far each register is, and what they
/// may still award each student of their classes this month. For an API
/// key, which leads nothing, the sections are empty; so is a section
/// whose module the workspace has not switched on.
#[utoipa::path(
    tag = "dashboards",
    responses((status = 200, description = "The teacher's day", body = TeachingDashboard)),
    security(("bearer" = ["attendance:write"]), ("api_key" = ["attendance:write"]))
)]
#[get("/dashboards/teaching")]
pub async fn teaching(
    mut db: Db,
    caller: Authz<perm::AttendanceWrite>,
) -> ApiResult<Json<TeachingDashboard>> {
    let ws = caller.workspace_id();
    let has = |m: Module| caller.workspace.has_module(m);
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let today = rapport_db::groups::today(conn, ws).await?;
    let mut out = TeachingDashboard {
        today,
        classes: Vec::new(),
        lessons: Vec::new(),
        awards_left: Vec::new(),
    };
    let Some(me) = caller.user_id() else {
        return Ok(Json(out));
    };
    let now = Utc::now();
    if has(Module::Groups) {
        out.classes =
            rapport_db::dashboards::classes(conn, ws, Some(me), today, now - Duration::days(30))
                .await?;
    }
    if has(Module::Scheduling) {
        let tz = crate::scheduling::recurrence::zone(&zone).unwrap_or(chrono_tz::UTC);
        let at = |d: chrono::NaiveDate| {
            crate::scheduling::recurrence::instant(tz, d.and_time(NaiveTime::MIN))
        };
        let (start, end) = (at(today), at(today + Duration::days(1)));
        let filter = SessionFilter {
            from: Some(start),
            to: Some(end),
            host_id: Some(me),
            ..Default::default()
        };
        let page = rapport_db::list::PageRequest {
            sort: <SessionSort as rapport_db::list::Sorts>::DEFAULT,
            after: None,
            limit: LESSONS_MAX,
        };
        let rows: Vec<_> =
            rapport_db::scheduling::list(conn, &Scope::Workspace(ws), &filter, &page)
                .await?
                .into_iter()
                .filter(|s| s.status != SessionStatus::Cancelled && s.starts_at >= start)
                .collect();
        let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
        let people = rapport_db::scheduling::people_of(conn, ws, &ids).await?;
        let recorded = rapport_db::scheduling::recorded_counts(conn, ws, &ids).await?;
        out.lessons = rows
            .into_iter()
            .map(|s| LessonToday {
                participants: people.get(&s.id).map_or(0, |p| p.len() as i64),
                recorded: recorded.get(&s.id).copied().unwrap_or(0),
                id: s.id,
                title: s.title,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                status: s.status,
            })
            .collect();
    }
    if has(Module::Groups) && has(Module::Medals) && caller.allows(Permission::MedalsAward) {
        let students = rapport_db::dashboards::students_of(conn, ws, me, today).await?;
        let ids: Vec<Uuid> = students.iter().map(|s| s.0).collect();
        let settings = rapport_db::medals::settings(conn, ws).await?;
        let (from, to) = crate::medals::month_of(&zone, now);
        let mut given: HashMap<Uuid, Vec<(Option<Uuid>, String)>> = HashMap::new();
        for (person, by, currency) in
            rapport_db::medals::awards_to(conn, ws, &ids, from, to).await?
        {
            given.entry(person).or_default().push((by, currency));
        }
        out.awards_left = students
            .into_iter()
            .map(|(person_id, first_name, last_name)| {
                let left = Left::after(
                    settings.clone(),
                    given.get(&person_id).map_or(&[][..], Vec::as_slice),
                    Some(me),
                );
                AwardsLeft {
                    person_id,
                    first_name,
                    last_name,
                    gold: left.of(rapport_domain::api::Medal::Gold),
                    silver: left.of(rapport_domain::api::Medal::Silver),
                    bronze: left.of(rapport_domain::api::Medal::Bronze),
                    student_cap_left: left.settings.student_cap_per_month.and(left.cap_left),
                }
            })
            .collect();
    }
    Ok(Json(out))
}
