use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::{MessageView, UpdateMessageRequest};
use uuid::Uuid;

/// Rewrite one's own message; with `If-Match`, only the version it names.
/// The others see it marked as edited.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The message's id")),
    request_body = UpdateMessageRequest,
    responses((status = 200, description = "The message as changed", body = MessageView)),
    security(("bearer" = ["messages:write"]))
)]
#[patch("/messages/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateMessageRequest>,
) -> ApiResult<Reply<MessageView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let id = id.into_inner();
    let conn = db.conn().await?;
    let after = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = super::delete::own(conn, ws, me, id, if_match.0).await?;
            // A broadcast is rewritten only by one who may still broadcast.
            if let Some(c) =
                rapport_db::messaging::find(conn, ws, me, before.conversation_id).await?
            {
                if c.kind == rapport_domain::api::ConversationKind::Broadcast {
                    super::may_write_in(conn, &caller, me, &c).await?;
                }
            }
            if before.body.as_deref() == Some(body.body.as_str()) {
                return Ok(before);
            }
            super::delete::rewrite(conn, &ctx, me, &before, Some(&body.body)).await
        })
        .await?;
    let version = after.version;
    let view = super::message_views(conn, ws, me, vec![after])
        .await?
        .pop()
        .expect("one view");
    Ok(Reply::ok(&view).etag(version))
}
