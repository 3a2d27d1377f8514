//! The ledger: money and medals as append-only entries per person, with
//! balances kept beside them in the same transaction. Admins add manual
//! entries and correct any entry by a compensating one; the school's
//! medals and store and the finance module write theirs through
//! [`post`]. Who sees what: owners and admins everything; other staff the
//! medals only (no money); a member the entries and balances of the people
//! linked to them, money included.

pub mod balances;
pub mod correct;
pub mod create;
pub mod list;

use crate::error::ApiError;
use crate::extract::{Caller, Ctx, Scope};
use rapport_db::ledger::{EntryRow, View};
use rapport_db::Conn;
use rapport_domain::problem::Code;
use rapport_domain::{Permission, Role};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(balances::balances)
        .service(correct::correct);
}

/// A member sees the entries of the people linked to them, and a school's
/// teacher those of their classes' students; every other role and API key
/// the workspace's.
pub type Policy = crate::people::Policy;

/// What of the ledger `caller` sees, in `scope`: staff without
/// `money:read` (a teacher, a moderator) see medals only; a member sees
/// their own money too where they are charged tuition (the `payments`
/// module: a school's students), and elsewhere none (a tutoring business's
/// users see no money).
pub fn view_of(caller: &Caller, scope: Scope) -> View {
    let own_money = caller.role == Role::Member
        && caller
            .workspace
            .has_module(rapport_domain::Module::Payments);
    let medals_only = !own_money && !caller.allows(Permission::MoneyRead);
    View { scope, medals_only }
}

/// An entry as audited and announced: its person's own user hears of it.
pub struct Entry {
    pub row: EntryRow,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for Entry {
    const KIND: &'static str = "ledger_entry";
    const HEARD_BY: Permission = Permission::MoneyRead;
    fn record_id(&self) -> String {
        self.row.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.row.view(None)).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// What an entry says, before it is written.
pub struct Posting<'a> {
    pub person_id: Uuid,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    /// What caused it, and its id.
    pub cause: Option<(String, String)>,
    pub corrects: Option<Uuid>,
}

/// Writes `p` on the ledger of `ws`, audited and announced, in the caller's
/// transaction: the person's balance moves with it. A medal balance that
/// would go below zero answers 409 `insufficient` and writes nothing.
pub async fn post(conn: &mut Conn, ctx: &Ctx, ws: Uuid, p: Posting<'_>) -> Result<Entry, ApiError> {
    // A new entry is for a live person; a correction follows its entry.
    let person = rapport_db::people::find(conn, &Scope::Workspace(ws), p.person_id)
        .await?
        // A credit note corrects an invoice: a student deleted since keeps
        // what they were charged, and gets it back.
        .filter(|person| {
            p.corrects.is_some()
                || person.deleted_at.is_none()
                || p.cause
                    .as_ref()
                    .is_some_and(|(t, _)| t == crate::finance::CREDIT_NOTE)
        })
        .ok_or_else(|| {
            ApiError::validation(
                "person_id",
                rapport_domain::problem::FieldCode::Unknown,
                "no such person in this workspace",
            )
        })?;
    let row = EntryRow {
        workspace_id: ws,
        id: Uuid::now_v7(),
        person_id: p.person_id,
        amount_minor: p.amount_minor,
        currency: p.currency.to_string(),
        reason: p.reason.trim().to_string(),
        cause_type: p.cause.as_ref().map(|(t, _)| t.clone()),
        cause_id: p.cause.map(|(_, id)| id),
        corrects: p.corrects,
        actor_kind: ctx.actor_kind.as_str().to_string(),
        actor_id: ctx.actor_id,
        created_at: chrono::Utc::now(),
    };
    let row = rapport_db::ledger::insert(conn, &row)
        .await
        .map_err(|e| match &e {
            diesel::result::Error::DatabaseError(_, info)
                if info.constraint_name() == Some("ledger_medals_not_negative") =>
            {
                ApiError::conflict(
                    Code::Insufficient,
                    format!("not enough {} for this", p.currency),
                )
            }
            _ => ApiError::from(e),
        })?;
    // The person's own user hears of their medals, and of their money
    // where they see it (see `view_of`).
    let told = rapport_domain::ledger::is_medal(p.currency)
        || rapport_db::workspaces::find(conn, ws)
            .await?
            .is_some_and(|w| w.has_module(rapport_domain::Module::Payments));
    let entry = Entry {
        row,
        subject: person.user_id.filter(|_| told),
    };
    ctx.created(conn, ws, &entry).await?;
    Ok(entry)
}

/// What the ledger holds of a person: their entries and balances. An
/// erasure replaces the reasons of their entries by "(erased)" and erases
/// the entries' audit records; the amounts stay (they hold nothing but the
/// person's id, their record anonymised), so that every sum stays right.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "ledger",
        tables: &["ledger_entries", "ledger_balances"],
        export: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let entries = rapport_db::ledger::of_person(conn, ws, s.person.id).await?;
                let balances = rapport_db::ledger::balances(conn, ws, s.person.id, false).await?;
                Ok(serde_json::json!({
                    "entries": entries.iter().map(|e| e.view(None)).collect::<Vec<_>>(),
                    "balances": balances.iter().map(|b| b.view()).collect::<Vec<_>>(),
                }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let entries = rapport_db::ledger::of_person(conn, ws, s.person.id).await?;
                let ids: Vec<String> = entries.iter().map(|e| e.id.to_string()).collect();
                let erased = rapport_db::ledger::erase_reasons(conn, ws, s.person.id).await?;
                let audit =
                    rapport_db::privacy::erase_entries(conn, ws, "ledger_entry", &ids, &s.by())
                        .await?;
                Ok(erased as u64 + audit)
            })
        },
    });
}
