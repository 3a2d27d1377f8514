//! Authentication runs as middleware on `/api/v1`, before any extractor reads
//! the body, and leaves a [`Caller`] in the request. Handlers then state the
//! one permission they need with [`Authz`], checked against the matrix in
//! `rapport_domain`.

use crate::auth::jwt;
use crate::error::ApiError;
use crate::extract::db::Parked;
use crate::ratelimit::RateInfo;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use rapport_db::workspaces::Workspace;
use rapport_db::{OwnedConn, Pool};
use rapport_domain::api::{ActorKind, UserView};
use rapport_domain::{Need, Permission, Role};
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in person, as the session's own query found them.
    User {
        id: Uuid,
        family: Uuid,
        profile: UserView,
    },
    ApiKey {
        id: Uuid,
        scopes: Vec<String>,
    },
}

/// Who is calling, in which workspace, with which role.
#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace: Workspace,
    pub role: Role,
    pub principal: Principal,
    /// The member's branches (none for an API key); a moderator with any
    /// sees only the people of those.
    pub branches: Vec<Uuid>,
}

impl Caller {
    /// An API key acting in `workspace` within its scopes. (Its role is never
    /// read: a key's permissions come from its scopes.)
    pub fn api_key(workspace: Workspace, id: Uuid, scopes: Vec<String>) -> Caller {
        Caller {
            workspace,
            role: Role::Admin,
            principal: Principal::ApiKey { id, scopes },
            branches: Vec::new(),
        }
    }

    /// What the caller's permissions were computed from, for a live
    /// connection to compare with the database later.
    pub fn rights(&self) -> rapport_db::access::Rights {
        rapport_db::access::Rights::new(
            match self.principal {
                Principal::User { .. } => Some(self.role.as_str().to_string()),
                Principal::ApiKey { .. } => None,
            },
            self.workspace
                .modules
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
        )
    }

    /// Whether the caller may use `p` here: its module is switched on in the
    /// workspace, and the role (or the API key's scopes) holds it.
    pub fn allows(&self, p: Permission) -> bool {
        self.module_on(p.module()).is_ok() && self.holds(p)
    }

    fn holds(&self, p: Permission) -> bool {
        match &self.principal {
            Principal::User { .. } => p.allowed_for(self.role),
            Principal::ApiKey { scopes, .. } => p.allowed_for_scopes(scopes),
        }
    }

    /// `allows`, with the reason when not: 403 `module_disabled`, or 403
    /// `forbidden` naming the permission.
    pub fn authorize(&self, p: Permission) -> Result<(), ApiError> {
        self.module_on(p.module())?;
        if self.holds(p) {
            return Ok(());
        }
        Err(ApiError::Forbidden(match self.principal {
            Principal::ApiKey { .. } => {
                format!("this API key's scopes do not allow `{}`", p.as_str())
            }
            Principal::User { .. } => format!("your role does not allow `{}`", p.as_str()),
        }))
    }

    /// 403 `module_disabled` unless the workspace has switched `module` on
    /// (`None`, the core, always is).
    pub fn module_on(&self, module: Option<rapport_domain::Module>) -> Result<(), ApiError> {
        match module {
            Some(m) if !self.workspace.has_module(m) => Err(ApiError::ModuleDisabled(m)),
            _ => Ok(()),
        }
    }

    /// What the caller may do here, as `GET /me` tells the app.
    pub fn permissions(&self) -> Vec<&'static str> {
        Permission::ALL
            .iter()
            .filter(|p| self.allows(**p))
            .map(|p| p.as_str())
            .collect()
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::User { id, .. } => Some(id),
            Principal::ApiKey { .. } => None,
        }
    }

    pub fn actor(&self) -> (ActorKind, Option<Uuid>) {
        match &self.principal {
            Principal::User { id, .. } => (ActorKind::User, Some(*id)),
            Principal::ApiKey { id, .. } => (ActorKind::ApiKey, Some(*id)),
        }
    }

    pub fn workspace_id(&self) -> Uuid {
        self.workspace.id
    }
}

/// The middleware that turns `Authorization: Bearer ...` into a [`Caller`].
/// A request without the header goes on anonymous; one with a bad credential is refused here.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(value) = req.headers().get(header::AUTHORIZATION).cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let pool = crate::extract::db::pool_of(req.request());
    let resolved = async {
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no state")))?;
        let pool = pool.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no pool")))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| ApiError::Unauthorized("use `Authorization: Bearer <token>`".into()))?;
        resolve(&state, &pool, token).await
    }
    .await;
    match resolved {
        Err(e) => Ok(req.error_response(e).map_into_boxed_body()),
        Ok((caller, rate, conn)) => {
            req.extensions_mut().insert(Arc::new(caller));
            // The handler takes this connection (see `Db`); a request with a
            // body gives it back first, so a slow upload holds none.
            let bodiless = !matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
            if bodiless {
                req.extensions_mut().insert(Parked(conn));
            } else {
                drop(conn);
            }
            let mut res = next.call(req).await?.map_into_boxed_body();
            if let Some(rate) = rate {
                set_rate_headers(res.headers_mut(), &rate);
            }
            Ok(res)
        }
    }
}

pub fn set_rate_headers(headers: &mut header::HeaderMap, rate: &RateInfo) {
    for (name, value) in [
        ("ratelimit-limit", rate.limit as u64),
        ("ratelimit-remaining", rate.remaining as u64),
        ("ratelimit-reset", rate.reset),
    ] {
        headers.insert(
            header::HeaderName::from_static(name),
            HeaderValue::from(value),
        );
    }
}

type Resolved = (Caller, Option<RateInfo>, OwnedConn);

async fn resolve(state: &AppState, pool: &Pool, token: &str) -> Result<Resolved, ApiError> {
    if let Some(rest) = token.strip_prefix("rpk_") {
        return resolve_api_key(state, pool, rest).await;
    }
    let claims = jwt::decode_access(state, token)?;
    let mut conn = pool.get_owned().await?;
    // Membership, role and whether the session was ended, in one query.
    let (workspace, role, profile, branches) =
        rapport_db::workspaces::session(&mut conn, claims.ws, claims.sub, claims.fam)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "this session has ended, or you are no longer a member of this workspace; sign in again"
                        .into(),
                )
            })?;
    Ok((
        Caller {
            workspace,
            role,
            principal: Principal::User {
                id: claims.sub,
                family: claims.fam,
                profile,
            },
            branches,
        },
        None,
        conn,
    ))
}

async fn resolve_api_key(state: &AppState, pool: &Pool, rest: &str) -> Result<Resolved, ApiError> {
    let invalid = || ApiError::Unauthorized("the API key is not valid".into());
    let (prefix, secret) = rest.split_once('_').ok_or_else(invalid)?;
    if prefix.len() != 12
        || !prefix.bytes().all(|b| b.is_ascii_alphanumeric())
        || secret.len() > 200
    {
        return Err(invalid());
    }
    let mut conn = pool.get_owned().await?;
    let digest = rapport_db::sha256(secret);
    let shared: &rapport_db::Conn = &conn;
    let (key, workspace) = rapport_db::api_keys::find_live_by_prefix(shared, prefix)
        .await?
        .ok_or_else(invalid)?;
    // Compared before anything is counted: a wrong secret spends nothing.
    if !crate::auth::secrets::digest_eq(&digest, &key.secret_hash) {
        return Err(invalid());
    }
    // The key is found on every request, so that a revoked key stops at
    // once; its requests are counted from a lease taken a few at a time.
    let limit = state.config.api_key_rate_per_min;
    let (hits, reset) = match state.key_leases.spend(key.id) {
        Some(spent) => spent,
        None => {
            let n = crate::ratelimit::lease_size(limit);
            let (before, reset) =
                rapport_db::rate_limits::lease_key(&mut conn, key.id, n, 60).await?;
            (
                state.key_leases.take(key.id, before, n, limit, reset),
                reset,
            )
        }
    };
    let rate = crate::ratelimit::judge(hits, reset, limit)
        .map_err(|info| info.refused(format!("this API key may make {limit} requests a minute")))?;
    Ok((
        Caller::api_key(workspace, key.id, key.scopes),
        Some(rate),
        conn,
    ))
}

/// The caller, if the request was authenticated.
pub fn caller_of(req: &HttpRequest) -> Option<Arc<Caller>> {
    req.extensions().get::<Arc<Caller>>().cloned()
}

/// The caller, checked to hold `P`: 401 without credentials, 403 without the permission.
pub struct Authz<P: Need>(pub Arc<Caller>, PhantomData<P>);

impl<P: Need> Deref for Authz<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Need> FromRequest for Authz<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller_of(req) {
            None => Err(ApiError::Unauthorized("sign in, or send an API key".into())),
            Some(c) => c.authorize(P::PERMISSION).map(|()| Authz(c, PhantomData)),
        })
    }
}

/// A signed-in person (not an API key), for routes about one's own account.
pub struct UserCaller {
    pub caller: Arc<Caller>,
    pub user_id: Uuid,
    pub family: Uuid,
    pub profile: UserView,
}

impl FromRequest for UserCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller_of(req) {
            None => Err(ApiError::Unauthorized("sign in first".into())),
            Some(c) => match &c.principal {
                Principal::User {
                    id,
                    family,
                    profile,
                } => Ok(UserCaller {
                    user_id: *id,
                    family: *family,
                    profile: profile.clone(),
                    caller: c.clone(),
                }),
                Principal::ApiKey { .. } => Err(ApiError::Forbidden(
                    "this route is for signed-in people, not API keys".into(),
                )),
            },
        })
    }
}

/// Marker types, one per permission, from the declaration of the matrix.
pub use rapport_domain::perm;

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;
    use futures::FutureExt;
    use rapport_domain::Module;

    fn caller(modules: &[Module], role: Role) -> Caller {
        Caller {
            workspace: Workspace {
                id: Uuid::now_v7(),
                name: "W".into(),
                template: rapport_domain::Template::School,
                modules: modules.to_vec(),
                time_zone: "UTC".into(),
                created_at: chrono::Utc::now(),
                version: 1,
            },
            role,
            principal: Principal::User {
                id: Uuid::now_v7(),
                family: Uuid::now_v7(),
                profile: UserView {
                    id: Uuid::now_v7(),
                    email: "a@example.com".into(),
                    name: "A".into(),
                    created_at: chrono::Utc::now(),
                },
            },
            branches: Vec::new(),
        }
    }

    #[test]
    fn a_module_switched_off_answers_module_disabled_whatever_the_role() {
        let c = caller(&[Module::People], Role::Owner);
        assert!(c.module_on(None).is_ok());
        assert!(c.module_on(Some(Module::People)).is_ok());
        let refused = c.module_on(Some(Module::Deals)).unwrap_err();
        assert_eq!(refused.status_code(), 403);
        let body: serde_json::Value = serde_json::from_slice(
            &actix_web::body::to_bytes(refused.error_response().into_body())
                .now_or_never()
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(body["code"], "module_disabled");
        assert!(body["detail"].as_str().unwrap().contains("deals"));
    }

    #[test]
    fn core_permissions_follow_the_role() {
        let member = caller(&[], Role::Member);
        assert!(member.allows(Permission::EventsRead));
        assert!(!member.allows(Permission::AuditRead));
        assert!(matches!(
            member.authorize(Permission::AuditRead),
            Err(ApiError::Forbidden(_))
        ));
        assert!(!member.permissions().contains(&"audit:read"));
    }
}
