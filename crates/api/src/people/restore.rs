use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::people::PersonRow;
use rapport_domain::api::PersonView;
use uuid::Uuid;

/// Bring back a deleted person, as they were.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person, restored", body = PersonView),
        (status = 409, description = "The person was erased, or their member is another person now", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
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
            ctx.restore::<PersonRow>(conn, ws, &scope, id, if_match.0)
                .await
        })
        .await?;
    Ok(Reply::ok(&person.view()).etag(person.version))
}
