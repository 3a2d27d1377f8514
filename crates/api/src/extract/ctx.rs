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
use std::net::IpAddr;
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
        let entry = rapport_db::audit::append(
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
        );
        let Some(data) = c.data else {
            return entry.await;
        };
        debug_assert!(
            rapport_domain::api::KINDS.contains(&c.action),
            "`{}` is not in rapport_domain::events::KINDS",
            c.action
        );
        let event = rapport_db::events::emit(
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
        );
        // The entry and the event go in the same round trip (pipelined).
        futures::try_join!(entry, event).map(|_| ())
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

    /// The system acting on its own (a scheduled job).
    pub fn system(user_agent: &str) -> Ctx {
        Ctx {
            actor_kind: ActorKind::System,
            actor_id: None,
            ip: None,
            user_agent: Some(user_agent.to_string()),
            request_id: None,
        }
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
        let ip = req
            .app_data::<web::Data<AppState>>()
            .and_then(|s| client_ip(req, &s.config));
        ready(Ok(Ctx {
            actor_kind,
            actor_id,
            ip,
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(512).collect()),
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        }))
    }
}

/// The client's address. Without `trust_proxy` it is the peer's. With it, and
/// only when the peer is one of the trusted proxies, it is the rightmost
/// `X-Forwarded-For` entry that is not a trusted proxy: entries to its left
/// were written by the client and prove nothing.
pub fn client_ip(req: &HttpRequest, config: &crate::ApiConfig) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !config.trust_proxy || !config.trusted_proxies.iter().any(|n| n.contains(peer)) {
        return Some(peer.to_string());
    }
    let mut client = peer;
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !config.trusted_proxies.iter().any(|n| n.contains(ip)) {
            break;
        }
    }
    Some(client.to_string())
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Ok(sa) = hop.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    hop.trim_start_matches('[')
        .split(']')
        .next()
        .and_then(|h| h.parse().ok())
}

/// An address range such as `10.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// Loopback and private ranges: where a reverse proxy of one's own lives.
    pub fn private_ranges() -> Vec<IpNet> {
        [
            "127.0.0.0/8",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "::1/128",
            "fc00::/7",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

/// What a password change records: that it changed, never the hash.
pub fn redacted_password() -> serde_json::Value {
    serde_json::json!({"password": {"before": "[redacted]", "after": "[redacted]"}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn config(trust: bool) -> crate::ApiConfig {
        let mut c = crate::ApiConfig::new(b"x".to_vec());
        c.trust_proxy = trust;
        c
    }

    #[test]
    fn ranges_contain_what_they_should() {
        let n: IpNet = "172.16.0.0/12".parse().unwrap();
        assert!(n.contains("172.31.255.1".parse().unwrap()));
        assert!(!n.contains("172.32.0.1".parse().unwrap()));
        let v6: IpNet = "fc00::/7".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8::1".parse().unwrap()));
        let lo: IpNet = "127.0.0.0/8".parse().unwrap();
        assert!(lo.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("nonsense".parse::<IpNet>().is_err());
    }

    #[test]
    fn a_spoofed_forwarded_for_entry_is_not_the_client() {
        // The client wrote "6.6.6.6"; the proxy appended the address it saw.
        let req = TestRequest::default()
            .peer_addr("127.0.0.1:9000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &config(true)).as_deref(),
            Some("203.0.113.7")
        );
        // Two proxies of one's own: the rightmost untrusted entry still wins.
        let req = TestRequest::default()
            .peer_addr("127.0.0.1:9000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.2.3"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &config(true)).as_deref(),
            Some("203.0.113.7")
        );
        // Without trust, or from a peer that is not a proxy, the header is ignored.
        assert_eq!(
            client_ip(&req, &config(false)).as_deref(),
            Some("127.0.0.1")
        );
        let direct = TestRequest::default()
            .peer_addr("198.51.100.9:9000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, &config(true)).as_deref(),
            Some("198.51.100.9")
        );
        // Garbage on the right stops the walk at the proxy.
        let junk = TestRequest::default()
            .peer_addr("127.0.0.1:9000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, not-an-address"))
            .to_http_request();
        assert_eq!(
            client_ip(&junk, &config(true)).as_deref(),
            Some("127.0.0.1")
        );
    }
}
