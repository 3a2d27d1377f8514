use crate::error::ApiResult;
use crate::extract::{perm, Authz};
use crate::pagination::{encode_time_id, next_cursor, PageParams};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use rapport_domain::api::MailPage;

/// Mail sent by this workspace or to its members, newest first.
///
/// For development: when no SMTP server is configured this is where
/// invitations and password resets can be read. With SMTP it answers 404.
#[utoipa::path(
    tag = "mail",
    params(PageParams),
    responses((status = 200, description = "Kept messages", body = MailPage)),
    security(("bearer" = ["mail:read"]))
)]
#[get("/dev/mail")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authz<perm::MailRead>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    // With a real mail server the messages hold live reset links: nobody reads them here.
    if state.config.smtp.is_some() {
        return Err(crate::error::ApiError::NotFound);
    }
    let limit = page.limit()?;
    let mut conn = state.conn().await?;
    let rows = rapport_db::mail::list_for_workspace(
        &mut conn,
        caller.workspace_id(),
        page.after()?,
        limit,
    )
    .await?;
    let next = next_cursor(&rows, limit, |m| encode_time_id(m.created_at, m.id));
    Ok(HttpResponse::Ok().json(MailPage {
        data: rows.iter().map(|m| m.view()).collect(),
        next_cursor: next,
    }))
}
