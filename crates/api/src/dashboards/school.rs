use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use actix_web::{get, web::Json};
use rapport_domain::api::SchoolDashboard;
use rapport_domain::Module;

/// A school's figures for its admins: students enrolled today, lessons
/// today, each class's students and attendance over the last 30 days,
/// this month's charges, payments and what is owed, and the month's top
/// five medal earners (months and days in the workspace's time zone). A
/// section whose module the workspace has not switched on is empty.
#[utoipa::path(
    tag = "dashboards",
    responses((status = 200, description = "The figures", body = SchoolDashboard)),
    security(("bearer" = ["overview:read"]), ("api_key" = ["overview:read"]))
)]
#[get("/dashboards/school")]
pub async fn school(
    mut db: Db,
    caller: Authz<perm::OverviewRead>,
) -> ApiResult<Json<SchoolDashboard>> {
    let ws = caller.workspace_id();
    let has = |m: Module| caller.workspace.modules.contains(&m);
    let conn = db.conn().await?;
    let zone = crate::scheduling::invitations::zone_of(conn, ws).await?;
    let now = chrono::Utc::now();
    let today = crate::payments::today_in(&zone);
    let month = rapport_domain::payments::month_of(today);
    let (month_start, _) = crate::medals::month_of(&zone, now);
    let (students, lessons_today) = if has(Module::Groups) {
        rapport_db::dashboards::students_and_lessons(conn, ws, today).await?
    } else {
        (0, 0)
    };
    let classes = if has(Module::Groups) {
        rapport_db::dashboards::classes(conn, ws, None, today, now - chrono::Duration::days(30))
            .await?
    } else {
        Vec::new()
    };
    let money = if has(Module::Payments) {
        rapport_db::dashboards::money(conn, ws, month).await?
    } else {
        Vec::new()
    };
    let top_earners = if has(Module::Medals) {
        rapport_db::dashboards::top_earners(conn, ws, month_start, 5).await?
    } else {
        Vec::new()
    };
    Ok(Json(SchoolDashboard {
        today,
        month,
        students,
        lessons_today,
        classes,
        money,
        top_earners,
    }))
}
