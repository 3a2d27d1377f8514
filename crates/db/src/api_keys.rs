use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{api_keys, workspaces};
use crate::workspaces::Workspace;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::ApiKeyView;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl ApiKey {
    pub fn view(&self) -> ApiKeyView {
        ApiKeyView {
            id: self.id,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            scopes: self.scopes.clone(),
            created_by: self.created_by,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
            version: self.version,
        }
    }
}

pub struct NewApiKey<'a> {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: &'a [String],
    pub created_by: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, n: NewApiKey<'_>) -> QueryResult<ApiKey> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(n.id),
            api_keys::workspace_id.eq(n.workspace_id),
            api_keys::name.eq(n.name),
            api_keys::prefix.eq(n.prefix),
            api_keys::secret_hash.eq(n.secret_hash),
            api_keys::scopes.eq(n.scopes),
            api_keys::created_by.eq(n.created_by),
            api_keys::expires_at.eq(n.expires_at),
        ))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
}

/// A live key by its public prefix (not revoked, not expired), with its
/// workspace. It takes the connection shared, to run pipelined with the
/// request's count ([`crate::rate_limits::hit_key`]).
pub async fn find_live_by_prefix(
    mut conn: &AsyncPgConnection,
    prefix: &str,
) -> QueryResult<Option<(ApiKey, Workspace)>> {
    api_keys::table
        .inner_join(workspaces::table)
        .filter(api_keys::prefix.eq(prefix))
        .filter(api_keys::revoked_at.is_null())
        .filter(
            api_keys::expires_at
                .is_null()
                .or(api_keys::expires_at.gt(diesel::dsl::now)),
        )
        .select((ApiKey::as_select(), Workspace::as_select()))
        .first(&mut conn)
        .await
        .optional()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_keys::id.eq(id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .await
        .optional()
}

/// Live keys, newest first.
/// How the API keys list sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeySort {
    CreatedAt,
    Name,
}

impl Sorts for ApiKeySort {
    const LIST: &'static str = "api_keys";
    const FIELDS: &'static [(&'static str, Self)] =
        &[("created_at", Self::CreatedAt), ("name", Self::Name)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = ApiKey;
    fn key(self, k: &ApiKey) -> Key {
        match self {
            Self::CreatedAt => Key::of(k.created_at, k.id),
            Self::Name => Key::of(&k.name, k.id),
        }
    }
}

/// A page of the workspace's keys that are not revoked.
pub async fn list(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    page: &PageRequest<ApiKeySort>,
) -> ListResult<Vec<ApiKey>> {
    let q = api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .into_boxed();
    let q = match page.sort.field {
        ApiKeySort::CreatedAt => page.seek(q, api_keys::created_at, api_keys::id)?,
        ApiKeySort::Name => page.seek(q, api_keys::name, api_keys::id)?,
    };
    Ok(q.load(conn).await?)
}

pub async fn revoke(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
) -> QueryResult<Option<ApiKey>> {
    diesel::update(
        api_keys::table
            .filter(api_keys::workspace_id.eq(workspace_id))
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null())
            .filter(crate::version_matches(api_keys::version, expected_version)),
    )
    .set((
        api_keys::revoked_at.eq(diesel::dsl::now),
        api_keys::version.eq(api_keys::version + 1),
    ))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()
}
