//! A request body of bytes (a file), read up to a limit: a 413 as soon as
//! it passes it, before the rest is read.

use crate::error::ApiError;
use actix_web::web;
use futures::StreamExt;

/// `body`, whole, if it is at most `max` bytes.
pub async fn read_at_most(mut body: web::Payload, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        if bytes.len() + chunk.len() > max {
            return Err(ApiError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.to_vec())
}
