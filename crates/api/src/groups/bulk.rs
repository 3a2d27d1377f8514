use crate::bulk::Bulk;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Valid, Visible};
use actix_web::{post, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::groups::{GroupChanges, GroupRow};
use rapport_db::Conn;
use rapport_domain::api::{BulkRequest, BulkResult};
use rapport_domain::Permission;
use uuid::Uuid;

/// Tag, assign (`owner_id`: the member who leads them) or delete many
/// groups at once, in one transaction: each group changed is audited and
/// announced as if changed alone. Ids the caller may not change are listed
/// as skipped.
#[utoipa::path(
    tag = "groups",
    request_body = BulkRequest,
    responses((status = 200, description = "What changed and what was left alone", body = BulkResult)),
    security(("bearer" = ["groups:write"]), ("api_key" = ["groups:write"]))
)]
#[post("/groups/bulk")]
pub async fn bulk(
    mut db: Db,
    caller: Authz<perm::GroupsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    Valid(body): Valid<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    if matches!(body, BulkRequest::Delete { .. }) {
        caller.authorize(GroupRow::DELETE)?;
    }
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let result = conn
        .transaction::<_, ApiError, _>(async |conn| {
            crate::bulk::run::<GroupRow>(conn, &ctx, ws, &scope, &body).await
        })
        .await?;
    Ok(Json(result))
}

impl Bulk for GroupRow {
    const DELETE: Permission = Permission::GroupsDelete;
    fn id(&self) -> Uuid {
        self.id
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn member(&self) -> Option<Uuid> {
        self.leader_id
    }
    async fn lock_many(
        conn: &mut Conn,
        ws: Uuid,
        scope: &crate::extract::Scope,
        ids: &[Uuid],
    ) -> diesel::QueryResult<Vec<Self>> {
        rapport_db::groups::lock_many(conn, ws, scope, ids).await
    }
    async fn set(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        tags: Option<Vec<String>>,
        leader_id: Option<Option<Uuid>>,
    ) -> diesel::QueryResult<Option<Self>> {
        let c = GroupChanges {
            tags,
            leader_id,
            ..Default::default()
        };
        rapport_db::groups::update(conn, ws, id, version, &c).await
    }
    async fn check_member(conn: &mut Conn, ws: Uuid, member: Uuid) -> Result<(), ApiError> {
        super::check_leader(conn, ws, Some(member)).await
    }
}
