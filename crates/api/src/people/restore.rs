use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_domain::api::PersonView;
use uuid::Uuid;

/// Bring back a deleted person, as they were.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "The person, restored", body = PersonView)),
    security(("bearer" = ["people:delete"]), ("api_key" = ["people:write"]))
)]
#[post("/people/{id}/restore")]
pub async fn restore(
    mut db: Db,
    caller: Authz<perm::PeopleDelete>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<PersonView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let person = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::people::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if before.deleted_at.is_none() {
                // Restoring what is not deleted changes nothing.
                return Ok(before);
            }
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            // The member it linked may have become another person meanwhile.
            super::check_user_free(conn, ws, before.user_id, Some(id)).await?;
            let after = rapport_db::people::set_deleted(conn, ws, id, before.version, false)
                .await?
                .current()?;
            ctx.changed(conn, ws, "restored", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&person.view()).etag(person.version))
}
