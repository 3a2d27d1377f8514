//! Live rights: whether the credentials an open WebSocket was opened with
//! still hold, with which role and which modules. Triggers on memberships,
//! refresh tokens, API keys and workspaces' modules announce every change on
//! [`CHANNEL`].

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The notification channel of access changes.
pub const CHANNEL: &str = "rapport_access";

/// The credential behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A person, by the refresh family of their session.
    User {
        workspace_id: Uuid,
        user_id: Uuid,
        family_id: Uuid,
    },
    ApiKey {
        workspace_id: Uuid,
        key_id: Uuid,
    },
}

/// What a connection's permissions were computed from: the person's role
/// (none for an API key) and the modules the workspace has switched on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rights {
    pub role: Option<String>,
    /// Sorted.
    pub modules: Vec<String>,
}

impl Rights {
    pub fn new(role: Option<String>, mut modules: Vec<String>) -> Self {
        modules.sort();
        modules.dedup();
        Rights { role, modules }
    }
}

/// What a credential allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Still valid, with these rights.
    Valid(Rights),
    /// The person is no longer a member of the workspace.
    NotMember,
    /// The session was ended, or the key revoked or expired.
    Ended,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    i: i64,
    #[diesel(sql_type = Nullable<Text>)]
    role: Option<String>,
    #[diesel(sql_type = Bool)]
    alive: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    modules: Option<Vec<String>>,
}

/// The standing of each credential, in the order given; two queries at most.
pub async fn standing(
    conn: &mut AsyncPgConnection,
    credentials: &[Credential],
) -> QueryResult<Vec<Standing>> {
    let mut out = vec![Standing::Ended; credentials.len()];
    let (mut ui, mut ws, mut users, mut fams) = (vec![], vec![], vec![], vec![]);
    let (mut ki, mut kws, mut keys) = (vec![], vec![], vec![]);
    for (i, c) in credentials.iter().enumerate() {
        match *c {
            Credential::User {
                workspace_id,
                user_id,
                family_id,
            } => {
                ui.push(i);
                ws.push(workspace_id);
                users.push(user_id);
                fams.push(family_id);
            }
            Credential::ApiKey {
                workspace_id,
                key_id,
            } => {
                ki.push(i);
                kws.push(workspace_id);
                keys.push(key_id);
            }
        }
    }
    if !ui.is_empty() {
        let rows: Vec<Row> = crate::sql_query(
            "SELECT s.i, m.role, w.modules,
                    EXISTS (SELECT 1 FROM refresh_tokens r
                            WHERE r.family_id = s.fam AND r.revoked_at IS NULL) AS alive
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS s(ws, usr, fam, i)
             LEFT JOIN memberships m ON m.workspace_id = s.ws AND m.user_id = s.usr
             LEFT JOIN workspaces w ON w.id = s.ws",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(&ws)
        .bind::<Array<diesel::sql_types::Uuid>, _>(&users)
        .bind::<Array<diesel::sql_types::Uuid>, _>(&fams)
        .load(conn)
        .await?;
        for r in rows {
            let Some(&at) = ui.get((r.i - 1) as usize) else {
                continue;
            };
            out[at] = match (r.role, r.alive) {
                (None, _) => Standing::NotMember,
                (Some(_), false) => Standing::Ended,
                (Some(role), true) => {
                    Standing::Valid(Rights::new(Some(role), r.modules.unwrap_or_default()))
                }
            };
        }
    }
    if !ki.is_empty() {
        let rows: Vec<Row> = crate::sql_query(
            "SELECT s.i, NULL::text AS role,
                    (SELECT w.modules FROM workspaces w WHERE w.id = s.ws) AS modules,
                    EXISTS (SELECT 1 FROM api_keys k
                            WHERE k.id = s.key AND k.workspace_id = s.ws AND k.revoked_at IS NULL
                              AND (k.expires_at IS NULL OR k.expires_at > now())) AS alive
             FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS s(ws, key, i)",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(&kws)
        .bind::<Array<diesel::sql_types::Uuid>, _>(&keys)
        .load(conn)
        .await?;
        for r in rows {
            let Some(&at) = ki.get((r.i - 1) as usize) else {
                continue;
            };
            out[at] = if r.alive {
                Standing::Valid(Rights::new(None, r.modules.unwrap_or_default()))
            } else {
                Standing::Ended
            };
        }
    }
    Ok(out)
}
