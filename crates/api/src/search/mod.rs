//! One search across the workspace's records. Each module that has records
//! to find registers a [`Source`] in [`sources`]: the permission that reads
//! them and a query that keeps to what the caller may see. A search asks
//! every source the caller may read and merges their hits, best first.

use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Caller, Db};
use actix_web::{get, web, web::Json};
use futures::future::BoxFuture;
use rapport_db::search::Search;
use rapport_db::Conn;
use rapport_domain::api::{SearchHit, SearchResults, HITS_MAX, QUERY_MAX};
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(search);
}

/// A source's query: the hits among what the caller may see.
pub type Finder = for<'a> fn(
    &'a mut Conn,
    &'a Caller,
    &'a Search,
) -> BoxFuture<'a, Result<Vec<SearchHit>, ApiError>>;

/// Where a search looks: one kind of record.
pub struct Source {
    /// Who may find these records (the source is skipped for others, and
    /// when the permission's module is off).
    pub permission: Permission,
    pub find: Finder,
}

/// Every source, one line per module.
pub fn sources() -> Vec<Source> {
    let mut s = Vec::new();
    crate::people::search(&mut s);
    crate::organizations::search(&mut s);
    crate::groups::search(&mut s);
    s
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for: words that start words of a name or an address,
    /// or a name written with a typo.
    pub q: String,
    /// How many hits at most, from 1 to 50 (20 by default).
    pub limit: Option<i64>,
}

/// Find people, organisations and groups by name, address or domain:
/// each word as the start of a word, accents ignored, and names alike to
/// the text for typos; best first. Only the records the caller may see.
/// People whose family name, given name or address starts with the text
/// come first: when they fill the page, they are the page. Otherwise,
/// where very many people match (a common word in a big workspace), the
/// best of the first 200 whose words match and of 200 alike are shown:
/// more words narrow it.
#[utoipa::path(
    tag = "search",
    params(SearchQuery),
    responses((status = 200, description = "The hits, best first", body = SearchResults)),
    security(("bearer" = ["workspace:read"]), ("api_key" = ["workspace:read"]))
)]
#[get("/search")]
pub async fn search(
    mut db: Db,
    caller: Authz<perm::WorkspaceRead>,
    query: web::Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let q = query.q.trim();
    if q.is_empty() {
        return Err(ApiError::validation(
            "q",
            FieldCode::Required,
            "is required",
        ));
    }
    if q.chars().count() > QUERY_MAX {
        return Err(ApiError::validation(
            "q",
            FieldCode::TooLong,
            format!("at most {QUERY_MAX} characters"),
        ));
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=HITS_MAX).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            FieldCode::Range,
            format!("must be a whole number from 1 to {HITS_MAX}"),
        ));
    }
    // Nothing to look for (only punctuation): nothing found.
    let Some(words) = rapport_domain::search::prefix_query(q) else {
        return Ok(Json(SearchResults { data: vec![] }));
    };
    let s = Search {
        words,
        text: q.to_lowercase(),
        limit,
    };
    let conn = db.conn().await?;
    let mut hits = Vec::new();
    for source in sources() {
        if caller.allows(source.permission) && caller.module_on(source.permission.module()).is_ok()
        {
            hits.extend((source.find)(conn, &caller, &s).await?);
        }
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(limit as usize);
    Ok(Json(SearchResults { data: hits }))
}
