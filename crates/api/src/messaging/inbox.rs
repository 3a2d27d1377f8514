use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use actix_web::{get, web::Json};
use rapport_domain::api::{ContactView, InboxView};
use rapport_domain::Role;

/// The caller's unread messages and the conversations they are in: the
/// inbox's badge.
#[utoipa::path(
    tag = "messaging",
    responses((status = 200, description = "What is unread", body = InboxView)),
    security(("bearer" = ["messages:read"]))
)]
#[get("/inbox")]
pub async fn inbox(mut db: Db, caller: Authz<perm::MessagesRead>) -> ApiResult<Json<InboxView>> {
    let me = super::me(&caller)?;
    let conn = db.conn().await?;
    let (messages, conversations) =
        rapport_db::messaging::unread(conn, caller.workspace_id(), me).await?;
    Ok(Json(InboxView {
        unread_messages: messages,
        unread_conversations: conversations,
    }))
}

/// The members the caller may start a conversation with, by name:
/// students, users and customers write to staff; staff to anyone.
#[utoipa::path(
    tag = "messaging",
    responses((status = 200, description = "Whom the caller may write to", body = Vec<ContactView>)),
    security(("bearer" = ["messages:write"]))
)]
#[get("/inbox/contacts")]
pub async fn contacts(
    mut db: Db,
    caller: Authz<perm::MessagesWrite>,
) -> ApiResult<Json<Vec<ContactView>>> {
    let me = super::me(&caller)?;
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| super::may_write_to(caller.role, *r))
        .collect();
    let conn = db.conn().await?;
    let rows = rapport_db::messaging::contacts(conn, caller.workspace_id(), me, &roles).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| ContactView {
                user_id: c.user_id,
                name: c.name,
                role: c.role,
            })
            .collect(),
    ))
}
