use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::messaging::NewConversation;
use rapport_db::scope::Scope;
use rapport_domain::api::{Audience, BroadcastRequest, BroadcastView, ConversationKind};
use rapport_domain::messaging::MessageKind;
use rapport_domain::problem::FieldCode;
use rapport_domain::{Module, Permission};

/// Send one message to everyone, to the members of one role, or to the
/// members linked to the people of one group today. Each recipient finds
/// it in their inbox with their own read state, live; they do not reply.
#[utoipa::path(
    tag = "messaging",
    request_body = BroadcastRequest,
    responses((status = 201, description = "The broadcast, and how many it reached", body = BroadcastView)),
    security(("bearer" = ["broadcasts:send"]))
)]
#[post("/broadcasts")]
pub async fn broadcast(
    mut db: Db,
    caller: Authz<perm::BroadcastsSend>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<BroadcastRequest>,
) -> ApiResult<Reply<BroadcastView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    if matches!(body.audience, Audience::Group { .. })
        && !caller.workspace.has_module(Module::Groups)
    {
        return Err(ApiError::validation(
            "audience.kind",
            FieldCode::OneOf,
            "this workspace has no groups: write to everyone or to a role",
        ));
    }
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            // The sender's role held: demoted at this moment, they do not broadcast.
            let (mine, _) = super::held_roles(conn, ws, me, &[]).await?;
            if !Permission::BroadcastsSend.allowed_for(mine) {
                return Err(ApiError::Forbidden("your role no longer broadcasts".into()));
            }
            if let Audience::Group { group_id } = body.audience {
                let live = rapport_db::groups::find(conn, &Scope::Workspace(ws), group_id)
                    .await?
                    .is_some_and(|g| g.deleted_at.is_none());
                if !live {
                    return Err(ApiError::validation(
                        "audience.group_id",
                        FieldCode::Unknown,
                        "no such group in this workspace",
                    ));
                }
            }
            let today = crate::payments::today_in(&caller.workspace.time_zone);
            let recipients =
                rapport_db::messaging::audience(conn, ws, me, &body.audience, today).await?;
            if recipients.is_empty() {
                return Err(ApiError::validation(
                    "audience",
                    FieldCode::Invalid,
                    "nobody is in this audience yet",
                ));
            }
            let new = NewConversation {
                subject: Some(body.subject.trim().to_string()),
                audience: Some(serde_json::to_value(body.audience).unwrap_or_default()),
                ..NewConversation::new(ws, ConversationKind::Broadcast, Some(me))
            };
            let mut all: Vec<(uuid::Uuid, bool)> = recipients.iter().map(|u| (*u, false)).collect();
            all.push((me, true));
            rapport_db::messaging::open(conn, &new, &all).await?;
            let m = super::Outgoing {
                conversation_id: new.id,
                kind: MessageKind::Broadcast,
                author: Some(me),
                body: body.body.clone(),
                link: None,
            };
            let (row, recipients) = super::post(conn, &ctx, ws, m).await?;
            let conversation = super::conversation_view(conn, ws, me, new.id).await?;
            let message = super::view(row, (recipients.len() as i64, 0, false), Vec::new());
            let reply = Reply::created(&BroadcastView {
                conversation,
                message,
            })
            .location(format!("/api/v1/conversations/{}", new.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
