use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::organizations::{OrganizationFilter, OrganizationRow, OrganizationSort};
use rapport_domain::api::{OrganizationView, Page};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// The start of the name or the domain.
    pub q: Option<String>,
    /// A domain, whatever its case.
    pub domain: Option<String>,
    pub industry: Option<String>,
    /// Organisations with this tag.
    pub tag: Option<String>,
    /// Organisations this member looks after.
    pub owner_id: Option<Uuid>,
    /// `true`: the deleted ones, which can be restored for 30 days.
    #[serde(default)]
    pub deleted: bool,
}

impl Filters for OrganizationQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        crate::pagination::text(errors, "q", &mut self.q);
        crate::pagination::text(errors, "domain", &mut self.domain);
        crate::pagination::text(errors, "industry", &mut self.industry);
        crate::pagination::text(errors, "tag", &mut self.tag);
    }
}

/// Organisations, by name unless `sort` says otherwise.
#[utoipa::path(
    tag = "organizations",
    params(ListQuery<OrganizationSort, OrganizationQuery>),
    responses((status = 200, description = "A page of organisations", body = Page<OrganizationView>)),
    security(("bearer" = ["organizations:read"]), ("api_key" = ["organizations:read"]))
)]
#[get("/organizations")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::OrganizationsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<OrganizationSort, OrganizationQuery>,
) -> ApiResult<Json<Page<OrganizationView>>> {
    let page = list.page(caller.workspace_id())?;
    let filter = OrganizationFilter::from(list.filter);
    let rows = rapport_db::organizations::list(db.conn().await?, &scope, &filter, &page).await?;
    Ok(Json(page.answer(rows, |o: OrganizationRow| o.view())))
}

impl From<OrganizationQuery> for OrganizationFilter {
    fn from(q: OrganizationQuery) -> Self {
        OrganizationFilter {
            q: q.q,
            domain: q.domain,
            industry: q.industry,
            tag: q.tag,
            owner_id: q.owner_id,
            deleted: q.deleted,
        }
    }
}
