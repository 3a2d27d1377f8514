//! Invoices: the list, one with its lines and credit notes, its PDF, and
//! sending it again.

use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::{perm, Authz, Ctx, Db};
use crate::pagination::{Filters, ListQuery};
use crate::record::Found;
use crate::respond::{File, Reply};
use actix_web::{get, http::header, post, web, web::Json, HttpResponse};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use rapport_db::finance::InvoiceSort;
use rapport_domain::api::{InvoiceView, Page};
use rapport_domain::problem::Code;
use rapport_domain::Permission;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// The invoices of this student.
    pub person_id: Option<Uuid>,
    /// The invoices of this month (its first day).
    pub month: Option<NaiveDate>,
}

impl Filters for InvoiceQuery {}

/// Invoices, newest first, each with what is still open of it.
#[utoipa::path(
    tag = "finance",
    params(ListQuery<InvoiceSort, InvoiceQuery>),
    responses((status = 200, description = "A page of invoices", body = Page<InvoiceView>)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/invoices")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    list: ListQuery<InvoiceSort, InvoiceQuery>,
) -> ApiResult<Json<Page<InvoiceView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let conn = db.conn().await?;
    let rows =
        rapport_db::finance::invoices(conn, ws, list.filter.person_id, list.filter.month, &page)
            .await?;
    let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
    let persons: Vec<Uuid> = rows.iter().map(|i| i.person_id).collect();
    let counts = rapport_db::finance::line_counts(conn, ws, &ids).await?;
    let open = super::open_amounts(conn, ws, &persons).await?;
    Ok(Json(page.answer(rows, |i| {
        i.view(
            open.get(&i.id).copied().unwrap_or(0),
            &[],
            counts.get(&i.id).copied().unwrap_or(0),
        )
    })))
}

/// An invoice with its lines: each session, its price, its tutor's pay
/// and what credit notes gave back of it.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    responses((status = 200, description = "The invoice", body = InvoiceView)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/invoices/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<InvoiceView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let i = rapport_db::finance::find_invoice(conn, ws, id.into_inner())
        .await?
        .found()?;
    let lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
    let open = super::open_amounts(conn, ws, &[i.person_id]).await?;
    let notes = rapport_db::finance::credit_notes_of(conn, ws, i.id).await?;
    let count = lines.len() as i64;
    let mut view = i.view(open.get(&i.id).copied().unwrap_or(0), &lines, count);
    view.credit_notes = notes.iter().map(|n| n.view(i.number)).collect();
    Ok(Reply::ok(&view))
}

/// An invoice as a PDF: its number, the student, its sessions and totals.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    responses((status = 200, description = "The invoice", content_type = "application/pdf", body = String)),
    security(("bearer" = ["finance:read"]), ("api_key" = ["finance:read"]))
)]
#[get("/invoices/{id}/pdf")]
pub async fn pdf(
    mut db: Db,
    caller: Authz<perm::FinanceRead>,
    id: web::Path<Uuid>,
) -> ApiResult<File> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let i = rapport_db::finance::find_invoice(conn, ws, id.into_inner())
        .await?
        .found()?;
    let lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
    let who = super::pdf::parties(conn, ws, i.person_id).await?;
    let bytes = super::pdf::invoice(&i, &lines, &who);
    Ok(File(
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"invoice-{}.pdf\"", i.number),
            ))
            .body(bytes),
    ))
}

/// Mail an invoice again, as a PDF, to the student and their guardians
/// (who got it when it was issued): answers the invoice with its new
/// `sent_at`. 422 `no_address` when none of them has an e-mail address.
#[utoipa::path(
    tag = "finance",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    responses(
        (status = 200, description = "The invoice, sent", body = InvoiceView),
        (status = 422, description = "Nobody to send it to", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["finance:manage"]), ("api_key" = ["finance:manage"]))
)]
#[post("/invoices/{id}/send")]
pub async fn send(
    mut db: Db,
    caller: Authz<perm::FinanceManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<InvoiceView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let (i, lines) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let i = rapport_db::finance::find_invoice(conn, ws, id)
                .await?
                .found()?;
            let lines = rapport_db::finance::lines_of(conn, ws, i.id).await?;
            let to = super::run::send(conn, ws, &i, &lines).await?;
            if to.is_empty() {
                return Err(ApiError::Unprocessable {
                    code: Code::NoAddress,
                    detail: "neither the student nor their guardians have an e-mail address".into(),
                });
            }
            let i = rapport_db::finance::mark_sent(conn, ws, id, chrono::Utc::now()).await?;
            ctx.record(
                conn,
                Change {
                    workspace_id: ws,
                    action: "invoice.sent",
                    record_type: "invoice",
                    record_id: Some(id.to_string()),
                    changes: serde_json::json!({"sent_to": {"after": to}}),
                    data: None,
                    permission: Permission::FinanceRead,
                    subject_user_id: None,
                },
            )
            .await?;
            Ok((i, lines))
        })
        .await?;
    let open = super::open_amounts(conn, ws, &[i.person_id]).await?;
    let count = lines.len() as i64;
    let mut view = i.view(open.get(&i.id).copied().unwrap_or(0), &lines, count);
    view.credit_notes = rapport_db::finance::credit_notes_of(conn, ws, i.id)
        .await?
        .iter()
        .map(|n| n.view(i.number))
        .collect();
    Ok(Reply::ok(&view))
}
