use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid};
use actix_web::{get, put, web::Json};
use diesel_async::AsyncConnection;
use rapport_domain::api::MedalSettings;

/// How the workspace gives medals: a bronze for attendance, the monthly
/// limits per teacher, student and medal, the cap per student, the
/// exchange rate.
#[utoipa::path(
    tag = "medals",
    responses((status = 200, description = "The settings", body = MedalSettings)),
    security(("bearer" = ["medals:read"]), ("api_key" = ["medals:read"]))
)]
#[get("/medals/settings")]
pub async fn read(mut db: Db, caller: Authz<perm::MedalsRead>) -> ApiResult<Json<MedalSettings>> {
    let conn = db.conn().await?;
    Ok(Json(
        rapport_db::medals::settings(conn, caller.workspace_id()).await?,
    ))
}

/// Set how the workspace gives medals. Audited.
#[utoipa::path(
    tag = "medals",
    request_body = MedalSettings,
    responses((status = 200, description = "The settings", body = MedalSettings)),
    security(("bearer" = ["medals:manage"]), ("api_key" = ["medals:manage"]))
)]
#[put("/medals/settings")]
pub async fn write(
    mut db: Db,
    caller: Authz<perm::MedalsManage>,
    ctx: Ctx,
    Valid(body): Valid<MedalSettings>,
) -> ApiResult<Json<MedalSettings>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = Settings(rapport_db::medals::settings(conn, ws).await?);
        rapport_db::medals::set_settings(conn, ws, &body).await?;
        let after = Settings(body.clone());
        if before.0 != after.0 {
            ctx.changed(conn, ws, "updated", &before, &after).await?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(body))
}

/// The settings as audited and announced.
struct Settings(MedalSettings);

impl crate::record::Audited for Settings {
    const KIND: &'static str = "medal_settings";
    const HEARD_BY: rapport_domain::Permission = rapport_domain::Permission::MedalsAward;
    fn record_id(&self) -> String {
        "medal_settings".into()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).unwrap_or_default()
    }
}
