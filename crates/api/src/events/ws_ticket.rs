use crate::auth::secrets;
use crate::error::ApiResult;
use crate::extract::caller::Principal;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::respond::Reply;
use actix_web::get;
use rapport_db::tokens::WsTicket;
use rapport_domain::api::WsTicketResponse;

pub const TICKET_TTL_SECS: i64 = 30;

/// A one-use ticket, valid 30 seconds, to open the WebSocket with.
#[utoipa::path(
    tag = "events",
    responses((status = 200, description = "The ticket", body = WsTicketResponse)),
    security(("bearer" = ["events:read"]), ("api_key" = ["events:read"]))
)]
#[get("/ws/ticket")]
pub async fn ticket(
    mut db: Db,
    caller: Authz<perm::EventsRead>,
) -> ApiResult<Reply<WsTicketResponse>> {
    let ticket = secrets::random_token(32);
    let (user_id, api_key_id, family_id) = match &caller.principal {
        Principal::User { id, family, .. } => (Some(*id), None, Some(*family)),
        Principal::ApiKey { id, .. } => (None, Some(*id), None),
    };
    let conn = db.conn().await?;
    rapport_db::tokens::insert_ticket(
        conn,
        &rapport_db::sha256(&ticket),
        &WsTicket {
            user_id,
            api_key_id,
            workspace_id: caller.workspace_id(),
            family_id,
        },
        chrono::Utc::now() + chrono::Duration::seconds(TICKET_TTL_SECS),
    )
    .await?;
    Ok(Reply::ok(&WsTicketResponse {
        ticket,
        expires_in: TICKET_TTL_SECS,
    })
    .no_store())
}
