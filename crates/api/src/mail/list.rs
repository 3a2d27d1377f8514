use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{ListQuery, NoFilters};
use crate::state::AppState;
use actix_web::{get, web, web::Json};
use rapport_db::mail::MailSort;
use rapport_domain::api::{MailView, Page};

/// The mail addressed to you, newest first.
///
/// For development: when no SMTP server is configured, mail is written to
/// files in the data directory and kept here, where each signed-in person
/// reads only the mail sent to their own address. With SMTP it answers 404.
#[utoipa::path(
    tag = "mail",
    params(ListQuery<MailSort, NoFilters>),
    responses((status = 200, description = "Kept messages", body = Page<MailView>)),
    security(("bearer" = ["mail:read"]))
)]
#[get("/dev/mail")]
pub async fn list(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::MailRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<MailSort, NoFilters>,
) -> ApiResult<Json<Page<MailView>>> {
    // With a real mail server the messages hold live reset links: nobody reads them here.
    if state.config.smtp.is_some() {
        return Err(crate::error::ApiError::NotFound);
    }
    let page = list.page(caller.workspace_id())?;
    let rows = rapport_db::mail::list(db.conn().await?, &scope, &page).await?;
    Ok(Json(page.answer(rows, |m| m.view())))
}
