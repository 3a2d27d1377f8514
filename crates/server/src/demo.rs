//! Demo workspaces, one per template, with people in each role.

use diesel_async::AsyncConnection;
use rapport_api::auth::secrets;
use rapport_api::extract::ctx::Ctx;
use rapport_db::users::NewUser;
use rapport_domain::api::ActorKind;
use rapport_domain::{Role, Template};
use uuid::Uuid;

pub const PASSWORD: &str = "rapport-demo-2026";

fn workspace_name(t: Template) -> &'static str {
    match t {
        Template::School => "Northside Coding School",
        Template::Tutoring => "Bright Minds Tutoring",
        Template::Consulting => "Clearpath Certification",
        Template::Sales => "Acme Sales",
        Template::Support => "Helpdesk Co",
    }
}

fn people(t: Template) -> Vec<(Role, &'static str, String)> {
    let slug = t.as_str();
    let mut out = vec![(Role::Owner, "Olivia Owner", format!("owner@{slug}.demo"))];
    let names = [
        (Role::Admin, "Adam Admin"),
        (Role::Manager, "Maya Manager"),
        (Role::Staff, "Sam Staff"),
        (Role::Member, "Mia Member"),
    ];
    for (role, name) in names {
        if t.label(role).is_some() {
            out.push((role, name, format!("{}@{slug}.demo", role.as_str())));
        }
    }
    out
}

/// Creates the demo workspaces that do not exist yet; returns sign-in lines.
pub async fn seed(pool: &rapport_db::Pool) -> anyhow::Result<Vec<String>> {
    let hash = tokio::task::spawn_blocking(|| secrets::hash_now(PASSWORD)).await??;
    let mut conn = pool.get().await?;
    let ctx = Ctx {
        actor_kind: ActorKind::System,
        actor_id: None,
        ip: None,
        user_agent: Some("rapport demo".into()),
        request_id: None,
    };
    let mut lines = Vec::new();
    for t in Template::ALL {
        let owner_email = format!("owner@{}.demo", t.as_str());
        if rapport_db::users::find_by_email(&mut conn, &owner_email)
            .await?
            .is_none()
        {
            conn.transaction::<_, anyhow::Error, _>(async |conn| {
                let ws = rapport_db::workspaces::insert(conn, Uuid::now_v7(), workspace_name(t), t)
                    .await?;
                ctx.record(conn, rapport_api::auth::register::workspace_created(&ws))
                    .await?;
                for (role, name, email) in people(t) {
                    let user = match rapport_db::users::find_by_email(conn, &email).await? {
                        Some(u) => u,
                        None => {
                            rapport_db::users::insert(
                                conn,
                                &NewUser {
                                    id: Uuid::now_v7(),
                                    email: &email,
                                    name,
                                    password_hash: &hash,
                                },
                            )
                            .await?
                        }
                    };
                    rapport_db::members::add(conn, ws.id, user.id, role).await?;
                    ctx.record(
                        conn,
                        rapport_api::auth::register::member_added(ws.id, &user, role),
                    )
                    .await?;
                }
                Ok(())
            })
            .await?;
        }
        let roles: Vec<String> = people(t)
            .into_iter()
            .map(|(role, _, email)| format!("{email} ({})", t.label(role).unwrap_or(role.as_str())))
            .collect();
        lines.push(format!("  {:<26} {}", workspace_name(t), roles.join(", ")));
    }
    lines.push(format!("  password for every demo account: {PASSWORD}"));
    Ok(lines)
}
