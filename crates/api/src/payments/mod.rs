//! Tuition: fee plans (a monthly amount for a class's students or for one
//! student), discounts, the monthly charges the plans make, payments
//! applied to the oldest open charge first with a receipt numbered without
//! gaps, and what is owed and since when. Charges and payments are entries
//! on the ledger; admins see everything, a student their own, teachers
//! nothing.

pub mod charge_run;
pub mod create_plan;
pub mod debts;
pub mod delete_discount;
pub mod delete_plan;
pub mod list_charges;
pub mod list_discounts;
pub mod list_payments;
pub mod list_plans;
pub mod read_payment;
pub mod receipt;
pub mod record_payment;
pub mod set_discount;
pub mod update_plan;
pub mod void_charge;

use crate::error::ApiError;
use crate::jobs::schedule::{CatchUp, Schedule};
use chrono::{NaiveDate, Utc};
use rapport_db::payments::{ChargeRow, DiscountRow, PaymentRow, PlanRow};
use rapport_db::Conn;
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_plans::list)
        .service(create_plan::create)
        .service(update_plan::update)
        .service(delete_plan::delete)
        .service(list_discounts::list)
        .service(set_discount::set)
        .service(delete_discount::delete)
        .service(list_charges::list)
        .service(charge_run::run)
        .service(void_charge::void)
        .service(list_payments::list)
        .service(record_payment::record)
        .service(read_payment::read)
        .service(receipt::receipt)
        .service(debts::debts);
}

/// A member sees their own charges, payments and debt; every other role
/// and key with the permission the workspace's.
pub type Policy = crate::people::Policy;

/// What a charge's entry on the ledger is caused by.
pub const CHARGE: &str = "tuition_charge";
/// What a payment's entry on the ledger is caused by.
pub const PAYMENT: &str = "payment";

/// Today in the time zone of `ws`.
pub async fn today(conn: &mut Conn, ws: Uuid) -> Result<NaiveDate, ApiError> {
    Ok(rapport_db::groups::today(conn, ws).await?)
}

pub fn today_in(zone: &str) -> NaiveDate {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    Utc::now().with_timezone(&tz).date_naive()
}

/// An amount as people read it: `120.00 USD`.
pub fn spoken(amount_minor: i64, currency: &str) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let a = amount_minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", a / 100, a % 100)
}

/// A month as people read it: `December 2026`.
pub fn month_name(m: NaiveDate) -> String {
    m.format("%B %Y").to_string()
}

impl crate::record::Audited for PlanRow {
    const KIND: &'static str = "fee_plan";
    const HEARD_BY: Permission = Permission::PaymentsManage;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

impl crate::record::Audited for DiscountRow {
    const KIND: &'static str = "fee_discount";
    const HEARD_BY: Permission = Permission::PaymentsManage;
    fn record_id(&self) -> String {
        self.person_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
}

/// A charge as audited and announced: the student's own user hears of it.
pub struct Charge {
    pub row: ChargeRow,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for Charge {
    const KIND: &'static str = "tuition_charge";
    const HEARD_BY: Permission = Permission::PaymentsManage;
    fn record_id(&self) -> String {
        self.row.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.row.view()).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// A payment as audited and announced: the student's own user hears of it.
pub struct Payment {
    pub row: PaymentRow,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for Payment {
    const KIND: &'static str = "payment";
    const HEARD_BY: Permission = Permission::PaymentsManage;
    fn record_id(&self) -> String {
        self.row.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.row.view()).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// The module's job kinds.
pub fn jobs(r: &mut crate::jobs::Registry) {
    r.register::<charge_run::ChargeMonth>();
}

/// Each hour, every workspace with a plan is charged for its current
/// month (in its time zone): the first run of a month charges it, the
/// others find it charged; a run missed while no instance ran is made up
/// by the next.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "payments.charge_month",
        chrono::Duration::hours(1),
        CatchUp::Latest,
        |_| charge_run::ChargeMonth { workspace_id: None },
    ));
}

/// What tuition holds of a person: their guardians, charges and payments.
/// An erasure removes the guardians and the payments' notes; the amounts
/// stay, as on the ledger.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "payments",
        tables: &[
            "guardians",
            "fee_plans",
            "fee_discounts",
            "tuition_charges",
            "payments",
        ],
        export: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let guardians = rapport_db::people::guardians(conn, ws, s.person.id).await?;
                let (charges, payments) =
                    rapport_db::payments::of_person(conn, ws, s.person.id).await?;
                Ok(serde_json::json!({
                    "guardians": guardians.iter().map(|g| g.view()).collect::<Vec<_>>(),
                    "charges": charges.iter().map(|c| c.view()).collect::<Vec<_>>(),
                    "payments": payments.iter().map(|p| p.view()).collect::<Vec<_>>(),
                }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let person = s.person.id;
                let guardians = rapport_db::people::guardians(conn, ws, person).await?;
                let mut n = guardians.len() as u64;
                // The statements and receipts sent to them name the student.
                for g in &guardians {
                    if let Some(address) = &g.email {
                        n += rapport_db::mail::delete_to(conn, ws, address).await?;
                    }
                }
                rapport_db::people::set_guardians(conn, ws, person, &[]).await?;
                let (_, payments) = rapport_db::payments::of_person(conn, ws, person).await?;
                n += rapport_db::payments::erase_notes(conn, ws, person).await? as u64;
                let ids: Vec<String> = payments.iter().map(|p| p.id.to_string()).collect();
                let by = s.by();
                n += rapport_db::privacy::erase_entries(conn, ws, "payment", &ids, &by).await?;
                n += rapport_db::privacy::erase_entries(
                    conn,
                    ws,
                    "guardians",
                    &[person.to_string()],
                    &by,
                )
                .await?;
                Ok(n)
            })
        },
    });
}
