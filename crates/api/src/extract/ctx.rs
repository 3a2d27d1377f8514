use crate::error::ApiError;
use crate::extract::caller::caller_of;
use crate::middleware::RequestId;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use rapport_db::audit::NewEntry;
use rapport_db::events::NewEvent;
use rapport_db::Conn;
use rapport_domain::api::ActorKind;
use rapport_domain::Permission;
use std::future::{ready, Ready};
use uuid::Uuid;

/// Who made a change and from where: what the audit trail and the events record.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// One state change: an audit entry and an event, written together.
pub struct Change<'a> {
    pub workspace_id: Uuid,
    /// `<record>.<verb>`: the audit action and the event type.
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: Option<String>,
    /// Changed fields, `{"field": {"before": .., "after": ..}}`.
    pub changes: serde_json::Value,
    /// The event's `data`; `None` records the change in the audit trail only.
    pub data: Option<serde_json::Value>,
    /// Who may see the event.
    pub permission: Permission,
    /// A user who sees the event whatever their role (the subject of the change).
    pub subject_user_id: Option<Uuid>,
}

impl Ctx {
    /// Records a change in the audit chain and the outbox. Call inside the change's transaction.
    pub async fn record(&self, conn: &mut Conn, c: Change<'_>) -> diesel::QueryResult<()> {
        rapport_db::audit::append(
            conn,
            NewEntry {
                workspace_id: c.workspace_id,
                actor_kind: self.actor_kind,
                actor_id: self.actor_id,
                action: c.action,
                record_type: c.record_type,
                record_id: c.record_id,
                changes: c.changes,
                ip: self.ip.as_deref(),
                user_agent: self.user_agent.as_deref(),
                request_id: self.request_id.as_deref(),
            },
        )
        .await?;
        if let Some(data) = c.data {
            rapport_db::events::emit(
                conn,
                NewEvent {
                    workspace_id: c.workspace_id,
                    kind: c.action,
                    actor_kind: self.actor_kind,
                    actor_id: self.actor_id,
                    data,
                    permission: c.permission.as_str(),
                    subject_user_id: c.subject_user_id,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Records a change of a user's own account (password, sessions) in each of their workspaces.
    pub async fn record_for_user(
        &self,
        conn: &mut Conn,
        user_id: Uuid,
        action: &str,
        changes: serde_json::Value,
    ) -> diesel::QueryResult<()> {
        for (ws, _) in rapport_db::workspaces::of_user(conn, user_id).await? {
            self.record(
                conn,
                Change {
                    workspace_id: ws.id,
                    action,
                    record_type: "user",
                    record_id: Some(user_id.to_string()),
                    changes: changes.clone(),
                    data: None,
                    permission: Permission::AuditRead,
                    subject_user_id: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The same context, acting as the given user (a person who just registered or accepted).
    pub fn as_user(&self, id: Uuid) -> Ctx {
        Ctx {
            actor_kind: ActorKind::User,
            actor_id: Some(id),
            ..self.clone()
        }
    }
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (actor_kind, actor_id) = caller_of(req)
            .map(|c| c.actor())
            .unwrap_or((ActorKind::System, None));
        let trust_proxy = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.config.trust_proxy);
        ready(Ok(Ctx {
            actor_kind,
            actor_id,
            ip: client_ip(req, trust_proxy),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(512).collect()),
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        }))
    }
}

/// The client's address: the peer, or the proxy's `X-Forwarded-For` when trusted.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return Some(ip.to_string());
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

/// What a password change records: that it changed, never the hash.
pub fn redacted_password() -> serde_json::Value {
    serde_json::json!({"password": {"before": "[redacted]", "after": "[redacted]"}})
}
