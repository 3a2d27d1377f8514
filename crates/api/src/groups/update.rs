use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::groups::GroupChanges;
use rapport_domain::api::{GroupView, UpdateGroupRequest};
use rapport_domain::validate::{tidy, tidy_tags};
use uuid::Uuid;

/// Change a group: only the fields sent change, `null` clears one.
/// With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group's id")),
    request_body = UpdateGroupRequest,
    responses((status = 200, description = "The group as changed", body = GroupView)),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[patch("/groups/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateGroupRequest>,
) -> ApiResult<Reply<GroupView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = GroupChanges {
        name: body.name.as_deref().map(|n| n.trim().to_string()),
        kind: body.kind.map(|k| k.as_str().to_string()),
        description: body.description.as_ref().map(|v| tidy(v.as_deref())),
        leader_id: body.leader_id,
        course: body.course.as_ref().map(|v| tidy(v.as_deref())),
        tags: body.tags.as_deref().map(tidy_tags),
        custom_fields: None,
    };
    let conn = db.conn().await?;
    let group = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::groups::lock(conn, ws, &scope, id)
                .await?
                .filter(|g| g.deleted_at.is_none())
                .found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let mut changes = changes.clone();
            changes.custom_fields = crate::custom_fields::changed(
                conn,
                ws,
                rapport_domain::api::FieldRecord::Group,
                body.custom_fields.as_ref(),
                &before.custom_fields,
            )
            .await?;
            if !changes.changes_anything(&before) {
                return Ok(before);
            }
            let leader = changes
                .leader_id
                .flatten()
                .filter(|l| Some(*l) != before.leader_id);
            super::check_leader(conn, ws, leader).await?;
            let after = rapport_db::groups::update(conn, ws, id, before.version, &changes)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    let view = super::view(conn, &group).await?;
    Ok(Reply::ok(&view).etag(group.version))
}
