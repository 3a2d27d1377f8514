use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::invitations::InvitationSort;
use rapport_domain::api::{InvitationView, Page};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// Only invitations still waiting to be accepted (default true).
    pub pending: Option<bool>,
}

impl Filters for InvitationQuery {}

/// Invitations of the workspace, newest first unless `sort` says otherwise.
#[utoipa::path(
    tag = "invitations",
    params(ListQuery<InvitationSort, InvitationQuery>),
    responses((status = 200, description = "A page of invitations", body = Page<InvitationView>)),
    security(("bearer" = ["invitations:manage"]))
)]
#[get("/invitations")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::InvitationsManage>,
    list: ListQuery<InvitationSort, InvitationQuery>,
) -> ApiResult<Json<Page<InvitationView>>> {
    let page = list.page(caller.workspace_id())?;
    let pending = list.filter.pending.unwrap_or(true);
    let conn = db.conn().await?;
    let rows = rapport_db::invitations::list(conn, caller.workspace_id(), pending, &page).await?;
    Ok(Json(page.answer(rows, |i| i.view())))
}
