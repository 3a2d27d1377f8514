use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::Db;
use crate::extract::{Ctx, UserCaller, Valid};
use actix_web::{patch, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::{UpdateMeRequest, UserView};
use rapport_domain::Permission;
use serde_json::json;

/// Change one's own name.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMeRequest,
    responses((status = 200, description = "The updated user", body = UserView)),
    security(("bearer" = []))
)]
#[patch("/me")]
pub async fn update(
    mut db: Db,
    me: UserCaller,
    ctx: Ctx,
    Valid(body): Valid<UpdateMeRequest>,
) -> ApiResult<Json<UserView>> {
    let conn = db.conn().await?;
    let user = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::users::find(conn, me.user_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            let after = rapport_db::users::set_name(conn, me.user_id, body.name.trim()).await?;
            for (ws, _) in rapport_db::workspaces::of_user(conn, me.user_id).await? {
                ctx.record(
                    conn,
                    Change {
                        workspace_id: ws.id,
                        action: "member.updated",
                        record_type: "member",
                        record_id: Some(me.user_id.to_string()),
                        changes: json!({"name": {"before": before.name, "after": after.name}}),
                        data: Some(json!({"user_id": me.user_id, "name": after.name})),
                        permission: Permission::MembersRead,
                        subject_user_id: Some(me.user_id),
                    },
                )
                .await?;
            }
            Ok(after)
        })
        .await?;
    Ok(Json(user.view()))
}
