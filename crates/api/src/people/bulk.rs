use crate::bulk::Bulk;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Valid, Visible};
use actix_web::{post, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::people::{PersonChanges, PersonRow};
use rapport_db::Conn;
use rapport_domain::api::{BulkRequest, BulkResult};
use rapport_domain::Permission;
use uuid::Uuid;

/// Tag, assign or delete many people at once, in one transaction: each
/// person changed is audited and announced as if changed alone. Ids the
/// caller may not change are listed as skipped.
#[utoipa::path(
    tag = "people",
    request_body = BulkRequest,
    responses((status = 200, description = "What changed and what was left alone", body = BulkResult)),
    security(("bearer" = ["people:write"]), ("api_key" = ["people:write"]))
)]
#[post("/people/bulk")]
pub async fn bulk(
    mut db: Db,
    caller: Authz<perm::PeopleWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    Valid(body): Valid<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    if matches!(body, BulkRequest::Delete { .. }) {
        caller.authorize(PersonRow::DELETE)?;
    }
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let result = conn
        .transaction::<_, ApiError, _>(async |conn| {
            crate::bulk::run::<PersonRow>(conn, &ctx, ws, &scope, &body).await
        })
        .await?;
    Ok(Json(result))
}

impl Bulk for PersonRow {
    const DELETE: Permission = Permission::PeopleDelete;
    fn id(&self) -> Uuid {
        self.id
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn member(&self) -> Option<Uuid> {
        self.owner_id
    }
    async fn lock_many(
        conn: &mut Conn,
        ws: Uuid,
        scope: &crate::extract::Scope,
        ids: &[Uuid],
    ) -> diesel::QueryResult<Vec<Self>> {
        rapport_db::people::lock_many(conn, ws, scope, ids).await
    }
    async fn set(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        tags: Option<Vec<String>>,
        owner_id: Option<Option<Uuid>>,
    ) -> diesel::QueryResult<Option<Self>> {
        let c = PersonChanges {
            tags,
            owner_id,
            ..Default::default()
        };
        rapport_db::people::update(conn, ws, id, version, &c).await
    }
    async fn check_member(conn: &mut Conn, ws: Uuid, member: Uuid) -> Result<(), ApiError> {
        super::check_links(conn, ws, None, Some(member), None).await
    }
}
