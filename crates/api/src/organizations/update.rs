use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::organizations::OrganizationChanges;
use rapport_domain::api::{OrganizationView, UpdateOrganizationRequest};
use rapport_domain::validate::{tidy, tidy_tags};
use uuid::Uuid;

/// Change an organisation: only the fields sent change, `null` clears one.
/// With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "The organisation's id")),
    request_body = UpdateOrganizationRequest,
    responses((status = 200, description = "The organisation as changed", body = OrganizationView)),
    security(("bearer" = ["organizations:write"]), ("api_key" = ["organizations:write"]))
)]
#[patch("/organizations/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::OrganizationsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateOrganizationRequest>,
) -> ApiResult<Reply<OrganizationView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = OrganizationChanges {
        name: body.name.as_deref().map(|n| n.trim().to_string()),
        domain: body
            .domain
            .as_ref()
            .map(|d| super::tidy_domain(d.as_deref())),
        industry: body.industry.as_ref().map(|v| tidy(v.as_deref())),
        phone: body.phone.as_ref().map(|v| tidy(v.as_deref())),
        address: body.address.as_ref().map(|v| tidy(v.as_deref())),
        owner_id: body.owner_id,
        tags: body.tags.as_deref().map(tidy_tags),
        custom_fields: None,
    };
    let conn = db.conn().await?;
    let org = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::organizations::lock(conn, ws, &scope, id)
                .await?
                .filter(|o| o.deleted_at.is_none())
                .found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let mut changes = changes.clone();
            changes.custom_fields = crate::custom_fields::changed(
                conn,
                ws,
                rapport_domain::api::FieldRecord::Organization,
                body.custom_fields.as_ref(),
                &before.custom_fields,
            )
            .await?;
            if !changes.changes_anything(&before) {
                return Ok(before);
            }
            let owner = changes
                .owner_id
                .flatten()
                .filter(|o| Some(*o) != before.owner_id);
            crate::people::check_links(conn, ws, None, owner, None).await?;
            let after = rapport_db::organizations::update(conn, ws, id, before.version, &changes)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&org.view()).etag(org.version))
}
