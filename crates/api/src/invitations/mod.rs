//! Inviting people into a workspace with a role.

pub mod accept;
pub mod create;
pub mod list;
pub mod resend;
pub mod revoke;

use crate::mail;
use crate::state::AppState;
use rapport_db::invitations::Invitation;
use rapport_db::workspaces::Workspace;
use rapport_db::Conn;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(revoke::revoke)
        .service(resend::resend)
        .service(accept::accept);
}

/// E-mails the invitation with its link, signed by the inviting person.
pub async fn send(
    state: &AppState,
    conn: &mut Conn,
    ws: &Workspace,
    inv: &Invitation,
    token: &str,
    inviter: Option<uuid::Uuid>,
) -> diesel::QueryResult<()> {
    let inviter = match inviter {
        Some(id) => rapport_db::users::find(conn, id).await?.map(|u| u.name),
        None => None,
    };
    let inviter = inviter.as_deref().unwrap_or("A colleague");
    let role = ws.template().label(inv.role()).unwrap_or(inv.role.as_str());
    let link = format!(
        "{}/invitations/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    mail::queue(
        conn,
        Some(ws.id),
        &inv.email,
        &format!("{inviter} invites you to {} on Rapport", ws.name),
        &format!(
            "Hello,\n\n{inviter} invites you to join {} on Rapport as {role}.\n\n\
             Accept the invitation here (valid until {}):\n\n{link}\n\nInvitation token: {token}\n",
            ws.name,
            inv.expires_at.format("%Y-%m-%d %H:%M UTC"),
        ),
    )
    .await
    .map(|_| ())
}

impl crate::record::Audited for Invitation {
    const KIND: &'static str = "invitation";
    const HEARD_BY: rapport_domain::Permission = rapport_domain::Permission::InvitationsManage;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    /// The invitation as listed; never its token.
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}
