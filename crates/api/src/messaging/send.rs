use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_domain::api::{MessageView, SendMessageRequest};
use rapport_domain::messaging::MessageKind;
use rapport_domain::problem::FieldCode;

/// Write in a conversation the caller is in and may reply to, with files
/// uploaded before (`attachment_ids`). Its other members hear of it live
/// (`message.created`).
#[utoipa::path(
    tag = "messaging",
    request_body = SendMessageRequest,
    responses((status = 201, description = "The message", body = MessageView)),
    security(("bearer" = ["messages:write"]))
)]
#[post("/messages")]
pub async fn send(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<SendMessageRequest>,
) -> ApiResult<Reply<MessageView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let Some(c) = rapport_db::messaging::find(conn, ws, me, body.conversation_id).await?
            else {
                return Err(ApiError::validation(
                    "conversation_id",
                    FieldCode::Unknown,
                    "no conversation of yours",
                ));
            };
            super::may_write_in(conn, &caller, me, &c).await?;
            let m = super::Outgoing {
                conversation_id: c.conversation_id,
                kind: match c.kind {
                    rapport_domain::api::ConversationKind::Broadcast => MessageKind::Broadcast,
                    _ => MessageKind::Message,
                },
                author: Some(me),
                // Files alone need no words: blank text is kept empty.
                body: if body.body.trim().is_empty() {
                    String::new()
                } else {
                    body.body.clone()
                },
                link: None,
            };
            let (row, recipients) = super::post(conn, &ctx, ws, m).await?;
            let id = row.id;
            let version = row.version;
            let attached = if body.attachment_ids.is_empty() {
                Vec::new()
            } else {
                let taken =
                    rapport_db::messaging::attach(conn, ws, me, id, &body.attachment_ids).await?;
                if taken != body.attachment_ids.len() {
                    return Err(ApiError::validation(
                        "attachment_ids",
                        FieldCode::Unknown,
                        "names a file that is not an upload of yours waiting to be sent",
                    ));
                }
                rapport_db::messaging::attachments_of(conn, ws, &[id])
                    .await?
                    .into_iter()
                    .map(super::attachments::view)
                    .collect()
            };
            let view = super::view(row, (recipients.len() as i64, 0, false), attached);
            let reply = Reply::created(&view)
                .etag(version)
                .location(format!("/api/v1/messages/{id}"));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
