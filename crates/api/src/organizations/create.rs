use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::organizations::NewOrganization;
use rapport_domain::api::{CreateOrganizationRequest, OrganizationView};
use rapport_domain::validate::{tidy, tidy_tags};
use uuid::Uuid;

/// Add an organisation.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganizationRequest,
    responses((status = 201, description = "The organisation", body = OrganizationView)),
    security(("bearer" = ["organizations:write"]), ("api_key" = ["organizations:write"]))
)]
#[post("/organizations")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::OrganizationsWrite>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateOrganizationRequest>,
) -> ApiResult<Reply<OrganizationView>> {
    let ws = caller.workspace_id();
    let new = NewOrganization {
        workspace_id: ws,
        id: Uuid::now_v7(),
        name: body.name.trim().to_string(),
        domain: super::tidy_domain(body.domain.as_deref()),
        industry: tidy(body.industry.as_deref()),
        phone: tidy(body.phone.as_deref()),
        address: tidy(body.address.as_deref()),
        owner_id: body.owner_id,
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
            crate::people::check_links(conn, ws, None, new.owner_id, None).await?;
            new.custom_fields = Some(serde_json::Value::Object(
                crate::custom_fields::checked(
                    conn,
                    ws,
                    rapport_domain::api::FieldRecord::Organization,
                    &body.custom_fields,
                    &Default::default(),
                )
                .await?,
            ));
            let org = rapport_db::organizations::insert(conn, &new).await?;
            ctx.created(conn, ws, &org).await?;
            let reply = Reply::created(&org.view())
                .etag(org.version)
                .location(format!("/api/v1/organizations/{}", org.id));
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
