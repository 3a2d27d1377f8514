use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::record::Found;
use actix_web::{post, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::{ConversationKind, ConversationView, MarkReadRequest};
use uuid::Uuid;

/// Marks the caller's messages in a conversation read, up to `up_to` (by
/// default all of them). The other members of a direct or group
/// conversation hear of it (`conversation.read`): their "seen"; so do the
/// reader's other tabs and devices.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The conversation's id")),
    request_body = MarkReadRequest,
    responses((status = 200, description = "The conversation, read", body = ConversationView)),
    security(("bearer" = ["messages:read"]))
)]
#[post("/conversations/{id}/read")]
pub async fn mark_read(
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<MarkReadRequest>,
) -> ApiResult<Json<ConversationView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let c = rapport_db::messaging::find(conn, ws, me, id)
            .await?
            .found()?;
        let marked = rapport_db::messaging::mark_read(conn, ws, me, id, body.up_to).await?;
        if marked > 0 {
            // The others of a direct or group conversation see it seen (a
            // broadcast's sender counts its readers instead of hearing of
            // each); the reader's other tabs and devices see their counts
            // go down.
            let mut others = match c.kind {
                ConversationKind::Direct | ConversationKind::Group => {
                    rapport_db::messaging::others(conn, ws, id, me, false).await?
                }
                _ => Vec::new(),
            };
            others.push(me);
            super::tell(
                conn,
                &ctx,
                ws,
                "conversation.read",
                serde_json::json!({
                    "conversation_id": id,
                    "user_id": me,
                    "read_at": chrono::Utc::now(),
                }),
                &others,
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(super::conversation_view(conn, ws, me, id).await?))
}
