use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use actix_web::{get, web::Json};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc};
use rapport_db::list::{Dir, PageRequest, Sort};
use rapport_db::people::{PersonFilter, PersonSort};
use rapport_db::scheduling::{SessionFilter, SessionRow, SessionSort};
use rapport_domain::api::{
    NewStudent, SessionBrief, SessionPerson, SessionStatus, TutoringDashboard,
};
use rapport_domain::{Module, Permission};
use uuid::Uuid;

/// The most sessions of one kind the page lists.
const LISTED: i64 = 50;
/// How far back a session not logged is still asked about.
const UNLOGGED_DAYS: i64 = 30;

/// A tutoring business's first page, in one call, shaped by who asks.
/// Sessions are those the caller sees: a user's own (they hold them or
/// take part), a moderator's those of their branches, an admin's all:
/// the next ten, today's, and those begun in the last 30 days that are
/// not logged yet (ended, and neither completed nor no-show), with this
/// month's
/// completed sessions and hours. Those who add students see the students
/// added in the last 30 days; those who read finance see this month's
/// revenue against last month's, what is owed, and the no-shows.
#[utoipa::path(
    tag = "dashboards",
    responses((status = 200, description = "The first page", body = TutoringDashboard)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/dashboards/tutoring")]
pub async fn tutoring(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<crate::scheduling::Policy>,
    Visible(people_scope, ..): Visible<crate::people::Policy>,
) -> ApiResult<Json<TutoringDashboard>> {
    let ws = caller.workspace_id();
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let today = rapport_db::groups::today(conn, ws).await?;
    let tz = crate::scheduling::recurrence::zone(&zone).unwrap_or(chrono_tz::UTC);
    let at = |d: NaiveDate| crate::scheduling::recurrence::instant(tz, d.and_time(NaiveTime::MIN));
    let now = Utc::now();
    let month = today.with_day(1).unwrap_or(today);
    let next_month = month + chrono::Months::new(1);

    let mut sessions = async |filter: SessionFilter, dir: Dir, limit: i64| {
        let page = PageRequest {
            sort: Sort {
                field: SessionSort::StartsAt,
                dir,
            },
            after: None,
            limit,
        };
        rapport_db::scheduling::list(conn, &scope, &filter, &page).await
    };
    let next: Vec<SessionRow> = sessions(
        SessionFilter {
            from: Some(now),
            ..Default::default()
        },
        Dir::Asc,
        200,
    )
    .await?
    .into_iter()
    .filter(|s| s.starts_at >= now && s.status != SessionStatus::Cancelled)
    .take(10)
    .collect();
    let today_sessions: Vec<SessionRow> = sessions(
        SessionFilter {
            from: Some(at(today)),
            to: Some(at(today + Duration::days(1))),
            ..Default::default()
        },
        Dir::Asc,
        LISTED,
    )
    .await?
    .into_iter()
    .filter(|s| s.starts_at >= at(today) && s.status != SessionStatus::Cancelled)
    .collect();
    let begun: Vec<SessionRow> = sessions(
        SessionFilter {
            from: Some(now - Duration::days(UNLOGGED_DAYS)),
            to: Some(now),
            status: Some(SessionStatus::Scheduled),
            ..Default::default()
        },
        Dir::Desc,
        1000,
    )
    .await?
    .into_iter()
    .filter(|s| s.starts_at >= now - Duration::days(UNLOGGED_DAYS) && s.ends_at <= now)
    .collect();
    let unlogged_count = begun.len() as i64;
    let unlogged: Vec<SessionRow> = begun.into_iter().take(LISTED as usize).collect();
    let this_month: Vec<SessionRow> = sessions(
        SessionFilter {
            from: Some(at(month)),
            to: Some(at(next_month)),
            status: Some(SessionStatus::Completed),
            ..Default::default()
        },
        Dir::Asc,
        5000,
    )
    .await?
    .into_iter()
    .filter(|s| s.starts_at >= at(month))
    .collect();
    let completed_this_month = this_month.len() as i64;
    let minutes_this_month = this_month
        .iter()
        .map(|s| (s.ends_at - s.starts_at).num_minutes().max(0))
        .sum();

    // Who takes part in each session listed, by name: as the sessions'
    // list shows them to this caller (a student their own people only, a
    // moderator their branches' people).
    let viewer = crate::scheduling::Viewer::of(conn, ws, &scope).await?;
    let ids: Vec<Uuid> = next
        .iter()
        .chain(&today_sessions)
        .chain(&unlogged)
        .map(|s| s.id)
        .collect();
    let mut people = rapport_db::scheduling::people_of(conn, ws, &ids).await?;
    for s in next.iter().chain(&today_sessions).chain(&unlogged) {
        let all = people.remove(&s.id).unwrap_or_default();
        let seen = viewer.view(s, all, Vec::new()).participant_ids;
        people.insert(s.id, seen);
    }
    // Those in the trash are no longer anyone's to log.
    let person_ids: Vec<Uuid> = people.values().flatten().copied().collect();
    let names = rapport_db::people::live_names(conn, ws, &person_ids).await?;
    let brief = |s: SessionRow| {
        let participants: Vec<SessionPerson> = people
            .get(&s.id)
            .map(|p| {
                p.iter()
                    .filter_map(|id| {
                        names.get(id).map(|(f, l)| SessionPerson {
                            id: *id,
                            name: format!("{f} {l}").trim().to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        SessionBrief {
            people: participants.iter().map(|p| p.name.clone()).collect(),
            participants,
            id: s.id,
            title: s.title,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            status: s.status,
            host_id: s.host_id,
            version: s.version,
        }
    };

    let has = |m: Module| caller.workspace.has_module(m);
    let (new_students, new_students_count) =
        if has(Module::People) && caller.allows(Permission::PeopleWrite) {
            let filter = PersonFilter {
                created_since: Some(now - Duration::days(30)),
                ..Default::default()
            };
            let page = PageRequest {
                sort: Sort {
                    field: PersonSort::CreatedAt,
                    dir: Dir::Desc,
                },
                after: None,
                limit: 1000,
            };
            let rows = rapport_db::people::list(conn, &people_scope, &filter, &page).await?;
            let count = rows.len() as i64;
            let recent = rows
                .into_iter()
                .take(5)
                .map(|p| NewStudent {
                    id: p.id,
                    name: format!("{} {}", p.first_name, p.last_name)
                        .trim()
                        .to_string(),
                    created_at: p.created_at,
                })
                .collect();
            (Some(recent), count)
        } else {
            (None, 0)
        };
    let (no_shows, money) = if has(Module::Finance) && caller.allows(Permission::FinanceRead) {
        (
            Some(rapport_db::dashboards::no_shows(conn, ws, at(month), at(next_month)).await?),
            Some(rapport_db::dashboards::tutoring_money(conn, ws, month).await?),
        )
    } else {
        (None, None)
    };
    Ok(Json(TutoringDashboard {
        today,
        next: next.into_iter().map(brief).collect(),
        today_sessions: today_sessions.into_iter().map(brief).collect(),
        unlogged: unlogged.into_iter().map(brief).collect(),
        unlogged_count,
        completed_this_month,
        minutes_this_month,
        new_students,
        new_students_count,
        no_shows,
        money,
    }))
}
