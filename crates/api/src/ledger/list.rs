use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::pagination::{Filters, ListQuery};
use actix_web::{get, web::Json};
use chrono::{DateTime, Utc};
use rapport_db::ledger::{EntryFilter, EntryRow, EntrySort};
use rapport_domain::api::{LedgerEntryView, LedgerKind, Page};
use rapport_domain::problem::{FieldCode, FieldError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// The entries of this person.
    pub person_id: Option<Uuid>,
    /// Of this currency (`EUR`, `MEDAL_GOLD`).
    pub currency: Option<String>,
    /// Money or medals.
    #[param(inline)]
    pub kind: Option<LedgerKind>,
    /// Caused by this kind of record (`award`, `purchase`, `payment`).
    pub cause_type: Option<String>,
    /// Caused by this record.
    pub cause_id: Option<String>,
    /// Written at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Written before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

impl Filters for EntryQuery {
    fn check(&mut self, errors: &mut Vec<FieldError>) {
        if self
            .currency
            .as_deref()
            .is_some_and(|c| !rapport_domain::ledger::is_currency(c))
        {
            errors.push(FieldError::new(
                "currency",
                FieldCode::Format,
                "three capital letters (EUR), or MEDAL_BRONZE, MEDAL_SILVER or MEDAL_GOLD",
            ));
        }
        for (field, v) in [
            ("cause_type", &self.cause_type),
            ("cause_id", &self.cause_id),
        ] {
            if let Some(v) = v {
                rapport_domain::validate::text(errors, field, v, 200);
            }
        }
        crate::scheduling::list::check_range(errors, self.from, self.to);
    }
}

/// The ledger, newest first (`sort=created_at`: oldest first): each entry
/// with what corrected it. Owners and admins see everything; other staff
/// the medals only; a member the entries of the people linked to them.
#[utoipa::path(
    tag = "ledger",
    params(ListQuery<EntrySort, EntryQuery>),
    responses((status = 200, description = "A page of entries", body = Page<LedgerEntryView>)),
    security(("bearer" = ["ledger:read"]), ("api_key" = ["ledger:read"]))
)]
#[get("/ledger")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::LedgerRead>,
    Visible(scope, ..): Visible<super::Policy>,
    list: ListQuery<EntrySort, EntryQuery>,
) -> ApiResult<Json<Page<LedgerEntryView>>> {
    let ws = caller.workspace_id();
    let page = list.page(ws)?;
    let q = list.filter;
    let filter = EntryFilter {
        person_id: q.person_id,
        currency: q.currency,
        kind: q.kind,
        cause_type: q.cause_type,
        cause_id: q.cause_id,
        from: q.from,
        to: q.to,
    };
    let view = super::view_of(&caller, scope);
    let conn = db.conn().await?;
    let rows = rapport_db::ledger::list(conn, &view, &filter, &page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
    let corrected = rapport_db::ledger::corrections_of(conn, ws, &ids).await?;
    Ok(Json(page.answer(rows, |e: EntryRow| {
        let by = corrected.get(&e.id).copied();
        e.view(by)
    })))
}
