use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{encode_time_id, next_cursor, PageParams};
use actix_web::{get, web, HttpResponse};
use rapport_domain::api::InvitationPage;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// Only invitations still waiting to be accepted (default true).
    pub pending: Option<bool>,
}

/// Invitations of the workspace, newest first.
#[utoipa::path(
    tag = "invitations",
    params(PageParams, InvitationQuery),
    responses((status = 200, description = "A page of invitations", body = InvitationPage)),
    security(("bearer" = ["invitations:manage"]))
)]
#[get("/invitations")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::InvitationsManage>,
    page: web::Query<PageParams>,
    filter: web::Query<InvitationQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let conn = db.conn().await?;
    let rows = rapport_db::invitations::list(
        conn,
        caller.workspace_id(),
        filter.pending.unwrap_or(true),
        page.after()?,
        limit,
    )
    .await?;
    let next = next_cursor(&rows, limit, |i| encode_time_id(i.created_at, i.id));
    Ok(HttpResponse::Ok().json(InvitationPage {
        data: rows.iter().map(|i| i.view()).collect(),
        next_cursor: next,
    }))
}
