use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use actix_web::{get, web, web::Json};
use rapport_domain::api::ConversationView;
use uuid::Uuid;

/// One of the caller's conversations, with its members and when each last
/// read it.
#[utoipa::path(
    tag = "messaging",
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses((status = 200, description = "The conversation", body = ConversationView)),
    security(("bearer" = ["messages:read"]))
)]
#[get("/conversations/{id}")]
pub async fn show(
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<ConversationView>> {
    let me = super::me(&caller)?;
    let conn = db.conn().await?;
    let view = super::conversation_view(conn, caller.workspace_id(), me, id.into_inner()).await?;
    Ok(Json(view))
}
