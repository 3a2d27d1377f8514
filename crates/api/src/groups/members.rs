//! Who belongs to a group when: each stay of a person in it, from the day
//! they joined to the day they left.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, IfMatch, Valid, Visible};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use crate::respond::{NoContent, Reply};
use actix_web::{delete, get, patch, post, web, web::Json};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::groups::{
    GroupMemberChanges, GroupMemberRow, GroupMemberSort, NewGroupMember, Stays,
};
use rapport_db::scope::Scope;
use rapport_db::Conn;
use rapport_domain::api::{AddGroupMemberRequest, GroupMemberView, Page, UpdateGroupMemberRequest};
use rapport_domain::problem::{FieldCode, FieldError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupMemberQuery {
    /// The people who belong to the group on this day (today in the
    /// workspace's time zone when left out): a register as it was.
    pub on: Option<NaiveDate>,
    /// `true`: every stay, past, present and to come, instead.
    #[serde(default)]
    pub all: bool,
}

impl Filters for GroupMemberQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        if let Some(d) = self.on {
            if !rapport_domain::groups::date_in_range(d) {
                errors.push(FieldError::new(
                    "on",
                    FieldCode::Range,
                    "a date between the years 1900 and 2200",
                ));
            }
        }
    }
}

/// A group's members on a day (today unless `on` says otherwise), or every
/// stay with `all=true`; by family name unless `sort` says otherwise. A
/// member sees themself and the people they look after.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id"), ListQuery<GroupMemberSort, GroupMemberQuery>),
    responses((status = 200, description = "A page of the group's members", body = Page<GroupMemberView>)),
    security(("bearer" = ["groups:read"]), ("api_key" = ["groups:read"]))
)]
#[get("/groups/{id}/members")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::GroupsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
    list: ListQuery<GroupMemberSort, GroupMemberQuery>,
) -> ApiResult<Json<Page<GroupMemberView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let group = rapport_db::groups::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let stays = match (list.filter.all, list.filter.on) {
        (true, _) => Stays::All,
        (false, Some(day)) => Stays::On(day),
        (false, None) => Stays::On(rapport_db::groups::today(conn, ws).await?),
    };
    let rows = rapport_db::groups::members(conn, ws, &scope, group.id, stays, &page).await?;
    Ok(Json(page.answer(rows, |m: GroupMemberRow| m.view())))
}

/// The live group `id` that `scope` may see, locked: what a change of its
/// members starts from.
async fn lock_group(conn: &mut Conn, ws: Uuid, scope: &Scope, id: Uuid) -> Result<(), ApiError> {
    rapport_db::groups::lock(conn, ws, scope, id)
        .await?
        .filter(|g| g.deleted_at.is_none())
        .found()
        .map(drop)
}

fn overlap() -> ApiError {
    ApiError::conflict(
        rapport_domain::problem::Code::Duplicate,
        "this person already belongs to the group on some of these days",
    )
}

/// A stay over days another stay of the same person already covers.
fn or_overlap(e: diesel::result::Error) -> ApiError {
    match &e {
        diesel::result::Error::DatabaseError(_, info)
            if info.constraint_name() == Some("group_members_no_overlap") =>
        {
            overlap()
        }
        _ => e.into(),
    }
}

/// Add a person to a group from a day (today unless `joined_on` says
/// otherwise). The same person can join again after they left; two stays
/// over the same days are 409.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    request_body = AddGroupMemberRequest,
    responses(
        (status = 201, description = "The stay", body = GroupMemberView),
        (status = 409, description = "The person already belongs to the group on some of these days", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[post("/groups/{id}/members")]
pub async fn add(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    idem: Idempotent,
    id: web::Path<Uuid>,
    Valid(body): Valid<AddGroupMemberRequest>,
) -> ApiResult<Reply<GroupMemberView>> {
    let ws = caller.workspace_id();
    let group_id = id.into_inner();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            lock_group(conn, ws, &scope, group_id).await?;
            let person = rapport_db::people::find(conn, &Scope::Workspace(ws), body.person_id)
                .await?
                .filter(|p| p.deleted_at.is_none());
            if person.is_none() {
                return Err(ApiError::validation(
                    "person_id",
                    FieldCode::Unknown,
                    "no such person in this workspace",
                ));
            }
            crate::people::within_branches(conn, &scope, &[body.person_id], "person_id").await?;
            let joined_on = match body.joined_on {
                Some(d) => d,
                None => rapport_db::groups::today(conn, ws).await?,
            };
            if body.left_on.is_some_and(|l| l < joined_on) {
                return Err(ApiError::validation(
                    "left_on",
                    FieldCode::Range,
                    "the day they left cannot come before the day they joined",
                ));
            }
            let new = NewGroupMember {
                workspace_id: ws,
                id: Uuid::now_v7(),
                group_id,
                person_id: body.person_id,
                joined_on,
                left_on: body.left_on,
            };
            let stay = rapport_db::groups::insert_member(conn, &new)
                .await
                .map_err(or_overlap)?;
            ctx.created(conn, ws, &stay).await?;
            let reply = Reply::created(&stay.view())
                .etag(stay.version)
                .location(format!("/api/v1/groups/{group_id}/members/{}", stay.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}

/// Change the days of a stay: `left_on` says they left (from that day they
/// are no longer a member), `null` that they are back. With `If-Match`,
/// only the version it names.
#[utoipa::path(
    tag = "groups",
    params(
        ("id" = Uuid, Path, description = "The group's id"),
        ("member_id" = Uuid, Path, description = "The stay's id"),
    ),
    request_body = UpdateGroupMemberRequest,
    responses(
        (status = 200, description = "The stay as changed", body = GroupMemberView),
        (status = 409, description = "The person already belongs to the group on some of these days", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[patch("/groups/{id}/members/{member_id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateGroupMemberRequest>,
) -> ApiResult<Reply<GroupMemberView>> {
    let ws = caller.workspace_id();
    let (group_id, member_id) = path.into_inner();
    let changes = GroupMemberChanges {
        joined_on: body.joined_on,
        left_on: body.left_on,
    };
    let conn = db.conn().await?;
    let stay = conn
        .transaction::<_, ApiError, _>(async |conn| {
            lock_group(conn, ws, &scope, group_id).await?;
            let before = rapport_db::groups::lock_member(conn, ws, group_id, member_id)
                .await?
                .found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            if !changes.changes_anything(&before) {
                return Ok(before);
            }
            let joined = changes.joined_on.unwrap_or(before.joined_on);
            let left = changes.left_on.unwrap_or(before.left_on);
            if left.is_some_and(|l| l < joined) {
                return Err(ApiError::validation(
                    "left_on",
                    FieldCode::Range,
                    "the day they left cannot come before the day they joined",
                ));
            }
            let after =
                rapport_db::groups::update_member(conn, ws, member_id, before.version, &changes)
                    .await
                    .map_err(or_overlap)?
                    .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&stay.view()).etag(stay.version))
}

/// Remove a stay entered by mistake, as if it never was. Someone who leaves
/// the group is not removed: their stay gets `left_on`, and registers of
/// the days they belonged still list them.
#[utoipa::path(
    tag = "groups",
    params(
        ("id" = Uuid, Path, description = "The group's id"),
        ("member_id" = Uuid, Path, description = "The stay's id"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[delete("/groups/{id}/members/{member_id}")]
pub async fn remove(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let (group_id, member_id) = path.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        lock_group(conn, ws, &scope, group_id).await?;
        let before = rapport_db::groups::lock_member(conn, ws, group_id, member_id)
            .await?
            .found()?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if !rapport_db::groups::delete_member(conn, ws, member_id, before.version).await? {
            return Err(ApiError::PreconditionFailed);
        }
        ctx.removed(conn, ws, "deleted", &before).await
    })
    .await?;
    Ok(NoContent)
}
