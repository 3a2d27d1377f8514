//! The one sequence of a change to a stored record, inside its transaction:
//!
//! ```ignore
//! let before = rapport_db::notes::find(conn, ws, id).await?.found()?;      // 404
//! let after = rapport_db::notes::update(conn, ws, id, &patch, if_match.0)
//!     .await?
//!     .current()?;                                                     // 412
//! ctx.changed(conn, ws, "updated", &before, &after).await?;            // audit + event
//! ```
//!
//! A kind of record says once, as [`Audited`], what its audit entries and
//! events carry; `ctx.created`, `ctx.changed` and `ctx.removed` write the
//! entry (with the fields that changed, before and after) and the event
//! together.

use crate::error::ApiError;
use crate::extract::ctx::{Change, Ctx};
use crate::extract::Scope;
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use rapport_db::Conn;
use rapport_domain::Permission;
use serde_json::{Map, Value};
use std::future::Future;
use uuid::Uuid;

/// A stored record looked up, or updated on condition of its version.
pub trait Found<T> {
    /// 404 when there is no such record in the workspace.
    fn found(self) -> Result<T, ApiError>;
    /// 412 when the conditional change matched nothing: the version moved on.
    fn current(self) -> Result<T, ApiError>;
}

impl<T> Found<T> for Option<T> {
    fn found(self) -> Result<T, ApiError> {
        self.ok_or(ApiError::NotFound)
    }

    fn current(self) -> Result<T, ApiError> {
        self.ok_or(ApiError::PreconditionFailed)
    }
}

/// A kind of record whose changes are audited and announced.
pub trait Audited {
    /// The record type of its audit entries and the first half of its
    /// actions and event types (`member` → `member.updated`).
    const KIND: &'static str;
    /// Who hears of its changes on the live events.
    const HEARD_BY: Permission;
    fn record_id(&self) -> String;
    /// Who hears of this one's changes: [`Self::HEARD_BY`] unless the
    /// record says otherwise (a sensitive field, heard of by those who may
    /// see its values).
    fn heard_by(&self) -> Permission {
        Self::HEARD_BY
    }
    /// Its fields as the audit trail shows them: an object, never a secret.
    fn audited(&self) -> Value;
    /// The event's `data` (by default the audited fields).
    fn event(&self) -> Value {
        self.audited()
    }
    /// A user who hears of the change whatever their role (its subject).
    fn subject_user_id(&self) -> Option<Uuid> {
        None
    }
    /// A job to queue with each change, in its transaction: how a module
    /// follows up its records' changes (scheduling's invitations).
    fn follow_up(&self) -> Option<crate::jobs::Queued> {
        None
    }
}

/// A kind of record deleted softly: it can be restored for 30 days, then a
/// job purges it. Its module says how to lock one and stamp it; deleting
/// and restoring are then [`Ctx::delete_softly`] and [`Ctx::restore`].
pub trait SoftDeleted: Audited + Sized + Send + Sync {
    fn deleted_at(&self) -> Option<DateTime<Utc>>;
    fn version(&self) -> i32;
    /// The record of `ws` that `scope` may see, locked (deleted or not).
    fn lock(
        conn: &mut Conn,
        ws: Uuid,
        scope: &Scope,
        id: Uuid,
    ) -> impl Future<Output = QueryResult<Option<Self>>> + Send;
    /// Deletes or restores it at `version`; `None` when the version moved on.
    fn set_deleted(
        conn: &mut Conn,
        ws: Uuid,
        id: Uuid,
        version: i32,
        deleted: bool,
    ) -> impl Future<Output = QueryResult<Option<Self>>> + Send;
    /// What must hold before it comes back (a person's member may have
    /// become another person meanwhile).
    fn may_restore(
        &self,
        conn: &mut Conn,
        ws: Uuid,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// Fields the entry already says (its record's id, its time) or that change
/// with every write and say nothing of it.
const UNTOLD: [&str; 4] = ["id", "created_at", "version", "updated_at"];

/// `{"field": {"before": .., "after": ..}}` for each field that differs.
pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        if UNTOLD.contains(&key.as_str()) {
            continue;
        }
        let (old, new) = (b.get(key), a.get(key));
        if old != new {
            let mut pair = Map::new();
            if let Some(old) = old {
                pair.insert("before".into(), old.clone());
            }
            if let Some(new) = new {
                pair.insert("after".into(), new.clone());
            }
            out.insert(key.clone(), Value::Object(pair));
        }
    }
    Value::Object(out)
}

fn action<R: Audited>(verb: &str) -> String {
    format!("{}.{verb}", R::KIND)
}

impl Ctx {
    /// Records that `after` was created in workspace `ws`.
    pub async fn created<R: Audited>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        after: &R,
    ) -> Result<(), ApiError> {
        let changes = diff(&Value::Null, &after.audited());
        self.write(conn, ws, "created", after, changes).await
    }

    /// Records that `before` became `after` (`verb`: `updated`, `revoked`, ...).
    pub async fn changed<R: Audited>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        verb: &str,
        before: &R,
        after: &R,
    ) -> Result<(), ApiError> {
        let changes = diff(&before.audited(), &after.audited());
        self.write(conn, ws, verb, after, changes).await
    }

    /// Records that `before` is gone (`verb`: `removed`, `deleted`).
    pub async fn removed<R: Audited>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        verb: &str,
        before: &R,
    ) -> Result<(), ApiError> {
        let changes = diff(&before.audited(), &Value::Null);
        self.write(conn, ws, verb, before, changes).await
    }

    async fn write<R: Audited>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        verb: &str,
        record: &R,
        changes: Value,
    ) -> Result<(), ApiError> {
        let action = action::<R>(verb);
        self.record(
            conn,
            Change {
                workspace_id: ws,
                action: &action,
                record_type: R::KIND,
                record_id: Some(record.record_id()),
                changes,
                data: Some(record.event()),
                permission: record.heard_by(),
                subject_user_id: record.subject_user_id(),
            },
        )
        .await?;
        if let Some(job) = record.follow_up() {
            job.enqueue(conn).await?;
        }
        Ok(())
    }
}

impl Ctx {
    /// Deletes record `id` softly, in the caller's transaction: 404 when the
    /// caller may not see it or it is deleted already, 412 when `if_match`
    /// names another version; audited and announced as `<kind>.deleted`.
    pub async fn delete_softly<R: SoftDeleted>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        scope: &Scope,
        id: Uuid,
        if_match: Option<i32>,
    ) -> Result<(), ApiError> {
        let before = R::lock(conn, ws, scope, id)
            .await?
            .filter(|r| r.deleted_at().is_none())
            .found()?;
        if if_match.is_some_and(|v| v != before.version()) {
            return Err(ApiError::PreconditionFailed);
        }
        let after = R::set_deleted(conn, ws, id, before.version(), true)
            .await?
            .current()?;
        self.changed(conn, ws, "deleted", &before, &after).await
    }

    /// Brings record `id` back as it was, in the caller's transaction;
    /// restoring what is not deleted changes nothing. Audited and announced
    /// as `<kind>.restored`.
    pub async fn restore<R: SoftDeleted>(
        &self,
        conn: &mut Conn,
        ws: Uuid,
        scope: &Scope,
        id: Uuid,
        if_match: Option<i32>,
    ) -> Result<R, ApiError> {
        let before = R::lock(conn, ws, scope, id).await?.found()?;
        if before.deleted_at().is_none() {
            return Ok(before);
        }
        if if_match.is_some_and(|v| v != before.version()) {
            return Err(ApiError::PreconditionFailed);
        }
        before.may_restore(conn, ws).await?;
        let after = R::set_deleted(conn, ws, id, before.version(), false)
            .await?
            .current()?;
        self.changed(conn, ws, "restored", &before, &after).await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_diff_names_each_changed_field_once_and_nothing_else() {
        let before = json!({"id": 1, "role": "staff", "name": "Ann", "version": 1, "gone": true});
        let after = json!({"id": 2, "role": "admin", "name": "Ann", "version": 2, "new": 5});
        assert_eq!(
            diff(&before, &after),
            json!({
                "role": {"before": "staff", "after": "admin"},
                "gone": {"before": true},
                "new": {"after": 5},
            })
        );
        assert_eq!(
            diff(&Value::Null, &json!({"a": 1})),
            json!({"a": {"after": 1}})
        );
        assert_eq!(diff(&before, &before), json!({}));
    }
}
