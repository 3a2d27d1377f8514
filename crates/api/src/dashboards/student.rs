use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db, Scope};
use actix_web::{get, web::Json};
use chrono::{Duration, Utc};
use rapport_db::ledger::{EntryFilter, EntrySort, View};
use rapport_db::list::{PageRequest, Sorts};
use rapport_db::scheduling::{SessionFilter, SessionSort};
use rapport_domain::api::{LedgerKind, NextLesson, SessionStatus, StudentDashboard};
use rapport_domain::Module;
use uuid::Uuid;

/// How many coming lessons the page shows.
const NEXT_MAX: i64 = 5;
/// How many of the last medal entries it shows.
const RECENT_MAX: i64 = 10;

/// A student's own page, in one call: the classes they belong to today,
/// their next five lessons, their attendance over the last 90 days, their
/// medal balances and the last ten medal entries. For the member linked to
/// a person of the workspace (a student who signs in); 404 for anyone
/// else, 403 for an API key. A section whose module the workspace has not switched on is
/// empty.
#[utoipa::path(
    tag = "dashboards",
    responses(
        (status = 200, description = "The student's page", body = StudentDashboard),
        (status = 403, description = "An API key: the page is a signed-in student's", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller is no person of this workspace", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:read"]))
)]
#[get("/dashboards/student")]
pub async fn student(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
) -> ApiResult<Json<StudentDashboard>> {
    let ws = caller.workspace_id();
    let has = |m: Module| caller.workspace.has_module(m);
    let me = caller.user_id().ok_or_else(|| {
        ApiError::Forbidden("a student's page is for the student who signs in".into())
    })?;
    let conn = db.conn().await?;
    let person = rapport_db::people::of_user(conn, ws, me)
        .await?
        .ok_or(ApiError::NotFound)?;
    let person_id = person.id;
    let today = rapport_db::groups::today(conn, ws).await?;
    let now = Utc::now();
    let classes = if has(Module::Groups) {
        rapport_db::dashboards::classes_of(conn, ws, person_id, today).await?
    } else {
        Vec::new()
    };
    let filter = SessionFilter {
        from: Some(now),
        person_id: Some(person_id),
        status: Some(SessionStatus::Scheduled),
        ..Default::default()
    };
    let page = PageRequest {
        sort: <SessionSort as Sorts>::DEFAULT,
        after: None,
        limit: NEXT_MAX,
    };
    let next_lessons = rapport_db::scheduling::list(conn, &Scope::Workspace(ws), &filter, &page)
        .await?
        .into_iter()
        .map(|s| NextLesson {
            id: s.id,
            title: s.title,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            location: s.location,
            host_id: s.host_id,
        })
        .collect();
    let (recorded, attended) =
        rapport_db::dashboards::attendance_of(conn, ws, person_id, now - Duration::days(90))
            .await?;
    let (balances, recent_medals) = if has(Module::Medals) {
        let balances = rapport_db::ledger::balances(conn, ws, person_id, true)
            .await?
            .iter()
            .map(|b| b.view())
            .collect();
        let view = View {
            scope: Scope::Workspace(ws),
            medals_only: true,
        };
        let filter = EntryFilter {
            person_id: Some(person_id),
            kind: Some(LedgerKind::Medals),
            ..Default::default()
        };
        let page = PageRequest {
            sort: <EntrySort as Sorts>::DEFAULT,
            after: None,
            limit: RECENT_MAX,
        };
        let rows = rapport_db::ledger::list(conn, &view, &filter, &page).await?;
        let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
        let corrected = rapport_db::ledger::corrections_of(conn, ws, &ids).await?;
        let recent = rows
            .into_iter()
            .map(|e| {
                let by = corrected.get(&e.id).copied();
                e.view(by)
            })
            .collect();
        (balances, recent)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Json(StudentDashboard {
        person_id,
        first_name: person.first_name,
        classes,
        next_lessons,
        recorded,
        attended,
        balances,
        recent_medals,
    }))
}
