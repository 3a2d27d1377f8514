use crate::schema::{audit_heads, event_heads, memberships, workspaces};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{UserView, WorkspaceView};
use rapport_domain::{Role, Template};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    #[diesel(deserialize_as = crate::closed::TemplateText)]
    pub template: Template,
    #[diesel(deserialize_as = crate::closed::ModulesText)]
    pub modules: Vec<rapport_domain::Module>,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

impl Workspace {
    /// Whether the workspace has switched `m` on.
    pub fn has_module(&self, m: rapport_domain::Module) -> bool {
        self.modules.contains(&m)
    }

    pub fn template(&self) -> Template {
        self.template
    }

    pub fn view(&self) -> WorkspaceView {
        WorkspaceView {
            id: self.id,
            name: self.name.clone(),
            template: self.template(),
            time_zone: self.time_zone.clone(),
        }
    }
}

/// Creates a workspace with its audit and event heads.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: &str,
    template: Template,
) -> QueryResult<Workspace> {
    let modules: Vec<String> = template
        .modules()
        .iter()
        .map(|m| m.as_str().to_string())
        .collect();
    let ws = diesel::insert_into(workspaces::table)
        .values((
            workspaces::id.eq(id),
            workspaces::name.eq(name),
            workspaces::template.eq(template.as_str()),
            workspaces::modules.eq(modules),
        ))
        .returning(Workspace::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(audit_heads::table)
        .values((
            audit_heads::workspace_id.eq(id),
            audit_heads::seq.eq(0),
            audit_heads::hash.eq(vec![0u8; 32]),
        ))
        .execute(conn)
        .await?;
    diesel::insert_into(event_heads::table)
        .values((event_heads::workspace_id.eq(id), event_heads::seq.eq(0)))
        .execute(conn)
        .await?;
    Ok(ws)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Workspace>> {
    workspaces::table
        .find(id)
        .select(Workspace::as_select())
        .first(conn)
        .await
        .optional()
}

/// The workspace and the user's role in it, if the user is a member.
pub async fn membership(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<(Workspace, Role)>> {
    let row: Option<(Workspace, String)> = workspaces::table
        .inner_join(memberships::table)
        .filter(workspaces::id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .select((Workspace::as_select(), memberships::role))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(w, r)| r.parse().ok().map(|r| (w, r))))
}

/// What an access token's bearer may do now: the workspace, the user's role
/// in it and who the user is, if the user is still a member and the session the token was issued
/// with was not ended (signed out, reset, revoked on reuse). One query.
pub async fn session(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
) -> QueryResult<Option<(Workspace, Role, UserView, Vec<Uuid>)>> {
    use crate::schema::users;
    type Row = (
        Workspace,
        String,
        (Uuid, String, String, DateTime<Utc>),
        Vec<Uuid>,
    );
    let row: Option<Row> = workspaces::table
        .inner_join(memberships::table.inner_join(users::table))
        .filter(workspaces::id.eq(workspace_id))
        .filter(memberships::user_id.eq(user_id))
        .filter(crate::tokens::family_alive(family_id))
        .select((
            Workspace::as_select(),
            memberships::role,
            (users::id, users::email, users::name, users::created_at),
            // The member's branches, in the same query.
            crate::branches::of_membership(),
        ))
        .first(conn)
        .await
        .optional()?;
    row.map(|(w, r, (id, email, name, created_at), branches)| {
        let user = UserView {
            id,
            email,
            name,
            created_at,
        };
        Ok((w, role(&r)?, user, branches))
    })
    .transpose()
}

/// A role read from the database: one outside the set is an error.
fn role(r: &str) -> QueryResult<Role> {
    crate::closed::parse("role", r).map_err(diesel::result::Error::DeserializationError)
}

/// Every workspace of a user, oldest membership first.
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> QueryResult<Vec<(Workspace, Role)>> {
    let rows: Vec<(Workspace, String)> = workspaces::table
        .inner_join(memberships::table)
        .filter(memberships::user_id.eq(user_id))
        .order((memberships::created_at.asc(), workspaces::id.asc()))
        .select((Workspace::as_select(), memberships::role))
        .load(conn)
        .await?;
    rows.into_iter().map(|(w, r)| Ok((w, role(&r)?))).collect()
}

/// The workspaces with `module` switched on, and their time zones.
pub async fn with_module(
    conn: &mut AsyncPgConnection,
    module: &str,
) -> QueryResult<Vec<(Uuid, String)>> {
    use crate::schema::workspaces;
    workspaces::table
        .filter(workspaces::modules.contains(vec![module.to_string()]))
        .select((workspaces::id, workspaces::time_zone))
        .load(conn)
        .await
}
