//! People: contacts, customers, students, practitioners.

pub mod bulk;
pub mod create;
pub mod delete;
pub mod erase;
pub mod export;
pub mod guardians;
pub mod list;
pub mod personal_data;
pub mod read;
pub mod restore;
pub mod sensitive;
pub mod timeline;
pub mod update;

use crate::error::ApiError;
use crate::extract::{Caller, Principal, Scope};
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use rapport_db::people::PersonRow;
use rapport_db::Conn;
use rapport_domain::problem::FieldCode;
use rapport_domain::{Permission, Role};
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
        .service(personal_data::personal_data)
        .service(erase::erase)
        .service(guardians::list)
        .service(guardians::set);
}

/// A member (a student, a customer) sees themself and the people they look
/// after, and so does a school's teacher, with the students of the classes
/// they lead (see [`rapport_db::scope::linked_people`]); every other role
/// and API key sees the workspace's people.
pub struct Policy;

impl crate::extract::Policy for Policy {
    fn scope(caller: &Caller) -> Scope {
        match &caller.principal {
            Principal::User { id, profile, .. } if sees_their_own(caller) => Scope::Person {
                workspace_id: caller.workspace_id(),
                user_id: *id,
                email: profile.email.clone(),
            },
            // A moderator given branches sees theirs only.
            Principal::User { .. }
                if caller.role == Role::Manager && !caller.branches.is_empty() =>
            {
                Scope::Branches {
                    workspace_id: caller.workspace_id(),
                    ids: caller.branches.clone(),
                }
            }
            _ => Scope::Workspace(caller.workspace_id()),
        }
    }
}

/// Whether `caller` sees only the records linked to them: a member (a
/// student, a customer's user), and staff where the template says so (a
/// school's teachers).
pub fn sees_their_own(caller: &Caller) -> bool {
    match caller.role {
        Role::Member => true,
        Role::Staff => caller.workspace.template().staff_see_their_own(),
        _ => false,
    }
}

impl crate::record::Audited for PersonRow {
    const KIND: &'static str = "person";
    // Those who see every person hear of every change; the person's own
    // user hears of changes to their record.
    const HEARD_BY: Permission = Permission::PeopleWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.view()).unwrap_or_default();
        // Sensitive values never enter the trail or the events: only that
        // they changed, by a fingerprint of their sealed form.
        if let (Some(sealed), Some(o)) = (&self.sensitive_fields, v.as_object_mut()) {
            use sha2::Digest;
            let d = sha2::Sha256::digest(sealed);
            o.insert("sensitive_fields".into(), hex::encode(&d[..8]).into());
        }
        v
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.user_id
    }
}

impl crate::record::SoftDeleted for PersonRow {
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
        rapport_db::people::lock(conn, ws, scope, id).await
    }
    async fn set_deleted(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        deleted: bool,
    ) -> diesel::QueryResult<Option<Self>> {
        rapport_db::people::set_deleted(conn, ws, id, version, deleted).await
    }
    /// The member the person is may have become another person meanwhile.
    async fn may_restore(&self, conn: &mut Conn, ws: Uuid) -> Result<(), ApiError> {
        if let Some(at) = self.erased_at {
            return Err(erase::erased_already(at));
        }
        check_user_free(conn, ws, self.user_id, Some(self.id)).await
    }
}

/// The records a person points at must be the workspace's: a live
/// organisation, members for the owner and the linked user. 422 otherwise,
/// naming the field.
pub(crate) async fn check_links(
    conn: &mut Conn,
    ws: Uuid,
    organization_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    user_id: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(org) = organization_id {
        if !rapport_db::organizations::is_live(conn, ws, org).await? {
            return Err(unknown(
                "organization_id",
                "no such organisation in this workspace",
            ));
        }
    }
    for (field, id) in [("owner_id", owner_id), ("user_id", user_id)] {
        if let Some(id) = id {
            if rapport_db::members::find(conn, ws, id).await?.is_none() {
                return Err(unknown(field, "no such member of this workspace"));
            }
        }
    }
    Ok(())
}

/// A person's branch is one of the workspace's, not archived (held until
/// the transaction ends, so that it is not archived meanwhile), and for a
/// moderator limited to branches one of theirs. 422 naming `branch_id`
/// otherwise.
pub(crate) async fn check_branch(
    conn: &mut Conn,
    ws: Uuid,
    scope: &Scope,
    branch: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Scope::Branches { ids, .. } = scope {
        if !branch.is_some_and(|b| ids.contains(&b)) {
            return Err(ApiError::Validation(vec![
                rapport_domain::problem::FieldError::new(
                    "branch_id",
                    FieldCode::OneOf,
                    "one of your branches",
                )
                .with(
                    "choices",
                    ids.iter().map(Uuid::to_string).collect::<Vec<_>>(),
                ),
            ]));
        }
    }
    if let Some(b) = branch {
        if rapport_db::branches::held_open(conn, ws, &[b])
            .await?
            .is_empty()
        {
            return Err(unknown(
                "branch_id",
                "no such branch in this workspace, or it is archived",
            ));
        }
    }
    Ok(())
}

/// For a moderator limited to branches, 422 `unknown` on `field` (its
/// index added when there are several) unless each of `ids` is a live
/// person of their branches; nothing for any other scope, whose routes
/// check the people they are given as before. How a body that names people
/// (a session's participants, a register's lines, a class's new member) is
/// kept to the moderator's branches.
pub(crate) async fn within_branches(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    if !matches!(scope, Scope::Branches { .. }) || ids.is_empty() {
        return Ok(());
    }
    let seen = rapport_db::people::seen_live(conn, scope, ids).await?;
    match ids.iter().position(|id| !seen.contains(id)) {
        None => Ok(()),
        Some(i) => Err(unknown(
            &if ids.len() > 1 {
                format!("{field}.{i}")
            } else {
                field.to_string()
            },
            "no person of your branches has this id",
        )),
    }
}

/// A member is one person of a workspace at most: 409 when `user_id` is
/// already linked to another.
pub(crate) async fn check_user_free(
    conn: &mut Conn,
    ws: Uuid,
    user_id: Option<Uuid>,
    this: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(u) = user_id {
        if let Some(other) = rapport_db::people::linked_to(conn, ws, u).await? {
            if Some(other) != this {
                return Err(ApiError::conflict(
                    rapport_domain::problem::Code::Duplicate,
                    format!("this member is already the person {other}"),
                ));
            }
        }
    }
    Ok(())
}

/// The live person `id` that `scope` sees, or 422 `unknown` on `field`:
/// how a body names a person (an award's student, an invitation's record).
pub(crate) async fn live_in(
    conn: &mut Conn,
    scope: &Scope,
    id: Uuid,
    field: &str,
) -> Result<PersonRow, ApiError> {
    rapport_db::people::find(conn, scope, id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| unknown(field, "no such person among those you see"))
}

/// The live person `id` of `ws`, locked until the transaction ends, or 422
/// `unknown` on `field`.
pub(crate) async fn live_locked(
    conn: &mut Conn,
    ws: Uuid,
    id: Uuid,
    field: &str,
) -> Result<PersonRow, ApiError> {
    rapport_db::people::lock(conn, ws, &Scope::Workspace(ws), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| unknown(field, "no such person among those you see"))
}

/// Links person `id` of `ws` to `user`, a student invited to sign in who
/// has just accepted: when the person is still there and nobody's yet, and
/// the user is no other person of the workspace. Audited as a change of
/// the person.
pub(crate) async fn link_user(
    conn: &mut Conn,
    ctx: &crate::extract::Ctx,
    ws: Uuid,
    id: Uuid,
    user: Uuid,
) -> Result<(), ApiError> {
    use crate::record::Found;
    let Some(before) = rapport_db::people::lock(conn, ws, &Scope::Workspace(ws), id)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.user_id.is_none())
    else {
        return Ok(());
    };
    if rapport_db::people::linked_to(conn, ws, user)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let changes = rapport_db::people::PersonChanges {
        user_id: Some(Some(user)),
        ..Default::default()
    };
    let after = rapport_db::people::update(conn, ws, id, before.version, &changes)
        .await?
        .current()?;
    ctx.changed(conn, ws, "updated", &before, &after).await?;
    Ok(())
}

fn unknown(field: &str, message: &str) -> ApiError {
    ApiError::validation(field, FieldCode::Unknown, message)
}

/// Removes for good the people deleted 30 days ago or more.
#[derive(Debug, Serialize, Deserialize)]
pub struct Purge {}

impl Job for Purge {
    const NAME: &'static str = "people.purge";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let people = rapport_db::people::purge(ctx.conn).await?;
        let organizations = rapport_db::organizations::purge(ctx.conn).await?;
        tracing::info!(people, organizations, "purged deleted records");
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
        "people.purge",
        chrono::Duration::hours(6),
        CatchUp::Latest,
        |_| Purge {},
    ));
}

/// People found by a search: first and family name, e-mail.
pub fn search(s: &mut Vec<crate::search::Source>) {
    s.push(crate::search::Source {
        permission: Permission::PeopleRead,
        find: |conn, caller, search| {
            Box::pin(async move {
                let scope = <Policy as crate::extract::Policy>::scope(caller);
                let rows = rapport_db::people::search(conn, &scope, search).await?;
                Ok(rows
                    .into_iter()
                    .map(|(p, score)| rapport_domain::api::SearchHit {
                        kind: rapport_domain::api::SearchKind::Person,
                        id: p.id,
                        title: p.view().name(),
                        subtitle: p.email,
                        score,
                    })
                    .collect())
            })
        },
    });
}

/// The person's record is the export's `person`; its history is the audit
/// trail's entries about it, erased field by field.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "people",
        tables: &["people", "audit_log"],
        export: |conn, s| {
            Box::pin(async move {
                let ids = [s.person.id.to_string()];
                let entries =
                    rapport_db::privacy::entries(conn, s.workspace_id, "person", &ids).await?;
                Ok(serde_json::json!({ "history": crate::privacy::history(entries) }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ids = [s.person.id.to_string()];
                Ok(rapport_db::privacy::erase_entries(
                    conn,
                    s.workspace_id,
                    "person",
                    &ids,
                    &s.by(),
                )
                .await?)
            })
        },
    });
}
