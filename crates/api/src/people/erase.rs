use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Visible};
use crate::privacy::{holders, Subject};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::people::PersonRow;
use rapport_domain::api::Erasure;
use rapport_domain::problem::Code;
use rapport_domain::Permission;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Erase a person (the right to be forgotten): everything that identifies
/// them goes, in every module, in one transaction — their name, contact,
/// tags and custom values; the notes on them; the names and values their
/// history recorded (through the audit chain's erasure, so the chain still
/// verifies); the data of the events about them; the messages sent to them;
/// imported rows that hold their address. What only counts stays (their
/// stays in groups, later their ledger entries), attached to a record that
/// no longer says who it was. An erased person is deleted for good: it
/// cannot be restored or changed. This cannot be undone.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "What was erased", body = Erasure),
        (status = 409, description = "The person was erased already", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["privacy:erase"]), ("api_key" = ["privacy:write"]))
)]
#[post("/people/{id}/erase")]
pub async fn erase(
    mut db: Db,
    caller: Authz<perm::PrivacyErase>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply<Erasure>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let (after, erased) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::people::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if let Some(at) = before.erased_at {
                return Err(erased_already(at));
            }
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let subject = Subject {
                workspace_id: ws,
                person: &before,
                ctx: &ctx,
            };
            let mut erased = BTreeMap::new();
            for h in holders() {
                let n = (h.erase)(conn, &subject).await?;
                *erased.entry(h.name.to_string()).or_insert(0) += n;
            }
            let after: PersonRow = rapport_db::people::erase(conn, ws, id).await?.found()?;
            ctx.record(
                conn,
                Change {
                    workspace_id: ws,
                    action: "person.erased",
                    record_type: "person",
                    record_id: Some(id.to_string()),
                    changes: serde_json::json!({
                        "erased_at": {"after": after.erased_at},
                        "erased": {"after": erased},
                    }),
                    data: Some(serde_json::json!({"id": id, "erased_at": after.erased_at})),
                    permission: Permission::PeopleWrite,
                    subject_user_id: None,
                },
            )
            .await?;
            Ok((after, erased))
        })
        .await?;
    Ok(Reply::ok(&Erasure {
        person: after.view(),
        erased,
    })
    .etag(after.version))
}

/// 409: an erased person stays erased.
pub(crate) fn erased_already(at: chrono::DateTime<chrono::Utc>) -> ApiError {
    ApiError::conflict(
        Code::Erased,
        format!("this person was erased on {}", at.format("%Y-%m-%d")),
    )
}
