use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::messaging::NewConversation;
use rapport_domain::api::{ConversationKind, ConversationView, StartConversationRequest};
use rapport_domain::messaging::MessageKind;
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// Write to one member or several. Two members have one direct
/// conversation, found again when one of them writes anew (two who write
/// to each other at once share it); several make a new group
/// conversation. Students, users and customers write to staff only.
#[utoipa::path(
    tag = "messaging",
    request_body = StartConversationRequest,
    responses((status = 201, description = "The conversation, with the message in it", body = ConversationView)),
    security(("bearer" = ["messages:write"]))
)]
#[post("/conversations")]
pub async fn start(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<StartConversationRequest>,
) -> ApiResult<Reply<ConversationView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let mut others: Vec<Uuid> = body
        .participant_ids
        .iter()
        .copied()
        .filter(|u| *u != me)
        .collect();
    others.sort();
    others.dedup();
    if others.is_empty() {
        return Err(ApiError::validation(
            "participant_ids",
            FieldCode::Invalid,
            "name someone other than yourself",
        ));
    }
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let (mine, roles) = super::held_roles(conn, ws, me, &others).await?;
            if others
                .iter()
                .any(|u| !roles.get(u).is_some_and(|r| super::may_write_to(mine, *r)))
            {
                return Err(ApiError::validation(
                    "participant_ids",
                    FieldCode::Unknown,
                    "names someone in this workspace you may not write to",
                ));
            }
            let id = match others[..] {
                [other] => rapport_db::messaging::direct(conn, ws, me, other).await?.0,
                _ => {
                    let new = NewConversation {
                        subject: body
                            .subject
                            .as_deref()
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from),
                        ..NewConversation::new(ws, ConversationKind::Group, Some(me))
                    };
                    let mut all: Vec<(Uuid, bool)> = others.iter().map(|u| (*u, true)).collect();
                    all.push((me, true));
                    rapport_db::messaging::open(conn, &new, &all).await?;
                    new.id
                }
            };
            let m = super::Outgoing {
                conversation_id: id,
                kind: MessageKind::Message,
                author: Some(me),
                body: body.body.clone(),
                link: None,
            };
            super::post(conn, &ctx, ws, m).await?;
            let view = super::conversation_view(conn, ws, me, id).await?;
            let reply = Reply::created(&view).location(format!("/api/v1/conversations/{id}"));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
