use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use rapport_db::groups::{GroupFilter, GroupRow, GroupSort};
use rapport_domain::api::{GroupKind, GroupView, Page};
use rapport_domain::problem::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// The start of the name.
    pub q: Option<String>,
    pub kind: Option<GroupKind>,
    /// Groups this member leads.
    pub leader_id: Option<Uuid>,
    /// Groups with this tag.
    pub tag: Option<String>,
    /// Groups this person belongs to today.
    pub person_id: Option<Uuid>,
    /// `true`: the deleted ones, which can be restored for 30 days.
    #[serde(default)]
    pub deleted: bool,
}

impl From<GroupQuery> for GroupFilter {
    fn from(q: GroupQuery) -> Self {
        GroupFilter {
            q: q.q,
            kind: q.kind,
            leader_id: q.leader_id,
            tag: q.tag,
            person_id: q.person_id,
            deleted: q.deleted,
        }
    }
}

impl Filters for GroupQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        crate::pagination::text(errors, "q", &mut self.q);
        crate::pagination::text(errors, "tag", &mut self.tag);
    }
}

/// Groups, by name unless `sort` says otherwise, each with how many belong
/// to it today. A member sees the groups they lead or belong to.
#[utoipa::path(
    tag = "groups",
    params(ListQuery<GroupSort, GroupQuery>),
    responses((status = 200, description = "A page of groups", body = Page<GroupView>)),
    security(("bearer" = ["groups:read"]), ("api_key" = ["groups:read"]))
)]
#[get("/groups")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::GroupsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<GroupSort, GroupQuery>,
) -> ApiResult<Json<Page<GroupView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let filter = GroupFilter::from(list.filter);
    let conn = db.conn().await?;
    let rows = rapport_db::groups::list(conn, &scope, &filter, &page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|g| g.id).collect();
    let counts = if ids.is_empty() {
        Default::default()
    } else {
        let today = rapport_db::groups::today(conn, ws).await?;
        rapport_db::groups::member_counts(conn, ws, &ids, today).await?
    };
    Ok(Json(page.answer(rows, |g: GroupRow| {
        let n = counts.get(&g.id).copied().unwrap_or(0);
        g.view(n)
    })))
}
