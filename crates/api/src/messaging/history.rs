use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use actix_web::{get, web::Json};
use rapport_db::messaging::MessageSort;
use rapport_domain::api::{MessageView, Page};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// The messages of this conversation; without it, those of every
    /// conversation the caller is in.
    pub conversation_id: Option<Uuid>,
}

impl Filters for MessageQuery {}

/// A conversation's messages (or those of all the caller's), newest
/// first (`sort=created_at`: oldest first), each with how many of its
/// recipients have read it.
#[utoipa::path(
    tag = "messaging",
    params(ListQuery<MessageSort, MessageQuery>),
    responses((status = 200, description = "A page of messages", body = Page<MessageView>)),
    security(("bearer" = ["messages:read"]))
)]
#[get("/messages")]
pub async fn history(
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    list: ListQuery<MessageSort, MessageQuery>,
) -> ApiResult<Json<Page<MessageView>>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    if let Some(id) = list.filter.conversation_id {
        rapport_db::messaging::find(conn, ws, me, id)
            .await?
            .found()?;
    }
    let rows =
        rapport_db::messaging::messages(conn, ws, me, list.filter.conversation_id, &page).await?;
    let mut views = super::message_views(conn, ws, me, rows.clone())
        .await?
        .into_iter();
    Ok(Json(page.answer(rows, |_| {
        views.next().expect("a view of each row")
    })))
}
