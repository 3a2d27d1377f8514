use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db, Visible};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_domain::api::Leaderboard;
use rapport_domain::Module;
use uuid::Uuid;

/// A class's medal table for this month (in the workspace's time zone):
/// each student who belongs to it today and the medals they earned this
/// month (awards and attendance that stand), the most gold first, then
/// silver, then bronze. Whoever may see the class sees its table, its
/// students too. Empty where the workspace has no medals.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    responses((status = 200, description = "The table", body = Leaderboard)),
    security(("bearer" = ["groups:read"]), ("api_key" = ["groups:read"]))
)]
#[get("/groups/{id}/leaderboard")]
pub async fn leaderboard(
    mut db: Db,
    caller: Authz<perm::GroupsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<Leaderboard>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let group = rapport_db::groups::find(conn, &scope, id.into_inner())
        .await?
        .filter(|g| g.deleted_at.is_none())
        .found()?;
    let today = rapport_db::groups::today(conn, ws).await?;
    let month = rapport_domain::payments::month_of(today);
    let mut rows = if caller.workspace.has_module(Module::Medals) {
        let (since, _) = crate::medals::month_of(&caller.workspace.time_zone, chrono::Utc::now());
        rapport_db::dashboards::leaderboard(conn, ws, group.id, today, since).await?
    } else {
        Vec::new()
    };
    // A moderator limited to branches sees the people of theirs.
    if let crate::extract::Scope::Branches { .. } = scope {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
        let theirs = rapport_db::people::seen_live(conn, &scope, &ids).await?;
        rows.retain(|r| theirs.contains(&r.person_id));
    }
    Ok(Json(Leaderboard {
        group_id: group.id,
        month,
        rows,
    }))
}
