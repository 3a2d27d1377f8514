use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Visible};
use crate::record::Found;
use crate::respond::NoContent;
use actix_web::{delete, web};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::SeriesRow;
use rapport_domain::problem::Code;
use uuid::Uuid;

/// Delete a session entered by mistake, before it begins and while it has
/// no register: a session that has begun, or whose attendance was taken,
/// is cancelled instead (409 `constraint`), so that what happened stays.
/// An occurrence of a series is skipped by its series from then on (its day
/// joins the series' `exdates`). With `If-Match`, only the version it
/// names. Audited.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "It has begun or has a register: cancel it instead", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[delete("/sessions/{id}")]
pub async fn delete(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<NoContent> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        // A series first, then its row, as every change of a series.
        let series_id = rapport_db::scheduling::find(conn, &scope, id)
            .await?
            .found()?
            .series_id;
        let series = match series_id {
            Some(s) => rapport_db::scheduling::lock_series(conn, ws, s).await?,
            None => None,
        };
        let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
            .await?
            .found()?;
        if if_match.0.is_some_and(|v| v != row.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let recorded = !rapport_db::scheduling::attendance_of(conn, ws, id)
            .await?
            .is_empty();
        if row.starts_at <= chrono::Utc::now() || recorded {
            return Err(ApiError::conflict(
                Code::Constraint,
                "this session has begun or has a register: cancel it instead, so that what happened stays",
            ));
        }
        let before = super::Session::of(conn, row).await?;
        if let (Some(s), Some(rid)) = (series, before.row.recurrence_id) {
            let tz = super::recurrence::zone(&s.time_zone)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
            let day = super::recurrence::wall(tz, rid).date();
            if !s.exdates.contains(&day) {
                let mut exdates = s.exdates.clone();
                exdates.push(day);
                exdates.sort();
                let after = rapport_db::scheduling::save_series(
                    conn,
                    &SeriesRow {
                        exdates,
                        ..s.clone()
                    },
                )
                .await?;
                ctx.changed(conn, ws, "updated", &s, &after).await?;
            }
        }
        rapport_db::scheduling::delete(conn, ws, id).await?;
        ctx.removed(conn, ws, "deleted", &before).await
    })
    .await?;
    Ok(NoContent)
}
