//! Finance: what students pay for their sessions (rates), what tutors earn
//! (pay rates), invoices built from completed sessions with numbers
//! without gaps, credit notes that correct them, payments applied to the
//! oldest open invoice first, and revenue, tutor cost and margin per
//! month, student, tutor and branch. Invoices take on the ledger, credit
//! notes and payments give back; admins see all of it, nobody else any.

pub mod credit_notes;
pub mod invoices;
pub mod packages;
pub mod pay_rates;
pub mod payments;
pub mod pdf;
pub mod rates;
pub mod reports;
pub mod run;

use crate::error::ApiError;
use crate::jobs::schedule::{CatchUp, Schedule};
use rapport_db::finance::packages::PackageRow;
use rapport_db::finance::{CreditNoteRow, InvoiceRow, PayRateRow, RateRow};
use rapport_db::Conn;
use rapport_domain::Permission;
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(rates::list)
        .service(rates::create)
        .service(rates::update)
        .service(rates::delete)
        .service(pay_rates::list)
        .service(pay_rates::create)
        .service(pay_rates::update)
        .service(pay_rates::delete)
        .service(run::run)
        .service(invoices::list)
        .service(invoices::read)
        .service(invoices::pdf)
        .service(invoices::send)
        .service(packages::list)
        .service(packages::create)
        .service(packages::read)
        .service(credit_notes::create)
        .service(credit_notes::pdf)
        .service(payments::record)
        .service(reports::report)
        .service(reports::payouts);
}

/// What an invoice's entry on the ledger is caused by.
pub const INVOICE: &str = "invoice";
/// What a credit note's entry on the ledger is caused by.
pub const CREDIT_NOTE: &str = "credit_note";

impl crate::record::Audited for RateRow {
    const KIND: &'static str = "rate";
    const HEARD_BY: Permission = Permission::FinanceRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

impl crate::record::Audited for PayRateRow {
    const KIND: &'static str = "pay_rate";
    const HEARD_BY: Permission = Permission::FinanceRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

impl crate::record::Audited for PackageRow {
    const KIND: &'static str = "package";
    const HEARD_BY: Permission = Permission::FinanceRead;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "person_id": self.person_id, "name": self.name, "subject": self.subject,
            "sessions": self.sessions, "price_minor": self.price_minor,
            "currency": self.currency, "expires_on": self.expires_on,
            "invoice_id": self.invoice_id,
        })
    }
}

/// An invoice as audited and announced (to those who read finance only:
/// a student's user sees no money here).
pub struct Invoice(pub InvoiceRow);

impl crate::record::Audited for Invoice {
    const KIND: &'static str = "invoice";
    const HEARD_BY: Permission = Permission::FinanceRead;
    fn record_id(&self) -> String {
        self.0.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "number": self.0.number,
            "person_id": self.0.person_id,
            "total_minor": self.0.total_minor,
            "currency": self.0.currency,
            "month": self.0.month,
        })
    }
}

/// A credit note as audited and announced.
pub struct CreditNote(pub CreditNoteRow, pub i64);

impl crate::record::Audited for CreditNote {
    const KIND: &'static str = "credit_note";
    const HEARD_BY: Permission = Permission::FinanceRead;
    fn record_id(&self) -> String {
        self.0.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.0.view(self.1)).unwrap_or_default()
    }
}

/// What is still open of each standing invoice (and tuition charge) of
/// `persons`: each person's debt in a currency falls on their newest
/// invoices, as far as it goes, as payments are applied oldest first.
pub async fn open_amounts(
    conn: &mut Conn,
    ws: Uuid,
    persons: &[Uuid],
) -> Result<HashMap<Uuid, i64>, ApiError> {
    let mut persons = persons.to_vec();
    persons.sort();
    persons.dedup();
    let balances: HashMap<(Uuid, String), i64> =
        rapport_db::payments::balances_of(conn, ws, &persons)
            .await?
            .into_iter()
            .map(|(p, c, b)| ((p, c), b))
            .collect();
    let standing = rapport_db::payments::standing(conn, ws, &persons).await?;
    let mut open = HashMap::new();
    for group in standing.chunk_by(|a, b| a.person_id == b.person_id && a.currency == b.currency) {
        let debt = -balances
            .get(&(group[0].person_id, group[0].currency.clone()))
            .copied()
            .unwrap_or(0);
        for (item, o) in crate::payments::record_payment::open(debt, group) {
            open.insert(item.id, o);
        }
    }
    Ok(open)
}

/// Who an invoice or credit note of `person` goes to: the student's own
/// address (while they are not deleted), then their guardians', each once.
pub async fn recipients(conn: &mut Conn, ws: Uuid, person: Uuid) -> Result<Vec<String>, ApiError> {
    let own = rapport_db::people::find(conn, &crate::extract::Scope::Workspace(ws), person)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .and_then(|p| p.email);
    let guardians = rapport_db::people::guardian_addresses(conn, ws, person).await?;
    let mut to: Vec<String> = Vec::new();
    for address in own.into_iter().chain(guardians) {
        if !to.contains(&address) {
            to.push(address);
        }
    }
    Ok(to)
}

/// The module's job kinds.
pub fn jobs(r: &mut crate::jobs::Registry) {
    r.register::<run::InvoiceMonth>();
}

/// Each day, every workspace with finance on invoices the month before
/// (in its time zone) once the month is over: the first run after the
/// first of a month invoices it, the others find nothing left; a run
/// missed while no instance ran is made up by the next.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "finance.invoice_month",
        chrono::Duration::hours(6),
        CatchUp::Latest,
        |_| run::InvoiceMonth { workspace_id: None },
    ));
}

/// What finance holds of a person: their rates, packages, invoices and
/// credit notes.
/// An erasure removes the credit notes' reasons (they may name them); the
/// amounts stay, as on the ledger.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "finance",
        tables: &[
            "rates",
            "invoices",
            "invoice_lines",
            "credit_notes",
            "finance_months",
            "finance_years",
            "packages",
            "package_uses",
        ],
        export: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let (invoices, notes, rates) =
                    rapport_db::finance::of_person(conn, ws, s.person.id).await?;
                let numbers: HashMap<Uuid, i64> =
                    invoices.iter().map(|i| (i.id, i.number)).collect();
                let open = open_amounts(conn, ws, &[s.person.id]).await?;
                let mut shown = Vec::new();
                for i in &invoices {
                    // What they were charged; what the tutor was paid is not theirs.
                    let mut lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
                    for l in &mut lines {
                        l.cost_minor = 0;
                    }
                    let count = lines.len() as i64;
                    shown.push(i.view(open.get(&i.id).copied().unwrap_or(0), &lines, count));
                }
                let packages =
                    rapport_db::finance::packages::of_person(conn, ws, s.person.id).await?;
                let mut sold = Vec::new();
                for p in &packages {
                    sold.push(packages::view(conn, ws, p).await?);
                }
                Ok(serde_json::json!({
                    "rates": rates.iter().map(|r| r.view()).collect::<Vec<_>>(),
                    "packages": sold,
                    "invoices": shown,
                    "credit_notes": notes
                        .iter()
                        .map(|n| n.view(numbers.get(&n.invoice_id).copied().unwrap_or(0)))
                        .collect::<Vec<_>>(),
                }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let person = s.person.id;
                let (invoices, notes, _) = rapport_db::finance::of_person(conn, ws, person).await?;
                rapport_db::finance::erase_reasons(conn, ws, person).await?;
                let mut n = notes.len() as u64;
                let by = s.by();
                let ids: Vec<String> = notes.iter().map(|c| c.id.to_string()).collect();
                n += rapport_db::privacy::erase_entries(conn, ws, "credit_note", &ids, &by).await?;
                let ids: Vec<String> = invoices.iter().map(|i| i.id.to_string()).collect();
                n += rapport_db::privacy::erase_entries(conn, ws, "invoice", &ids, &by).await?;
                let packages = rapport_db::finance::packages::of_person(conn, ws, person).await?;
                let ids: Vec<String> = packages.iter().map(|p| p.id.to_string()).collect();
                n += rapport_db::privacy::erase_entries(conn, ws, "package", &ids, &by).await?;
                Ok(n)
            })
        },
    });
}
