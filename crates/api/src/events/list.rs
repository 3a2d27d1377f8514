use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz};
use actix_web::{get, web, web::Json};
use rapport_domain::api::EventPage;
use rapport_domain::problem::FieldCode;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The last event id the client has; 0 or absent for the oldest kept.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// How many events, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The workspace's events after `after`, oldest first, as the caller's role may see them.
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    responses((status = 200, description = "Events; `next_cursor` is the `after` of the next call when more are stored", body = EventPage)),
    security(("bearer" = ["events:read"]), ("api_key" = ["events:read"]))
)]
#[get("/events")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::EventsRead>,
    q: web::Query<EventQuery>,
) -> ApiResult<Json<EventPage>> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::validation(
            "after",
            FieldCode::Range,
            "must be 0 or more",
        ));
    }
    let limit = match q.limit {
        None => 50,
        Some(n) if (1..=200).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::validation(
                "limit",
                FieldCode::Range,
                "must be between 1 and 200",
            ))
        }
    };
    let conn = db.conn().await?;
    let reach = super::reach_of(conn, &caller).await?;
    let mut rows = rapport_db::events::after(
        conn,
        caller.workspace_id(),
        after,
        &caller.permissions(),
        caller.user_id(),
        limit,
    )
    .await?;
    let next = if rows.len() as i64 == limit {
        rows.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    // What the caller does not reach is left out; the cursor still moves
    // past it.
    if let Some(r) = &reach {
        rows.retain(|e| r.hears(e));
    }
    Ok(Json(EventPage {
        data: rows.iter().map(|e| e.view()).collect(),
        next_cursor: next,
    }))
}
