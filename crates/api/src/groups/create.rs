use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::groups::NewGroup;
use rapport_domain::api::{CreateGroupRequest, GroupView};
use rapport_domain::validate::{tidy, tidy_tags};
use uuid::Uuid;

/// Add a group: a class, a cohort, a team or a segment.
#[utoipa::path(
    tag = "groups",
    request_body = CreateGroupRequest,
    responses((status = 201, description = "The group", body = GroupView)),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[post("/groups")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateGroupRequest>,
) -> ApiResult<Reply<GroupView>> {
    let ws = caller.workspace_id();
    let new = NewGroup {
        workspace_id: ws,
        id: Uuid::now_v7(),
        name: body.name.trim().to_string(),
        kind: body.kind.as_str().to_string(),
        description: tidy(body.description.as_deref()),
        leader_id: body.leader_id,
        course: tidy(body.course.as_deref()),
        tags: tidy_tags(&body.tags),
        custom_fields: None,
    };
    let mut new = new;
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            super::check_leader(conn, ws, new.leader_id).await?;
            new.custom_fields = Some(serde_json::Value::Object(
                crate::custom_fields::checked(
                    conn,
                    ws,
                    rapport_domain::api::FieldRecord::Group,
                    &body.custom_fields,
                    &Default::default(),
                )
                .await?,
            ));
            let group = rapport_db::groups::insert(conn, &new).await?;
            ctx.created(conn, ws, &group).await?;
            let reply = Reply::created(&group.view(0))
                .etag(group.version)
                .location(format!("/api/v1/groups/{}", group.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
