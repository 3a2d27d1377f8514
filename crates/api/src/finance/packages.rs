//! Packages of prepaid sessions: sold with an invoice of their own, drawn
//! down by the student's completed sessions (by the database, in the
//! transaction that completes them), which invoice runs then settle
//! instead of billing.

use super::run::{issue, Issue, DUE_DAYS};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Idempotent, Scope, Valid};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, post, web, web::Json};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::finance::packages::{PackageRow, PackageSort, Standing};
use rapport_db::finance::{InvoiceRow, LineRow};
use rapport_domain::api::{NewPackage, PackageView, Page};
use rapport_domain::payments::month_of;
use rapport_domain::validate::tidy;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PackageQuery {
    /// The packages of this student.
    pub person_id: Option<Uuid>,
}

impl Filters for PackageQuery {}

/// Packages sold, newest first, with the sessions left on each.
#[utoipa::path(
    tag = "finance",
    params(ListQuery<PackageSort, PackageQuery>),
    responses((status = 200, description = "A page of packages", body = Page<PackageView>)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/packages")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    list: ListQuery<PackageSort, PackageQuery>,
) -> ApiResult<Json<Page<PackageView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows = rapport_db::finance::packages::list(conn, ws, list.filter.person_id, &page).await?;
    let standings = rapport_db::finance::packages::standings(conn, ws, &rows).await?;
    Ok(Json(page.answer(rows, |p: PackageRow| {
        let standing = standings.get(&p.id).copied().unwrap_or_default();
        p.view(standing, Vec::new())
    })))
}

/// A package with the sessions drawn from it.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The package's id")),
    responses((status = 200, description = "The package", body = PackageView)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/packages/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<PackageView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let p = rapport_db::finance::packages::find(conn, ws, id.into_inner())
        .await?
        .found()?;
    Ok(Reply::ok(&view(conn, ws, &p).await?))
}

pub(super) async fn view(
    conn: &mut rapport_db::Conn,
    ws: Uuid,
    p: &PackageRow,
) -> Result<PackageView, ApiError> {
    let standing = rapport_db::finance::packages::standings(conn, ws, std::slice::from_ref(p))
        .await?
        .get(&p.id)
        .copied()
        .unwrap_or_default();
    let uses = rapport_db::finance::packages::uses_of(conn, ws, p.id).await?;
    Ok(p.view(standing, uses))
}

/// Sell a student a package of prepaid sessions. Its invoice (one line:
/// the price) is issued at once, numbered without gaps, charged on the
/// ledger and mailed; from then on each session of theirs that is
/// completed draws one session from it (for its subject only, when set;
/// none after its last day, which is the sale's day or later), and invoice
/// runs do not bill drawn sessions. Sessions before `starts_on` (the day
/// of the sale when left out) do not draw; one held already that is
/// completed anew, or whose student is marked present anew, does. An unknown or deleted student is 404. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "finance",
    request_body = NewPackage,
    responses((status = 201, description = "The package, and its invoice issued", body = PackageView)),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/packages")]
pub async fn create(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<NewPackage>,
) -> ApiResult<Reply<PackageView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(replay) = idem.claim(conn).await? {
            return Ok(replay);
        }
        let today = crate::payments::today(conn, ws).await?;
        let (row, invoice) = sell(conn, &ctx, ws, &body, today).await?;
        let standing = Standing {
            invoice_number: invoice.number,
            cancelled: false,
        };
        let reply = Reply::created(&row.view(standing, Vec::new()))
            .location(format!("/api/v1/packages/{}", row.id));
        idem.keep(conn, reply).await
    })
    .await
}

/// Sells package `body` on `issued_on`, in the caller's transaction: its
/// invoice issued, then the package recorded and announced. An unknown
/// or deleted student is 404.
pub async fn sell(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    body: &NewPackage,
    issued_on: NaiveDate,
) -> Result<(PackageRow, InvoiceRow), ApiError> {
    let starts_on = body.starts_on.unwrap_or(issued_on);
    if body
        .expires_on
        .is_some_and(|d| d < starts_on.max(issued_on))
    {
        return Err(ApiError::validation(
            "expires_on",
            rapport_domain::problem::FieldCode::Range,
            format!("the day it is sold ({issued_on}) or later"),
        ));
    }
    let student = rapport_db::people::find(conn, &Scope::Workspace(ws), body.person_id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .found()?;
    let id = Uuid::now_v7();
    let subject = tidy(body.subject.as_deref());
    let mut description = format!("{} — {} sessions", body.name.trim(), body.sessions);
    if let Some(s) = &subject {
        description.push_str(&format!(" of {s}"));
    }
    if description.chars().count() > 300 {
        description = description.chars().take(300).collect();
    }
    let line = LineRow {
        workspace_id: ws,
        invoice_id: Uuid::nil(),
        line: 1,
        person_id: student.id,
        session_id: None,
        description,
        month: month_of(issued_on),
        minutes: 0,
        tutor_id: None,
        branch_id: student.branch_id,
        unit: "package".into(),
        unit_minor: body.price.amount_minor,
        amount_minor: body.price.amount_minor,
        cost_minor: 0,
        credited_minor: 0,
        released: false,
        package_id: Some(id),
    };
    let invoice = Issue {
        person: student.id,
        currency: body.price.currency.clone(),
        month: None,
        issued_on,
        due_days: body.due_days.unwrap_or(DUE_DAYS),
        mail: true,
    };
    let (invoice, _) = issue(conn, ctx, ws, invoice, vec![line]).await?;
    let row = rapport_db::finance::packages::insert(
        conn,
        &PackageRow {
            workspace_id: ws,
            id,
            person_id: student.id,
            name: body.name.trim().to_string(),
            subject,
            sessions: body.sessions,
            used: 0,
            price_minor: body.price.amount_minor,
            currency: body.price.currency.clone(),
            starts_on,
            expires_on: body.expires_on,
            invoice_id: invoice.id,
            created_by: ctx.actor_id,
            created_at: chrono::Utc::now(),
        },
    )
    .await?;
    ctx.created(conn, ws, &row).await?;
    Ok((row, invoice))
}
