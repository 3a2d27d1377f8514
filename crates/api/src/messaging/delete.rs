use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_db::messaging::MessageRow;
use rapport_db::Conn;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Message `id` locked, when it is `me`'s own, still there and (with
/// `If-Match`) at the version named: 404 when `me` is not in its
/// conversation, 403 when another wrote it, 409 when deleted, 412 when stale.
pub(crate) async fn own(
    conn: &mut Conn,
    ws: Uuid,
    me: Uuid,
    id: Uuid,
    if_match: Option<i32>,
) -> Result<MessageRow, ApiError> {
    let m = rapport_db::messaging::lock_message(conn, ws, me, id)
        .await?
        .found()?;
    if m.author_id != Some(me) {
        return Err(ApiError::Forbidden(
            "only its author changes a message".into(),
        ));
    }
    if m.deleted_at.is_some() {
        return Err(ApiError::conflict(
            Code::MessageDeleted,
            "this message was deleted",
        ));
    }
    if if_match.is_some_and(|v| v != m.version) {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(m)
}

/// Rewrites `before` (or deletes its text, `body` `None`) at its version,
/// audits it and tells its conversation's members: 412 when it moved on.
pub(crate) async fn rewrite(
    conn: &mut Conn,
    ctx: &crate::extract::Ctx,
    me: Uuid,
    before: &MessageRow,
    body: Option<&str>,
) -> Result<MessageRow, ApiError> {
    let (ws, id) = (before.workspace_id, before.id);
    if !rapport_db::messaging::rewrite(conn, ws, id, before.version, body).await? {
        return Err(ApiError::PreconditionFailed);
    }
    let after = rapport_db::messaging::message(conn, ws, me, id)
        .await?
        .found()?;
    let mut heard =
        rapport_db::messaging::others(conn, ws, after.conversation_id, me, false).await?;
    heard.push(me);
    let verb = if body.is_some() { "updated" } else { "deleted" };
    super::announce(conn, ctx, ws, verb, Some(before), &after, &heard).await?;
    Ok(after)
}

/// Delete one's own message: its text goes, and the conversation shows
/// that a message was deleted. The audit trail keeps that it was, not
/// what it said.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The message's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = ["messages:write"]))
)]
#[delete("/messages/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = own(conn, ws, me, id, if_match.0).await?;
        rewrite(conn, &ctx, me, &before, None).await.map(|_| ())
    })
    .await?;
    Ok(NoContent)
}
