//! Access tokens: HS256 JWTs of 15 minutes naming user, workspace and role.

use crate::error::ApiError;
use crate::state::AppState;
use jsonwebtoken::{decode, encode, Algorithm, Header, Validation};
use rapport_domain::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The workspace.
    pub ws: Uuid,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The refresh family this token was issued with, so sign-out can name it.
    pub fam: Uuid,
}

pub fn issue_access(
    state: &AppState,
    user: Uuid,
    workspace: Uuid,
    role: Role,
    family: Uuid,
) -> Result<String, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user,
        ws: workspace,
        role,
        iat: now,
        exp: now + state.config.access_ttl_secs,
        jti: Uuid::now_v7(),
        fam: family,
    };
    encode(&Header::new(Algorithm::HS256), &claims, &state.encoding_key).map_err(ApiError::internal)
}

/// Checks signature, algorithm (HS256 only: `none` and others are refused) and expiry.
pub fn decode_access(state: &AppState, token: &str) -> Result<Claims, ApiError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 5;
    v.set_required_spec_claims(&["exp", "iat", "sub"]);
    decode::<Claims>(token, &state.decoding_key, &v)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                ApiError::Unauthorized("the access token has expired; refresh it".into())
            }
            _ => ApiError::Unauthorized("the access token is not valid".into()),
        })
}
