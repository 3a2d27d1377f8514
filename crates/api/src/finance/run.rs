//! Invoicing: a student's completed sessions not invoiced yet become one
//! invoice per currency, numbered without gaps, charged on the ledger,
//! e-mailed as a PDF; the sessions are then frozen.

use super::{Invoice, INVOICE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Valid};
use crate::jobs::{Job, JobCtx};
use crate::payments::{month_name, spoken};
use crate::respond::Reply;
use actix_web::post;
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::finance::packages::Settled;
use rapport_db::finance::{Billable, InvoiceRow, LineRow};
use rapport_db::Conn;
use rapport_domain::api::{ActorKind, InvoiceRun, RunInvoices, Unpriced};
use rapport_domain::finance::RateUnit;
use rapport_domain::payments::month_of;
use rapport_domain::problem::FieldCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Days to pay when a run does not say.
pub const DUE_DAYS: i32 = 14;

/// The price of billable session `b` (none: nothing prices it) and its
/// tutor's pay for this student's share (in the price's currency only).
pub fn priced(b: &Billable) -> Option<(String, i64, i64)> {
    let (unit, unit_minor, currency) = (b.unit.as_deref()?, b.unit_minor?, b.currency.clone()?);
    let minutes = i64::from(b.minutes);
    let amount = match unit {
        "fee" => unit_minor,
        u => u.parse::<RateUnit>().ok()?.price(unit_minor, minutes),
    };
    let cost = pay_share(b, &currency);
    Some((currency, amount, cost))
}

/// The tutor's pay for this student's share of billable session `b`, in
/// `currency` only (none in another).
pub fn pay_share(b: &Billable, currency: &str) -> i64 {
    match (&b.pay_unit, b.pay_minor, &b.pay_currency) {
        (Some(u), Some(p), Some(c)) if c == currency => {
            let whole = u
                .parse::<RateUnit>()
                .map(|u| u.price(p, i64::from(b.minutes)))
                .unwrap_or(0);
            let n = b.sharing.max(1);
            whole / n + if b.before == 0 { whole % n } else { 0 }
        }
        _ => 0,
    }
}

/// A line's words: the session's title, day and length.
fn describe(b: &Billable) -> String {
    let mut d = format!(
        "{} — {}, {} min",
        b.title,
        b.day.format("%-d %b %Y"),
        b.minutes
    );
    if d.chars().count() > 300 {
        d = d.chars().take(300).collect();
    }
    d
}

/// How a run invoices: a month (or, with none, everything up to now), of
/// one student or everyone, issued on a day (today when none) with days
/// to pay.
pub struct Run {
    pub month: Option<NaiveDate>,
    pub person: Option<Uuid>,
    pub issued_on: Option<NaiveDate>,
    pub due_days: i32,
    /// A draft, rolled back by the caller: nothing is mailed.
    pub draft: bool,
}

/// Invoices what `asked` names that is not invoiced yet, in the caller's
/// transaction, under the workspace's invoicing hold: what another run
/// invoiced meanwhile is not invoiced again.
pub async fn invoice(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    asked: Run,
) -> Result<InvoiceRun, ApiError> {
    let Run {
        month,
        person,
        issued_on,
        due_days,
        draft,
    } = asked;
    rapport_db::finance::hold(conn, ws).await?;
    rapport_db::finance::lock_billable(conn, ws, month, person).await?;
    let billable = rapport_db::finance::billable(conn, ws, month, person).await?;
    let today = match issued_on {
        Some(d) => d,
        None => crate::payments::today(conn, ws).await?,
    };
    let mut unpriced = Vec::new();
    // Per student and currency, in the order found (by student, then time).
    let mut groups: Vec<((Uuid, String), Vec<LineRow>)> = Vec::new();
    let mut prepaid = Vec::new();
    for b in &billable {
        if let (Some(_), Some(currency)) = (b.package_id, &b.package_currency) {
            prepaid.push(Settled {
                session_id: b.session_id,
                person_id: b.person_id,
                month: b.month,
                minutes: b.minutes,
                tutor_id: b.host_id,
                branch_id: b.branch_id,
                cost_minor: pay_share(b, currency),
            });
            continue;
        }
        let Some((currency, amount, cost)) = priced(b) else {
            unpriced.push(Unpriced {
                session_id: b.session_id,
                person_id: b.person_id,
                title: b.title.clone(),
                starts_at: b.starts_at,
            });
            continue;
        };
        let key = (b.person_id, currency);
        if groups.last().is_none_or(|(k, _)| *k != key) {
            groups.push((key.clone(), Vec::new()));
        }
        let lines = &mut groups.last_mut().expect("a group").1;
        lines.push(LineRow {
            workspace_id: ws,
            invoice_id: Uuid::nil(),
            line: lines.len() as i32 + 1,
            person_id: b.person_id,
            session_id: Some(b.session_id),
            description: describe(b),
            month: b.month,
            minutes: b.minutes,
            tutor_id: b.host_id,
            branch_id: b.branch_id,
            unit: b.unit.clone().unwrap_or_default(),
            unit_minor: b.unit_minor.unwrap_or(0),
            amount_minor: amount,
            cost_minor: cost,
            credited_minor: 0,
            released: false,
            package_id: None,
        });
    }
    let mut made = Vec::new();
    for ((person, currency), lines) in groups {
        let total: i64 = lines.iter().map(|l| l.amount_minor).sum();
        if total <= 0 {
            // Free sessions owe nothing: no invoice.
            continue;
        }
        let invoice = Issue {
            person,
            currency,
            month,
            issued_on: today,
            due_days,
            mail: !draft,
        };
        let (row, lines) = issue(conn, ctx, ws, invoice, lines).await?;
        made.push(row.view(row.total_minor, &[], lines.len() as i64));
    }
    rapport_db::finance::packages::settle(conn, ws, &prepaid).await?;
    // A new invoice is all open unless the student had paid in advance.
    let persons: Vec<Uuid> = made.iter().map(|i| i.person_id).collect();
    let open = super::open_amounts(conn, ws, &persons).await?;
    for i in &mut made {
        i.open_minor = open.get(&i.id).copied().unwrap_or(0);
    }
    Ok(InvoiceRun {
        month,
        preview: false,
        invoices: made,
        unpriced,
        prepaid: prepaid.len() as i64,
    })
}

/// Whom an invoice is for and when it is issued.
pub struct Issue {
    pub person: Uuid,
    pub currency: String,
    /// The month it bills, none for one made on demand.
    pub month: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    pub due_days: i32,
    /// Mailed to the student and guardians (not for a draft).
    pub mail: bool,
}

/// Issues an invoice of `lines` (whose invoice id and numbers it fills
/// in) in the caller's transaction: numbered next, charged on the ledger,
/// mailed as a PDF and announced.
pub async fn issue(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    invoice: Issue,
    mut lines: Vec<LineRow>,
) -> Result<(InvoiceRow, Vec<LineRow>), ApiError> {
    let Issue {
        person,
        currency,
        month,
        issued_on,
        due_days,
        mail,
    } = invoice;
    let total: i64 = lines.iter().map(|l| l.amount_minor).sum();
    let id = Uuid::now_v7();
    let number = rapport_db::finance::next_number(conn, ws, "invoice").await?;
    let entry = crate::ledger::post(
        conn,
        ctx,
        ws,
        crate::ledger::Posting {
            person_id: person,
            amount_minor: -total,
            currency: &currency,
            reason: &format!("Invoice No. {number}"),
            cause: Some((INVOICE.into(), id.to_string())),
            corrects: None,
        },
    )
    .await?;
    let row = rapport_db::finance::insert_invoice(
        conn,
        &InvoiceRow {
            workspace_id: ws,
            id,
            number,
            person_id: person,
            currency,
            total_minor: total,
            credited_minor: 0,
            month,
            issued_on,
            due_on: issued_on + chrono::Duration::days(i64::from(due_days)),
            entry_id: entry.row.id,
            created_by: ctx.actor_id,
            created_at: chrono::Utc::now(),
            sent_at: None,
        },
    )
    .await?;
    for (n, l) in lines.iter_mut().enumerate() {
        l.invoice_id = id;
        l.line = n as i32 + 1;
    }
    rapport_db::finance::insert_lines(conn, &lines).await?;
    let row = if mail && !send(conn, ws, &row, &lines).await?.is_empty() {
        rapport_db::finance::mark_sent(conn, ws, id, chrono::Utc::now()).await?
    } else {
        row
    };
    ctx.created(conn, ws, &Invoice(row.clone())).await?;
    Ok((row, lines))
}

/// The invoice, as a PDF, to the student's address and their guardians':
/// the addresses it went to (none when they have none).
pub(super) async fn send(
    conn: &mut Conn,
    ws: Uuid,
    i: &InvoiceRow,
    lines: &[LineRow],
) -> Result<Vec<String>, ApiError> {
    let to = super::recipients(conn, ws, i.person_id).await?;
    if to.is_empty() {
        return Ok(to);
    }
    let who = super::pdf::parties(conn, ws, i.person_id).await?;
    let pdf = super::pdf::invoice(i, lines, &who);
    let period = i
        .month
        .map(|m| format!(" for {}", month_name(m)))
        .unwrap_or_default();
    let subject = format!("Invoice No. {}{period} — {}", i.number, who.business);
    let body = format!(
        "Invoice No. {} for {}: {}, to pay by {}.\nThe invoice is attached.\n",
        i.number,
        who.student,
        spoken(i.total_minor, &i.currency),
        i.due_on.format("%-d %B %Y"),
    );
    let name = format!("invoice-{}.pdf", i.number);
    for address in &to {
        crate::mail::queue_attached(conn, ws, address, &subject, &body, (&name, &pdf)).await?;
    }
    Ok(to)
}

/// Invoice completed sessions not invoiced yet: a month's (its first day;
/// one that has begun), of one student or everyone, or with no month all
/// of one student's up to now. One invoice per student and currency,
/// numbered without gaps, charged on the ledger and e-mailed as a PDF to
/// the student and their guardians; sessions no fee or rate prices are
/// listed in `unpriced`. Running it again invoices nothing twice; two
/// runs at once invoice each session once. With `preview` it drafts the
/// same invoices and keeps none of them (no number is taken, nothing is
/// charged or mailed). Honours `Idempotency-Key`.
#[utoipa::path(
    tag = "finance",
    request_body = RunInvoices,
    responses((status = 200, description = "What was invoiced", body = InvoiceRun)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/invoices/run")]
pub async fn run(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<RunInvoices>,
) -> ApiResult<Reply<InvoiceRun>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    if let Some(m) = body.month {
        if m > month_of(crate::payments::today(conn, ws).await?) {
            return Err(ApiError::validation(
                "month",
                FieldCode::Range,
                "a month that has begun",
            ));
        }
    }
    let due = body.due_days.unwrap_or(DUE_DAYS);
    let asked = |draft: bool| Run {
        month: body.month,
        person: body.person_id,
        issued_on: None,
        due_days: due,
        draft,
    };
    if body.preview {
        // Drafted in a transaction that is always rolled back.
        let drafted = conn
            .transaction::<(), Drafted, _>(async |conn| {
                let done = invoice(conn, &ctx, ws, asked(true)).await?;
                Err(Drafted::Done(Box::new(done)))
            })
            .await;
        return match drafted {
            Err(Drafted::Done(done)) => Ok(Reply::ok(&InvoiceRun {
                preview: true,
                ..*done
            })),
            Err(Drafted::Failed(e)) => Err(e),
            Ok(()) => Err(ApiError::Internal(anyhow::anyhow!("a draft was kept"))),
        };
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        let done = invoice(conn, &ctx, ws, asked(false)).await?;
        idem.keep(conn, Reply::ok(&done)).await
    })
    .await
}

/// Tells those who manage finance, in their inbox, what a monthly run
/// did on its own: how many invoices, for how much, what it settled as
/// prepaid, and what it could not price. Nothing when it issued and
/// settled nothing (the runs every six hours after the first do not
/// repeat what is still unpriced).
async fn tell(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    month: NaiveDate,
    done: &InvoiceRun,
) -> Result<(), ApiError> {
    if done.invoices.is_empty() && done.prepaid == 0 {
        return Ok(());
    }
    let mut totals: Vec<(String, i64)> = Vec::new();
    for i in &done.invoices {
        match totals.iter_mut().find(|(c, _)| *c == i.total.currency) {
            Some((_, t)) => *t += i.total.amount_minor,
            None => totals.push((i.total.currency.clone(), i.total.amount_minor)),
        }
    }
    let mut body = format!(
        "Invoices for {}: {} issued",
        month_name(month),
        done.invoices.len()
    );
    if !totals.is_empty() {
        let sums: Vec<String> = totals.iter().map(|(c, t)| spoken(*t, c)).collect();
        body.push_str(&format!(", {} in all", sums.join(" and ")));
    }
    body.push('.');
    let sessions = |n: usize| match n {
        1 => "1 session".to_string(),
        n => format!("{n} sessions"),
    };
    if done.prepaid > 0 {
        body.push_str(&format!(
            " {} prepaid by packages settled.",
            sessions(done.prepaid as usize)
        ));
    }
    if !done.unpriced.is_empty() {
        body.push_str(&format!(
            " {} not invoiced, as no rate prices them: give their students a rate, then invoice the month again.",
            sessions(done.unpriced.len())
        ));
    }
    let admins = rapport_db::members::with_roles(
        conn,
        ws,
        rapport_domain::Permission::FinanceManage.roles(),
    )
    .await?;
    crate::messaging::notify(conn, ctx, ws, &admins, &body, None).await
}

/// How a draft ends: always rolled back, with what it drafted.
enum Drafted {
    Done(Box<InvoiceRun>),
    Failed(ApiError),
}

impl From<ApiError> for Drafted {
    fn from(e: ApiError) -> Self {
        Self::Failed(e)
    }
}

impl From<diesel::result::Error> for Drafted {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// Invoices the month before the current one (in its time zone) of one
/// workspace, or of every workspace with finance on, and tells its admins
/// in their inbox what was done.
#[derive(Debug, Serialize, Deserialize)]
pub struct InvoiceMonth {
    pub workspace_id: Option<Uuid>,
}

impl Job for InvoiceMonth {
    const NAME: &'static str = "finance.invoice_month";

    async fn run(self, job: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = job.conn;
        let ctx = Ctx {
            actor_kind: ActorKind::System,
            actor_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
        };
        let workspaces = rapport_db::workspaces::with_module(conn, "finance").await?;
        for (ws, zone) in workspaces {
            if self.workspace_id.is_some_and(|w| w != ws) {
                continue;
            }
            let this = month_of(crate::payments::today_in(&zone));
            let last = month_of(this - chrono::Duration::days(1));
            let done = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    let asked = Run {
                        month: Some(last),
                        person: None,
                        issued_on: None,
                        due_days: DUE_DAYS,
                        draft: false,
                    };
                    let done = invoice(conn, &ctx, ws, asked).await?;
                    tell(conn, &ctx, ws, last, &done).await?;
                    Ok(done)
                })
                .await;
            // One workspace's trouble does not keep the others from invoicing.
            match done {
                Ok(done) if !done.invoices.is_empty() || !done.unpriced.is_empty() => {
                    tracing::info!(workspace = %ws, month = %last, invoices = done.invoices.len(),
                        unpriced = done.unpriced.len(), "invoiced");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(workspace = %ws, month = %last, error = ?e, "invoicing failed")
                }
            }
        }
        Ok(())
    }
}
