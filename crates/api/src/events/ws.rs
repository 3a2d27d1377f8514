use crate::error::{ApiError, ApiResult};
use crate::events::hub::Listener;
use crate::extract::{Caller, Db, Principal};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message};
use futures::StreamExt;
use rapport_db::access::Credential;
use serde::Deserialize;
use std::time::{Duration, Instant};
use utoipa::IntoParams;

pub const PING_EVERY: Duration = Duration::from_secs(20);
const PONG_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// The ticket from `/ws/ticket`.
    pub ticket: String,
    /// The last event id the client has; missed events are replayed first.
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// The event stream. Upgrade to a WebSocket with a ticket; the server replays
/// what came after `after`, sends a `stream.ready` message whose `id` is the
/// id to resume from, then streams events as JSON text frames, and pings
/// every 20 seconds.
#[utoipa::path(
    tag = "events",
    params(WsQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "Unknown, used or expired ticket", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/ws")]
pub async fn connect(
    state: web::Data<AppState>,
    mut db: Db,
    req: HttpRequest,
    body: web::Payload,
    q: web::Query<WsQuery>,
) -> ApiResult<HttpResponse> {
    if q.ticket.len() > 200 || q.after.is_some_and(|a| a < 0) {
        return Err(ApiError::Unauthorized("the ticket is not valid".into()));
    }
    // A request that is not a WebSocket upgrade must not spend the ticket.
    let upgrade = req
        .headers()
        .get(actix_web::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return Err(ApiError::BadRequest(
            "open this address as a WebSocket (Upgrade: websocket)".into(),
        ));
    }
    let conn = db.conn().await?;
    let ticket = rapport_db::tokens::take_ticket(conn, &rapport_db::sha256(&q.ticket))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the ticket is unknown, used or expired".into()))?;
    // The connection hears what the same credential may read over HTTP:
    // its role's (or key's) permissions, in the modules switched on.
    let (caller, credential) = match ticket.api_key_id {
        Some(key_id) => {
            let key = rapport_db::api_keys::find(conn, ticket.workspace_id, key_id)
                .await?
                .filter(|k| {
                    k.revoked_at.is_none() && k.expires_at.is_none_or(|t| t > chrono::Utc::now())
                })
                .ok_or_else(|| ApiError::Unauthorized("the API key was revoked".into()))?;
            let workspace = rapport_db::workspaces::find(conn, ticket.workspace_id)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("the workspace is gone".into()))?;
            let caller = Caller::api_key(workspace, key_id, key.scopes);
            let credential = Credential::ApiKey {
                workspace_id: ticket.workspace_id,
                key_id,
            };
            (caller, credential)
        }
        None => {
            let (Some(user_id), Some(family_id)) = (ticket.user_id, ticket.family_id) else {
                return Err(ApiError::Unauthorized("the ticket is not valid".into()));
            };
            let (workspace, role, profile, branches) =
                rapport_db::workspaces::session(conn, ticket.workspace_id, user_id, family_id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::Unauthorized(
                    "this session has ended, or you are no longer a member of this workspace"
                        .into(),
                )
                    })?;
            let caller = Caller {
                workspace,
                role,
                principal: Principal::User {
                    id: user_id,
                    family: family_id,
                    profile,
                },
                branches,
            };
            let credential = Credential::User {
                workspace_id: ticket.workspace_id,
                user_id,
                family_id,
            };
            (caller, credential)
        }
    };
    let permissions = caller.permissions();
    let rights = caller.rights();
    let reach = super::reach_of(conn, &caller).await?;
    let head = rapport_db::events::head(conn, ticket.workspace_id).await?;
    db.release();
    let (res, session, stream) =
        actix_ws::handle(&req, body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let sub = state.hub.subscribe(
        ticket.workspace_id,
        head,
        Listener {
            permissions: permissions.clone(),
            user_id: ticket.user_id,
            reach: reach.clone(),
            credential,
            rights,
        },
    );
    let state = state.into_inner();
    // The session runs on this worker's thread: it reads from this worker's pool.
    let replay = Replay {
        pool: db.pool(),
        permissions,
        user_id: ticket.user_id,
        reach,
    };
    actix_web::rt::spawn(session_loop(
        state,
        replay,
        session,
        stream,
        sub,
        q.after.unwrap_or(head),
    ));
    Ok(res)
}

/// What a session reads the events it missed with: its worker's pool (the
/// session runs on that worker's thread) and what the caller may see.
struct Replay {
    pool: rapport_db::Pool,
    permissions: Vec<&'static str>,
    user_id: Option<uuid::Uuid>,
    reach: Option<super::reach::Reach>,
}

async fn session_loop(
    state: std::sync::Arc<AppState>,
    replay: Replay,
    mut session: actix_ws::Session,
    mut stream: actix_ws::MessageStream,
    mut sub: crate::events::hub::Subscription,
    after: i64,
) {
    let Replay {
        pool,
        permissions,
        user_id,
        reach,
    } = replay;
    let workspace_id = sub.workspace_id;
    let mut last = after;
    let close = 'session: {
        // Replay what the client missed, then stream; the hub's queue holds
        // what arrives meanwhile, and duplicates are skipped by id.
        loop {
            let batch = match pool.get().await {
                Ok(mut conn) => {
                    rapport_db::events::after(
                        &mut conn,
                        workspace_id,
                        last,
                        &permissions,
                        user_id,
                        500,
                    )
                    .await
                }
                Err(_) => {
                    break 'session Some(CloseReason {
                        code: CloseCode::Again,
                        description: Some("database unavailable".into()),
                    })
                }
            };
            let Ok(batch) = batch else {
                break 'session Some(CloseReason {
                    code: CloseCode::Error,
                    description: None,
                });
            };
            let n = batch.len();
            // Rights that changed while catching up end the catching up too.
            if let Ok(k) = sub.kicked.try_recv() {
                break 'session Some(CloseReason {
                    code: CloseCode::Other(k.code),
                    description: Some(k.reason.into()),
                });
            }
            for e in batch {
                last = e.seq;
                if reach.as_ref().is_some_and(|r| !r.hears(&e)) {
                    continue;
                }
                if session.text(json(&e)).await.is_err() {
                    break 'session None;
                }
            }
            if n < 500 {
                break;
            }
        }
        // Tells the client it is caught up, and from which id it would resume.
        let ready = rapport_domain::api::EventView {
            id: last,
            kind: "stream.ready".into(),
            occurred_at: chrono::Utc::now(),
            actor: rapport_domain::api::Actor {
                kind: rapport_domain::api::ActorKind::System,
                id: None,
            },
            data: serde_json::json!({}),
        };
        if session
            .text(serde_json::to_string(&ready).unwrap_or_default())
            .await
            .is_err()
        {
            break 'session None;
        }
        let mut shutdown = state.hub.shutdown_signal();
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let mut last_pong = Instant::now();
        let mut kick_done = false;
        loop {
            tokio::select! {
                event = sub.rx.recv() => match event {
                    Some(e) => {
                        if e.seq > last {
                            last = e.seq;
                            if session.text(json(&e)).await.is_err() {
                                break 'session None;
                            }
                        }
                    }
                    None => break 'session Some(CloseReason {
                        code: CloseCode::Again,
                        description: Some("too slow; reconnect with after=".into()),
                    }),
                },
                msg = stream.next() => match msg {
                    Some(Ok(Message::Ping(b))) => {
                        if session.pong(&b).await.is_err() {
                            break 'session None;
                        }
                    }
                    Some(Ok(Message::Pong(_))) => last_pong = Instant::now(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break 'session None,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if last_pong.elapsed() > PONG_TIMEOUT {
                        break 'session Some(CloseReason { code: CloseCode::Policy, description: Some("no pong".into()) });
                    }
                    if session.ping(b"").await.is_err() {
                        break 'session None;
                    }
                }
                kick = &mut sub.kicked, if !kick_done => {
                    kick_done = true;
                    if let Ok(k) = kick {
                        break 'session Some(CloseReason {
                            code: CloseCode::Other(k.code),
                            description: Some(k.reason.into()),
                        });
                    }
                },
                _ = crate::events::hub::stopped(&mut shutdown) => break 'session Some(CloseReason {
                    code: CloseCode::Away,
                    description: Some("server shutting down".into()),
                }),
            }
        }
    };
    state.hub.unsubscribe(workspace_id, sub.id);
    let _ = session.close(close).await;
}

fn json(e: &rapport_db::events::Event) -> String {
    serde_json::to_string(&e.view()).unwrap_or_default()
}
