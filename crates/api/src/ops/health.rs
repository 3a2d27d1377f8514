use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::state::AppState;
use actix_web::{get, web, web::Json};
use diesel_async::RunQueryDsl;
use rapport_domain::api::Ack;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up", body = Ack)), security(()))]
#[get("/healthz")]
pub async fn healthz() -> Json<Ack> {
    Json(Ack { ok: true })
}

/// Ready to serve: start-up work (migrations, demo data) is done and the
/// database is reachable.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Ack),
        (status = 503, description = "Still starting, or the database cannot be reached", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>, mut db: Db) -> ApiResult<Json<Ack>> {
    if !std::sync::atomic::AtomicBool::load(&state.ready, std::sync::atomic::Ordering::SeqCst) {
        return Err(ApiError::Unavailable(
            "starting: the demo workspaces are being created".into(),
        ));
    }
    let conn = db.conn().await?;
    rapport_db::Prepared(diesel::sql_query("SELECT 1"))
        .execute(conn)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the database does not answer: {e}")))?;
    Ok(Json(Ack { ok: true }))
}
