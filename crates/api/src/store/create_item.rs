use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::store::ItemRow;
use rapport_domain::api::{NewStoreItem, StoreItemView};
use rapport_domain::validate::tidy;
use uuid::Uuid;

/// Add an item: its name, description, image, price in medals and stock.
#[utoipa::path(
    tag = "store",
    request_body = NewStoreItem,
    responses((status = 201, description = "The item", body = StoreItemView)),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[post("/store/items")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    ctx: Ctx,
    Valid(body): Valid<NewStoreItem>,
) -> ApiResult<Reply<StoreItemView>> {
    let ws = caller.workspace_id();
    let now = chrono::Utc::now();
    let row = ItemRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        name: body.name.trim().to_string(),
        description: tidy(body.description.as_deref()),
        image_url: tidy(body.image_url.as_deref()),
        price_gold: body.price.gold,
        price_silver: body.price.silver,
        price_bronze: body.price.bronze,
        stock: body.stock,
        active: body.active,
        created_at: now,
        updated_at: now,
        version: 1,
        image_sha256: None,
    };
    let conn = db.conn().await?;
    let item = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let item = rapport_db::store::insert_item(conn, &row).await?;
            ctx.created(conn, ws, &item).await?;
            Ok(item)
        })
        .await?;
    Ok(Reply::created(&item.view())
        .etag(item.version)
        .location(format!("/api/v1/store/items/{}", item.id)))
}
