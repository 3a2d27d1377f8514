use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::{DateTime, Utc};
use rapport_db::people::{PersonFilter, PersonRow, PersonSort};
use rapport_domain::api::{Page, PersonStatus, PersonView};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// The start of a first name, a family name or an e-mail address.
    pub q: Option<String>,
    /// An e-mail address, whatever its case.
    pub email: Option<String>,
    pub status: Option<PersonStatus>,
    /// People with this tag.
    pub tag: Option<String>,
    /// People this member looks after.
    pub owner_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// The person who is this member.
    pub user_id: Option<Uuid>,
    /// People of this branch.
    pub branch_id: Option<Uuid>,
    /// Created at or after this time.
    pub created_since: Option<DateTime<Utc>>,
    /// Created before this time.
    pub created_until: Option<DateTime<Utc>>,
    /// `true`: the deleted people, which can be restored for 30 days.
    #[serde(default)]
    pub deleted: bool,
    /// People with this custom value: `<key>:<value>` (`school:North`; for
    /// a multi-select, one of its values).
    pub custom_field: Option<String>,
}

impl Filters for PersonQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        crate::pagination::text(errors, "q", &mut self.q);
        crate::pagination::text(errors, "email", &mut self.email);
        crate::pagination::text(errors, "tag", &mut self.tag);
        crate::pagination::text(errors, "custom_field", &mut self.custom_field);
        for (field, t) in [
            ("created_since", &self.created_since),
            ("created_until", &self.created_until),
        ] {
            if let Some(t) = t {
                rapport_domain::validate::time(errors, field, t);
            }
        }
    }
}

/// People, by family name unless `sort` says otherwise. A member sees
/// themself and the people they look after.
#[utoipa::path(
    tag = "people",
    params(ListQuery<PersonSort, PersonQuery>),
    responses((status = 200, description = "A page of people", body = Page<PersonView>)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<PersonSort, PersonQuery>,
) -> ApiResult<Json<Page<PersonView>>> {
    let page = list.page(caller.workspace_id())?;
    let custom = list.filter.custom_field.clone();
    let mut filter = PersonFilter::from(list.filter);
    let conn = db.conn().await?;
    filter.custom = crate::custom_fields::filter(
        conn,
        caller.workspace_id(),
        rapport_domain::api::FieldRecord::Person,
        custom.as_deref(),
    )
    .await?;
    let rows = rapport_db::people::list(conn, &scope, &filter, &page).await?;
    Ok(Json(page.answer(rows, |p: PersonRow| p.view())))
}

impl From<PersonQuery> for PersonFilter {
    fn from(q: PersonQuery) -> Self {
        PersonFilter {
            q: q.q,
            email: q.email,
            status: q.status,
            tag: q.tag,
            owner_id: q.owner_id,
            organization_id: q.organization_id,
            user_id: q.user_id,
            branch_id: q.branch_id,
            created_since: q.created_since,
            created_until: q.created_until,
            deleted: q.deleted,
            custom: None,
        }
    }
}
