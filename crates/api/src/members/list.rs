use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::members::{MemberFilter, MemberRow, MemberSort};
use rapport_domain::api::{MemberView, Page};
use rapport_domain::problem::FieldError;
use rapport_domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Part of a name or e-mail.
    pub q: Option<String>,
    pub role: Option<Role>,
}

impl Filters for MemberQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        crate::pagination::text(errors, "q", &mut self.q);
    }
}

/// Members of the workspace, in the order they joined unless `sort` says otherwise.
#[utoipa::path(
    tag = "members",
    params(ListQuery<MemberSort, MemberQuery>),
    responses((status = 200, description = "A page of members", body = Page<MemberView>)),
    security(("bearer" = ["members:read"]), ("api_key" = ["members:read"]))
)]
#[get("/members")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::MembersRead>,
    list: ListQuery<MemberSort, MemberQuery>,
) -> ApiResult<Json<Page<MemberView>>> {
    let page = list.page(caller.workspace_id())?;
    let filter = MemberFilter {
        q: list.filter.q.as_deref(),
        role: list.filter.role,
    };
    let rows =
        rapport_db::members::list(db.conn().await?, caller.workspace_id(), &filter, &page).await?;
    Ok(Json(page.answer(rows, |m: MemberRow| m.view())))
}
