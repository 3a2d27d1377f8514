//! Groups: classes, cohorts, teams and segments, and who belongs to them when.

pub mod bulk;
pub mod create;
pub mod delete;
pub mod export;
pub mod leaderboard;
pub mod list;
pub mod members;
pub mod read;
pub mod restore;
pub mod timeline;
pub mod update;

use crate::error::ApiError;
use crate::extract::Scope;
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use rapport_db::groups::{GroupMemberRow, GroupRow};
use rapport_db::Conn;
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(export::export)
        .service(bulk::bulk)
        .service(create::create)
        .service(read::read)
        .service(update::update)
        .service(delete::delete)
        .service(restore::restore)
        .service(timeline::timeline)
        .service(leaderboard::leaderboard)
        .service(members::list)
        .service(members::add)
        .service(members::update)
        .service(members::remove);
}

/// As for people: a member (and a school's teacher) sees the groups they
/// lead or belong to, and in them only the people linked to them (a
/// teacher, their classes' students); every other role and API key sees
/// the workspace's.
pub type Policy = crate::people::Policy;

impl crate::record::Audited for GroupRow {
    const KIND: &'static str = "group";
    const HEARD_BY: Permission = Permission::GroupsWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.view(0)).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            // Counted when read; not a field anyone changes.
            o.remove("member_count");
        }
        v
    }
}

impl crate::record::Audited for GroupMemberRow {
    const KIND: &'static str = "group_member";
    const HEARD_BY: Permission = Permission::GroupsWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
    // Who joins or leaves a class is invited to its coming lessons, or has
    // them cancelled in their calendar.
    fn follow_up(&self) -> Option<crate::jobs::Queued> {
        crate::jobs::Queued::of(&crate::scheduling::invitations::InviteGroup {
            workspace_id: self.workspace_id,
            group_id: self.group_id,
        })
    }
}

impl crate::record::SoftDeleted for GroupRow {
    fn deleted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.deleted_at
    }
    fn version(&self) -> i32 {
        self.version
    }
    async fn lock(
        conn: &mut Conn,
        ws: Uuid,
        scope: &Scope,
        id: Uuid,
    ) -> diesel::QueryResult<Option<Self>> {
        rapport_db::groups::lock(conn, ws, scope, id).await
    }
    async fn set_deleted(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        deleted: bool,
    ) -> diesel::QueryResult<Option<Self>> {
        rapport_db::groups::set_deleted(conn, ws, id, version, deleted).await
    }
    async fn may_restore(&self, _conn: &mut Conn, _ws: Uuid) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The group as shown, with how many belong to it today.
pub(crate) async fn view(
    conn: &mut Conn,
    g: &GroupRow,
) -> Result<rapport_domain::api::GroupView, ApiError> {
    let today = rapport_db::groups::today(conn, g.workspace_id).await?;
    let counts = rapport_db::groups::member_counts(conn, g.workspace_id, &[g.id], today).await?;
    Ok(g.view(counts.get(&g.id).copied().unwrap_or(0)))
}

/// A leader is a member of the workspace: 422 otherwise.
pub(crate) async fn check_leader(
    conn: &mut Conn,
    ws: Uuid,
    leader_id: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(id) = leader_id {
        if rapport_db::members::find(conn, ws, id).await?.is_none() {
            return Err(ApiError::validation(
                "leader_id",
                FieldCode::Unknown,
                "no such member of this workspace",
            ));
        }
    }
    Ok(())
}

/// Removes for good the groups deleted 30 days ago or more, with their stays.
#[derive(Debug, Serialize, Deserialize)]
pub struct Purge {}

impl Job for Purge {
    const NAME: &'static str = "groups.purge";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let groups = rapport_db::groups::purge(ctx.conn).await?;
        tracing::info!(groups, "purged deleted groups");
        Ok(())
    }
}

/// The module's job kinds.
pub fn jobs(r: &mut Registry) {
    r.register::<Purge>();
}

/// The module's recurring jobs.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "groups.purge",
        chrono::Duration::hours(6),
        CatchUp::Latest,
        |_| Purge {},
    ));
}

/// Groups found by a search: name.
pub fn search(s: &mut Vec<crate::search::Source>) {
    s.push(crate::search::Source {
        permission: Permission::GroupsRead,
        find: |conn, caller, search| {
            Box::pin(async move {
                let scope = <Policy as crate::extract::Policy>::scope(caller);
                let rows = rapport_db::groups::search(conn, &scope, search).await?;
                Ok(rows
                    .into_iter()
                    .map(|(g, score)| rapport_domain::api::SearchHit {
                        kind: rapport_domain::api::SearchKind::Group,
                        id: g.id,
                        subtitle: Some(g.kind.as_str().to_string()),
                        title: g.name,
                        score,
                    })
                    .collect())
            })
        },
    });
}

/// A person's stays in groups stay (a class's past registers need them);
/// the names their history recorded are erased.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "groups",
        tables: &["group_members"],
        export: |conn, s| {
            Box::pin(async move {
                let stays =
                    rapport_db::groups::stays_of_person(conn, s.workspace_id, s.person.id).await?;
                Ok(stays
                    .iter()
                    .map(|(m, group)| {
                        serde_json::json!({
                            "group_id": m.group_id,
                            "group": group,
                            "joined_on": m.joined_on,
                            "left_on": m.left_on,
                        })
                    })
                    .collect())
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let stays = rapport_db::groups::stays_of_person(conn, ws, s.person.id).await?;
                let ids: Vec<String> = stays.iter().map(|(m, _)| m.id.to_string()).collect();
                Ok(
                    rapport_db::privacy::erase_entries(conn, ws, "group_member", &ids, &s.by())
                        .await?,
                )
            })
        },
    });
}
