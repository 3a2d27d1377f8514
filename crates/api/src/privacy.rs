//! Personal data: everything the workspace holds about a person, exported as
//! one document (`GET /people/{id}/personal-data`) and erased on request
//! (`POST /people/{id}/erase`).
//!
//! Each module that keeps personal data registers a [`Holder`] in
//! [`holders`], one line per module, as search sources do: the tables it
//! keeps it in, what it exports and how it erases it. A test lists every
//! table that points at people or holds an e-mail address and fails when
//! one belongs to no holder, so a new module cannot forget.
//!
//! An erasure runs every holder in one transaction, in the order below,
//! while the person's row still says who they were; then the row itself is
//! emptied (the database refuses an erased row that holds anything). Audit
//! entries are erased through the chain's one erasure, so `/audit/verify`
//! still passes; nothing is removed from the ledger of later modules, so
//! totals stay right.

use crate::error::ApiError;
use crate::extract::Ctx;
use futures::future::BoxFuture;
use rapport_db::audit::NewEntry;
use rapport_db::people::PersonRow;
use rapport_db::Conn;
use uuid::Uuid;

/// The person whose data is exported or erased, as they are before.
pub struct Subject<'a> {
    pub workspace_id: Uuid,
    pub person: &'a PersonRow,
    /// Who erases, for the audit entries an erasure writes.
    pub ctx: &'a Ctx,
}

impl Subject<'_> {
    /// The erasure's actor, as the audit chain records it.
    pub fn by(&self) -> NewEntry<'_> {
        NewEntry {
            workspace_id: self.workspace_id,
            actor_kind: self.ctx.actor_kind,
            actor_id: self.ctx.actor_id,
            action: "",
            record_type: "",
            record_id: None,
            changes: serde_json::Value::Null,
            ip: self.ctx.ip.as_deref(),
            user_agent: self.ctx.user_agent.as_deref(),
            request_id: self.ctx.request_id.as_deref(),
        }
    }
}

/// What a holder exports: a JSON value (`null` for nothing).
pub type Exporter =
    for<'a> fn(&'a mut Conn, &'a Subject<'a>) -> BoxFuture<'a, Result<serde_json::Value, ApiError>>;
/// How a holder erases: how many stored items it erased or removed.
pub type Eraser = for<'a> fn(&'a mut Conn, &'a Subject<'a>) -> BoxFuture<'a, Result<u64, ApiError>>;

/// A module that keeps personal data.
pub struct Holder {
    /// Its key in the export and in the erasure's counts.
    pub name: &'static str,
    /// The tables it keeps personal data in.
    pub tables: &'static [&'static str],
    pub export: Exporter,
    pub erase: Eraser,
}

/// Every holder, one line per module, in the order an erasure runs them.
pub fn holders() -> Vec<Holder> {
    let mut h = Vec::new();
    crate::people::privacy(&mut h);
    crate::notes::privacy(&mut h);
    crate::groups::privacy(&mut h);
    crate::scheduling::privacy(&mut h);
    crate::ledger::privacy(&mut h);
    crate::store::privacy(&mut h);
    crate::payments::privacy(&mut h);
    crate::finance::privacy(&mut h);
    crate::imports::privacy(&mut h);
    crate::mail::privacy(&mut h);
    crate::messaging::privacy(&mut h);
    crate::events::privacy(&mut h);
    h.push(Holder {
        name: "idempotency",
        tables: &["idempotency_keys"],
        export: |_, _| Box::pin(async { Ok(serde_json::Value::Null) }),
        erase: |conn, s| {
            Box::pin(
                async move { Ok(rapport_db::privacy::forget_answers(conn, s.person.id).await?) },
            )
        },
    });
    h
}

/// Nothing to export (a holder that only erases).
pub fn nothing<'a>(
    _: &'a mut Conn,
    _: &'a Subject<'a>,
) -> BoxFuture<'a, Result<serde_json::Value, ApiError>> {
    Box::pin(async { Ok(serde_json::Value::Null) })
}

/// A value as the export shows it.
pub fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Audit entries as an export shows them: when, who, what changed (not the
/// actor's address or browser, which are the actor's data, not theirs).
pub fn history(entries: Vec<rapport_db::audit::Listed>) -> serde_json::Value {
    entries
        .into_iter()
        .map(|e| {
            let e = e.into_view();
            serde_json::json!({
                "occurred_at": e.occurred_at,
                "action": e.action,
                "actor": e.actor,
                "changes": e.changes,
            })
        })
        .collect()
}
