use crate::bulk::Bulk;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Valid, Visible};
use actix_web::{post, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::organizations::{OrganizationChanges, OrganizationRow};
use rapport_db::Conn;
use rapport_domain::api::{BulkRequest, BulkResult};
use rapport_domain::Permission;
use uuid::Uuid;

/// Tag, assign (`owner_id`) or delete many organisations at once, in one
/// transaction: each organisation changed is audited and announced as if
/// changed alone. Ids the caller may not change are listed as skipped.
#[utoipa::path(
    tag = "organizations",
    request_body = BulkRequest,
    responses((status = 200, description = "What changed and what was left alone", body = BulkResult)),
    security(("bearer" = ["organizations:write"]), ("api_key" = ["organizations:write"]))
)]
#[post("/organizations/bulk")]
pub async fn bulk(
    mut db: Db,
    caller: Authz<perm::OrganizationsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    Valid(body): Valid<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    if matches!(body, BulkRequest::Delete { .. }) {
        caller.authorize(OrganizationRow::DELETE)?;
    }
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let result = conn
        .transaction::<_, ApiError, _>(async |conn| {
            crate::bulk::run::<OrganizationRow>(conn, &ctx, ws, &scope, &body).await
        })
        .await?;
    Ok(Json(result))
}

impl Bulk for OrganizationRow {
    const DELETE: Permission = Permission::OrganizationsDelete;
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
        rapport_db::organizations::lock_many(conn, ws, scope, ids).await
    }
    async fn set(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        tags: Option<Vec<String>>,
        owner_id: Option<Option<Uuid>>,
    ) -> diesel::QueryResult<Option<Self>> {
        let c = OrganizationChanges {
            tags,
            owner_id,
            ..Default::default()
        };
        rapport_db::organizations::update(conn, ws, id, version, &c).await
    }
    async fn check_member(conn: &mut Conn, ws: Uuid, member: Uuid) -> Result<(), ApiError> {
        crate::people::check_links(conn, ws, None, Some(member), None).await
    }
}
