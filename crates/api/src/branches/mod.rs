//! Branches: the places a workspace works from. Admins keep the list; a
//! person belongs to one (`branch_id` on people), a member to any number
//! (`/members/{user_id}/branches`), and a moderator given branches sees the
//! people of those only (see `crate::people::Policy`).

pub mod create;
pub mod list;
pub mod member;
pub mod read;
pub mod update;

use rapport_db::branches::BranchRow;
use rapport_domain::Permission;
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(read::read)
        .service(update::update)
        .service(member::show)
        .service(member::set);
}

impl crate::record::Audited for BranchRow {
    const KIND: &'static str = "branch";
    const HEARD_BY: Permission = Permission::BranchesRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "address": self.address,
            "archived_at": self.archived_at,
        })
    }
}

/// A member's branches, as audited and announced: the member hears of it.
pub struct MemberBranchesRecord {
    pub user_id: Uuid,
    pub branch_ids: Vec<Uuid>,
}

impl crate::record::Audited for MemberBranchesRecord {
    const KIND: &'static str = "member_branches";
    const HEARD_BY: Permission = Permission::MembersRead;
    fn record_id(&self) -> String {
        self.user_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({ "user_id": self.user_id, "branch_ids": self.branch_ids })
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        Some(self.user_id)
    }
}

/// How many people each of `rows` has, for those who manage people (a
/// moderator limited to branches, of theirs only); none for the others.
pub(crate) async fn counts(
    conn: &mut rapport_db::Conn,
    caller: &crate::extract::Caller,
    rows: &[BranchRow],
) -> Result<HashMap<Uuid, i64>, crate::error::ApiError> {
    if !caller.allows(Permission::PeopleWrite) {
        return Ok(HashMap::new());
    }
    let scope = <crate::people::Policy as crate::extract::Policy>::scope(caller);
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|b| b.id)
        .filter(|id| match &scope {
            crate::extract::Scope::Branches { ids, .. } => ids.contains(id),
            _ => true,
        })
        .collect();
    let mut counts = rapport_db::branches::people_counts(conn, caller.workspace_id(), &ids).await?;
    for id in ids {
        counts.entry(id).or_insert(0);
    }
    Ok(counts)
}

/// The branch with its count of people, when `counts` has it.
pub(crate) fn view(
    row: &BranchRow,
    counts: &HashMap<Uuid, i64>,
) -> rapport_domain::api::BranchView {
    row.view(counts.get(&row.id).copied())
}
