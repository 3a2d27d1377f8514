use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use rapport_domain::problem::FieldCode;
use rapport_domain::problem::FieldError;
use rapport_domain::validate::Validate;
use serde::de::DeserializeOwned;

/// A JSON body that parsed and passed its own validation.
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = json.await.map_err(json_error)?.into_inner();
            body.validate().map_err(ApiError::Validation)?;
            Ok(Valid(body))
        })
    }
}

/// Maps actix's JSON errors onto the API's: 413 too large, 400 not JSON, 422 wrong fields.
pub fn json_error(e: actix_web::Error) -> ApiError {
    let Some(e) = e.as_error::<JsonPayloadError>() else {
        return ApiError::BadRequest(e.to_string());
    };
    match e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::BadRequest("send the body as application/json".into())
        }
        JsonPayloadError::Deserialize(de) => {
            use serde_json::error::Category;
            match de.classify() {
                Category::Data => ApiError::Validation(vec![field_error_from(&de.to_string())]),
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::BadRequest(format!("the body is not valid JSON: {de}"))
                }
            }
        }
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Names the field of a serde error where it can ("missing field `email`", "unknown variant ... for `role`").
fn field_error_from(msg: &str) -> FieldError {
    let between_backticks = |s: &str| -> Option<String> {
        let start = s.find('`')? + 1;
        let end = s[start..].find('`')? + start;
        Some(s[start..end].to_string())
    };
    let message = msg.split(" at line ").next().unwrap_or(msg).to_string();
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = between_backticks(rest).unwrap_or_default();
        return FieldError::new(field, FieldCode::Required, "is required");
    }
    if msg.starts_with("unknown variant") {
        return FieldError::new("", FieldCode::OneOf, message);
    }
    FieldError::new("", FieldCode::Type, message)
}
