//! An item's picture, uploaded: PNG, JPEG, WebP or GIF, told by its first
//! bytes (not by what the upload says it is), at most 1 MiB. It is served
//! at an address versioned by its hash, so a browser keeps it until it is
//! replaced.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch};
use crate::record::Found;
use crate::respond::File;
use crate::respond::Reply;
use actix_web::http::header;
use actix_web::{delete, get, put, web, HttpRequest};
use diesel_async::AsyncConnection;
use rapport_db::store::{ImageRow, ItemChanges, ItemRow};
use rapport_domain::api::StoreItemView;
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

/// The largest picture taken.
pub const IMAGE_MAX_BYTES: usize = 1024 * 1024;

/// The type of the picture `bytes` holds, by its signature.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Sets item `id`'s picture to `bytes`, or removes it (`None`), in one
/// transaction: the item locked (another workspace's is not found, before
/// anything is said of the picture), its version checked, the picture
/// stored or removed, the change audited and announced.
async fn change(
    db: &mut Db,
    ctx: &Ctx,
    ws: Uuid,
    id: Uuid,
    if_match: IfMatch,
    bytes: Option<Vec<u8>>,
) -> ApiResult<ItemRow> {
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rapport_db::store::lock_item(conn, ws, id).await?.found()?;
        if if_match.0.is_some_and(|v| v != before.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let image = match bytes {
            Some(bytes) => {
                let content_type = sniff(&bytes).ok_or_else(|| {
                    ApiError::validation(
                        "image",
                        FieldCode::Format,
                        "a PNG, JPEG, WebP or GIF picture",
                    )
                })?;
                Some(ImageRow {
                    workspace_id: ws,
                    item_id: id,
                    content_type: content_type.into(),
                    sha256: hex::encode(Sha256::digest(&bytes)),
                    bytes,
                    created_at: chrono::Utc::now(),
                })
            }
            None => None,
        };
        if image.is_none() && before.image_sha256.is_none() {
            // Nothing to remove: the item as it is.
            return Ok(before);
        }
        let changes = ItemChanges {
            image_url: Some(None),
            image_sha256: Some(image.as_ref().map(|i| i.sha256.clone())),
            ..Default::default()
        };
        match &image {
            Some(i) => rapport_db::store::put_image(conn, i).await?,
            None => rapport_db::store::delete_image(conn, ws, id).await?,
        }
        let after = rapport_db::store::update_item(conn, ws, id, before.version, &changes)
            .await?
            .current()?;
        ctx.changed(conn, ws, "updated", &before, &after).await?;
        Ok(after)
    })
    .await
}

/// Upload an item's picture, as the request body: a PNG, JPEG, WebP or
/// GIF of at most 1 MiB. It replaces the picture or link the item had;
/// the item's `image_url` then points at it. With `If-Match`, only the
/// version it names.
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The picture's bytes (`image/png`, `image/jpeg`, `image/webp` or `image/gif`)"),
    responses(
        (status = 200, description = "The item with its new picture", body = StoreItemView),
        (status = 413, description = "The picture is larger than 1 MiB", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a PNG, JPEG, WebP or GIF picture", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[put("/store/items/{id}/image")]
pub async fn upload(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Payload,
) -> ApiResult<Reply<StoreItemView>> {
    let ws = caller.workspace_id();
    let bytes = crate::extract::raw::read_at_most(body, IMAGE_MAX_BYTES).await?;
    let item = change(&mut db, &ctx, ws, id.into_inner(), if_match, Some(bytes)).await?;
    Ok(Reply::ok(&item.view()).etag(item.version))
}

/// Remove an item's uploaded picture. With `If-Match`, only the version it
/// names.
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The item's id")),
    responses((status = 200, description = "The item without its picture", body = StoreItemView)),
    security(("bearer" = ["store:manage"]), ("api_key" = ["store:manage"]))
)]
#[delete("/store/items/{id}/image")]
pub async fn remove(
    mut db: Db,
    caller: Authz<perm::StoreManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<StoreItemView>> {
    let ws = caller.workspace_id();
    let item = change(&mut db, &ctx, ws, id.into_inner(), if_match, None).await?;
    Ok(Reply::ok(&item.view()).etag(item.version))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImageQuery {
    /// The picture's version, as the item's `image_url` names it: with it,
    /// the answer may be kept for good.
    pub v: Option<String>,
}

/// An item's uploaded picture, as the item's `image_url` points at it. An
/// item not for sale shows only to those who run the store.
#[utoipa::path(
    tag = "store",
    params(("id" = Uuid, Path, description = "The item's id"), ImageQuery),
    responses(
        (status = 200, description = "The picture", content_type = "image/png", body = Vec<u8>),
        (status = 304, description = "Not changed since the copy `If-None-Match` names"),
    ),
    security(("bearer" = ["store:read"]), ("api_key" = ["store:read"]))
)]
#[get("/store/items/{id}/image")]
pub async fn show(
    mut db: Db,
    caller: Authz<perm::StoreRead>,
    id: web::Path<Uuid>,
    query: web::Query<ImageQuery>,
    req: HttpRequest,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    // An item not for sale is absent to those who do not run the store.
    let for_sale_only = !caller.allows(Permission::StoreManage);
    let image = rapport_db::store::image(conn, ws, id, for_sale_only)
        .await?
        .found()?;
    let tag = format!("\"{}\"", image.sha256);
    // The versioned address never changes what it holds; the bare one may.
    let cache = match &query.v {
        Some(v) if image.sha256.starts_with(v.as_str()) && v.len() >= 16 => {
            "private, max-age=31536000, immutable"
        }
        _ => "private, no-cache",
    };
    let (mut answer, unchanged) = File::tagged(&req, &tag, cache);
    if unchanged {
        return Ok(File(answer.finish()));
    }
    Ok(File(
        answer
            .content_type(image.content_type)
            .insert_header((header::CONTENT_DISPOSITION, "inline"))
            .body(image.bytes),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b""), None);
    }
}
