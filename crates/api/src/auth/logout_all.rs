use crate::auth::tokens;
use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{Ctx, UserCaller};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use serde_json::json;

/// Sign out everywhere: revoke every refresh family of the signed-in user.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Every session of the user is revoked")),
    security(("bearer" = []))
)]
#[post("/logout-all")]
pub async fn logout_all(
    state: web::Data<AppState>,
    mut db: Db,
    me: UserCaller,
    ctx: Ctx,
) -> ApiResult<Reply<()>> {
    let conn = db.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let revoked = rapport_db::tokens::revoke_user_families(conn, me.user_id, None).await?;
        ctx.record_for_user(
            conn,
            me.user_id,
            "session.ended_everywhere",
            json!({"sessions": {"before": revoked, "after": 0}}),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(tokens::signed_out(&state))
}
