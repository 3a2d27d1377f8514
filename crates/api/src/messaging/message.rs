use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::MessageView;
use uuid::Uuid;

/// One message of a conversation the caller is in.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The message's id")),
    responses((status = 200, description = "The message", body = MessageView)),
    security(("bearer" = ["messages:read"]))
)]
#[get("/messages/{id}")]
pub async fn message(
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<MessageView>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let conn = db.conn().await?;
    let row = rapport_db::messaging::message(conn, ws, me, id.into_inner())
        .await?
        .found()?;
    let version = row.version;
    let view = super::message_views(conn, ws, me, vec![row])
        .await?
        .pop()
        .expect("one view");
    Ok(Reply::ok(&view).etag(version))
}
