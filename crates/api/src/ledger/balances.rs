use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use rapport_domain::api::Balance;
use uuid::Uuid;

/// A person's balances, one per currency they have entries in: the sums
/// of their entries, kept as each is written. Staff without `money:read`
/// see the medals only; a member the balances of the people linked to
/// them, a school's teacher those of their classes' students.
#[utoipa::path(
    tag = "ledger",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "Their balances, by currency", body = Vec<Balance>)),
    security(("bearer" = ["ledger:read"]), ("api_key" = ["ledger:read"]))
)]
#[get("/people/{id}/balances")]
pub async fn balances(
    mut db: Db,
    caller: Authz<perm::LedgerRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<Vec<Balance>>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let view = super::view_of(&caller, scope);
    let conn = db.conn().await?;
    // The person as the ledger's scope sees them: a member, their own; a
    // teacher, their students.
    rapport_db::people::find(conn, &view.scope, id)
        .await?
        .found()?;
    let rows = rapport_db::ledger::balances(conn, ws, id, view.medals_only).await?;
    Ok(Json(rows.iter().map(|b| b.view()).collect()))
}
