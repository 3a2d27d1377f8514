use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::store::ItemChanges;
use rapport_domain::api::{StoreItemView, UpdateStoreItem};
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Change an item: its name, description, image, price, stock, or whether
/// it is for sale. Orders already placed keep the price they were bought
/// at. With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body = UpdateStoreItem,
    responses((status = 200, description = "The item as changed", body = StoreItemView)),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[patch("/store/items/{id}")]
pub async fn update(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdateStoreItem>,
) -> ApiResult<Reply<StoreItemView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let changes = ItemChanges {
        name: body.name.as_deref().map(|n| n.trim().to_string()),
        description: body.description.as_ref().map(|d| tidy(d.as_deref())),
        image_url: body.image_url.as_ref().map(|u| tidy(u.as_deref())),
        price_gold: body.price.map(|p| p.gold),
        price_silver: body.price.map(|p| p.silver),
        price_bronze: body.price.map(|p| p.bronze),
        stock: body.stock,
        active: body.active,
        // A link given, or none, takes the uploaded picture's place.
        image_sha256: body.image_url.as_ref().map(|_| None),
    };
    let conn = db.conn().await?;
    let item = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::store::lock_item(conn, ws, id).await?.found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let after = rapport_db::store::update_item(conn, ws, id, before.version, &changes)
                .await?
                .current()?;
            if changes.image_sha256.is_some() && before.image_sha256.is_some() {
                rapport_db::store::delete_image(conn, ws, id).await?;
            }
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    Ok(Reply::ok(&item.view()).etag(item.version))
}
