//! One action on many records of a list at once — tag, assign, delete —
//! in one transaction, each record changed audited and announced as if
//! changed alone. A module's list offers it by saying, for its records,
//! how to lock many and change their tags and their member ([`Bulk`]); its
//! route is then a few lines around [`run`].

use crate::error::ApiError;
use crate::extract::{Ctx, Scope};
use crate::record::{Found, SoftDeleted};
use rapport_db::Conn;
use rapport_domain::api::{BulkRequest, BulkResult};
use rapport_domain::problem::{FieldCode, FieldError};
use rapport_domain::validate::{tidy_tags, TAGS_MAX};
use rapport_domain::Permission;
use std::future::Future;
use uuid::Uuid;

/// A kind of record a list can act on many of at once.
pub trait Bulk: SoftDeleted {
    /// What deleting them needs besides writing them.
    const DELETE: Permission;
    fn id(&self) -> Uuid;
    fn tags(&self) -> &[String];
    /// The member it is given to: a person's or organisation's owner, a
    /// group's leader.
    fn member(&self) -> Option<Uuid>;
    /// The live records `ids` of `ws` that `scope` may see, locked in the
    /// order of their ids.
    fn lock_many(
        conn: &mut Conn,
        ws: Uuid,
        scope: &Scope,
        ids: &[Uuid],
    ) -> impl Future<Output = diesel::QueryResult<Vec<Self>>> + Send;
    /// Sets its tags, or its member, at `version`.
    fn set(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        tags: Option<Vec<String>>,
        member: Option<Option<Uuid>>,
    ) -> impl Future<Output = diesel::QueryResult<Option<Self>>> + Send;
    /// 422 when `member` is not a member of `ws`, naming the field.
    fn check_member(
        conn: &mut Conn,
        ws: Uuid,
        member: Uuid,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// Carries out `body` on the records of `ws` that `scope` may see, in the
/// caller's transaction. Ids the caller may not change are skipped.
pub async fn run<R: Bulk>(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    scope: &Scope,
    body: &BulkRequest,
) -> Result<BulkResult, ApiError> {
    let mut ids = body.ids().to_vec();
    ids.sort();
    ids.dedup();
    if let BulkRequest::Assign {
        owner_id: Some(member),
        ..
    } = body
    {
        R::check_member(conn, ws, *member).await?;
    }
    let records = R::lock_many(conn, ws, scope, &ids).await?;
    let mut changed = Vec::with_capacity(records.len());
    for before in &records {
        let (tags, member) = match body {
            BulkRequest::Delete { .. } => (None, None),
            BulkRequest::Tag { add, remove, .. } => {
                let remove = tidy_tags(remove);
                let mut tags = before.tags().to_vec();
                tags.extend(tidy_tags(add));
                let tags: Vec<String> = tidy_tags(&tags)
                    .into_iter()
                    .filter(|t| !remove.contains(t))
                    .collect();
                if tags == before.tags() {
                    continue;
                }
                if tags.len() > TAGS_MAX {
                    return Err(ApiError::Validation(vec![FieldError::new(
                        "add",
                        FieldCode::TooLong,
                        format!(
                            "{} would carry {} tags; a record carries at most {TAGS_MAX}",
                            before.id(),
                            tags.len()
                        ),
                    )
                    .with("max", TAGS_MAX)]));
                }
                (Some(tags), None)
            }
            BulkRequest::Assign { owner_id, .. } => {
                if *owner_id == before.member() {
                    continue;
                }
                (None, Some(*owner_id))
            }
        };
        let (id, version) = (before.id(), before.version());
        let after = match body {
            BulkRequest::Delete { .. } => R::set_deleted(conn, ws, id, version, true).await?,
            _ => R::set(conn, ws, id, version, tags, member).await?,
        }
        .current()?;
        let verb = match body {
            BulkRequest::Delete { .. } => "deleted",
            _ => "updated",
        };
        ctx.changed(conn, ws, verb, before, &after).await?;
        changed.push(id);
    }
    let skipped = ids
        .into_iter()
        .filter(|id| !records.iter().any(|r| r.id() == *id))
        .collect();
    Ok(BulkResult { changed, skipped })
}
