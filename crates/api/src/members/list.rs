use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{encode_time_id, next_cursor, PageParams};
use actix_web::{get, web, HttpResponse};
use rapport_db::members::MemberFilter;
use rapport_domain::api::MemberPage;
use rapport_domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Part of a name or e-mail.
    pub q: Option<String>,
    pub role: Option<Role>,
}

/// Members of the workspace, in the order they joined.
#[utoipa::path(
    tag = "members",
    params(PageParams, MemberQuery),
    responses((status = 200, description = "A page of members", body = MemberPage)),
    security(("bearer" = ["members:read"]), ("api_key" = ["members:read"]))
)]
#[get("/members")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::MembersRead>,
    page: web::Query<PageParams>,
    filter: web::Query<MemberQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let q = crate::pagination::filter_text("q", filter.q.as_deref())?;
    let conn = db.conn().await?;
    let rows = rapport_db::members::list(
        conn,
        caller.workspace_id(),
        MemberFilter {
            q,
            role: filter.role,
            after: page.after()?,
            limit,
        },
    )
    .await?;
    let next = next_cursor(&rows, limit, |m| encode_time_id(m.joined_at, m.user_id));
    Ok(HttpResponse::Ok().json(MemberPage {
        data: rows.iter().map(|m| m.view()).collect(),
        next_cursor: next,
    }))
}
