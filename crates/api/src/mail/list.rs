use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{encode_time_id, next_cursor, PageParams};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use rapport_domain::api::MailPage;

/// The mail addressed to you, newest first.
///
/// For development: when no SMTP server is configured, mail is written to
/// files in the data directory and kept here, where each signed-in person
/// reads only the mail sent to their own address. With SMTP it answers 404.
#[utoipa::path(
    tag = "mail",
    params(PageParams),
    responses((status = 200, description = "Kept messages", body = MailPage)),
    security(("bearer" = ["mail:read"]))
)]
#[get("/dev/mail")]
pub async fn list(
    state: web::Data<AppState>,
    mut db: Db,
    _caller: Authz<perm::MailRead>,
    Visible(scope, ..): Visible<super::Policy>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    // With a real mail server the messages hold live reset links: nobody reads them here.
    if state.config.smtp.is_some() {
        return Err(crate::error::ApiError::NotFound);
    }
    let limit = page.limit()?;
    let rows = rapport_db::mail::list(db.conn().await?, &scope, page.after()?, limit).await?;
    let next = next_cursor(&rows, limit, |m| encode_time_id(m.created_at, m.id));
    Ok(HttpResponse::Ok().json(MailPage {
        data: rows.iter().map(|m| m.view()).collect(),
        next_cursor: next,
    }))
}
