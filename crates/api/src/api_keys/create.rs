use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Valid};
use crate::respond::Reply;
use actix_web::post;
use diesel_async::AsyncConnection;
use rapport_db::api_keys::NewApiKey;
use rapport_domain::api::{ApiKeyCreated, CreateApiKeyRequest};
use rapport_domain::problem::FieldCode;
use uuid::Uuid;

/// Create an API key. The secret (`key`) is in this answer only.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKeyRequest,
    responses((status = 201, description = "The key, with its secret shown once", body = ApiKeyCreated)),
    security(("bearer" = ["api_keys:manage"]))
)]
#[post("/api-keys")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::ApiKeysManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreateApiKeyRequest>,
) -> ApiResult<Reply<ApiKeyCreated>> {
    if body.expires_at.is_some_and(|t| t <= chrono::Utc::now()) {
        return Err(ApiError::validation(
            "expires_at",
            FieldCode::Past,
            "must be in the future",
        ));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let prefix = secrets::random_alnum(12);
    let secret = secrets::random_token(32);
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            let key = rapport_db::api_keys::insert(
                conn,
                NewApiKey {
                    id: Uuid::now_v7(),
                    workspace_id: ws,
                    name: body.name.trim(),
                    prefix: &prefix,
                    secret_hash: &rapport_db::sha256(&secret),
                    scopes: &scopes,
                    created_by: caller.user_id(),
                    expires_at: body.expires_at,
                },
            )
            .await?;
            ctx.created(conn, ws, &key).await?;
            let created = ApiKeyCreated {
                id: key.id,
                name: key.name.clone(),
                prefix: key.prefix.clone(),
                scopes: key.scopes.clone(),
                expires_at: key.expires_at,
                key: format!("rpk_{}_{}", key.prefix, secret),
            };
            idem.keep(conn, Reply::created(&created).secret()).await
        })
        .await?;
    Ok(reply)
}
