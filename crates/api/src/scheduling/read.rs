use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::{perm, Authz, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::SessionView;
use uuid::Uuid;

/// One session, with the people it is for. A member who does not hold it
/// sees only their own people among its participants, and neither its
/// notes nor its fee.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses((status = 200, description = "The session", body = SessionView)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/sessions/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<SessionView>> {
    let conn = db.conn().await?;
    let row = rapport_db::scheduling::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let viewer = super::Viewer::of(conn, caller.workspace_id(), &scope).await?;
    let session = super::Session::of(conn, row).await?;
    let view = viewer.view(&session.row, session.participants, session.groups);
    Ok(Reply::ok(&view).etag(session.row.version))
}
