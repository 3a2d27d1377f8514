use crate::error::ApiResult;
use crate::extract::{perm, Authz, Db};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::messaging::{ConversationSort, InboxFilter};
use rapport_domain::api::{ConversationKind, ConversationView, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// Of this kind only.
    #[param(inline)]
    pub kind: Option<ConversationKind>,
    /// `true`: only those with something unread.
    pub unread: Option<bool>,
}

impl Filters for ConversationQuery {}

/// The caller's conversations, the newest message first: direct ones,
/// groups, broadcasts received or sent, and their notifications.
#[utoipa::path(
    tag = "messaging",
    params(ListQuery<ConversationSort, ConversationQuery>),
    responses((status = 200, description = "A page of conversations", body = Page<ConversationView>)),
    security(("bearer" = ["messages:read"]))
)]
#[get("/conversations")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::MessagesRead>,
    list: ListQuery<ConversationSort, ConversationQuery>,
) -> ApiResult<Json<Page<ConversationView>>> {
    let ws = caller.workspace_id();
    let me = super::me(&caller)?;
    let page = list.page(ws)?;
    let filter = InboxFilter {
        kind: list.filter.kind,
        unread: list.filter.unread.unwrap_or(false),
    };
    let conn = db.conn().await?;
    let rows = rapport_db::messaging::list(conn, ws, me, &filter, &page).await?;
    let mut views = super::conversation_views(conn, ws, me, &rows).await?;
    Ok(Json(page.answer(rows, |r| {
        views
            .remove(&r.conversation_id)
            .expect("a view of each row")
    })))
}
