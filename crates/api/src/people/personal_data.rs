use crate::error::{ApiError, ApiResult};
use crate::extract::ctx::Change;
use crate::extract::{perm, Authz, Ctx, Db, Visible};
use crate::privacy::{holders, Subject};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, web};
use rapport_domain::api::PersonalData;
use rapport_domain::Permission;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Everything the workspace holds about a person, as one JSON document
/// (the right of access): their record, and what each module keeps about
/// them. The export is read from one snapshot, and recorded in the audit
/// trail.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "What is held about the person", body = PersonalData)),
    security(("bearer" = ["privacy:read"]), ("api_key" = ["privacy:read"]))
)]
#[get("/people/{id}/personal-data")]
pub async fn personal_data(
    state: web::Data<crate::state::AppState>,
    mut db: Db,
    caller: Authz<perm::PrivacyRead>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<PersonalData>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    // The history as far as it is sealed, before the snapshot is taken.
    rapport_db::audit::seal(conn, ws).await?;
    let data = conn
        .build_transaction()
        .repeatable_read()
        .run::<_, ApiError, _>(async |conn| {
            let person = rapport_db::people::find(conn, &scope, id).await?.found()?;
            let subject = Subject {
                workspace_id: ws,
                person: &person,
                ctx: &ctx,
            };
            let mut held = BTreeMap::new();
            for h in holders() {
                let v = (h.export)(conn, &subject).await?;
                if !v.is_null() {
                    held.insert(h.name.to_string(), v);
                }
            }
            ctx.record(
                conn,
                Change {
                    workspace_id: ws,
                    action: "person.exported",
                    record_type: "person",
                    record_id: Some(id.to_string()),
                    changes: serde_json::json!({}),
                    data: None,
                    permission: Permission::AuditRead,
                    subject_user_id: None,
                },
            )
            .await?;
            let mut view = person.view();
            let sees = caller.allows(Permission::SensitiveRead);
            super::sensitive::reveal(conn, &state.config.fields_key, ws, &person, &mut view, sees)
                .await?;
            Ok(PersonalData {
                person: view,
                exported_at: chrono::Utc::now(),
                held,
            })
        })
        .await?;
    Ok(Reply::ok(&data).header(
        "content-disposition",
        format!("attachment; filename=\"person-{id}.json\""),
    ))
}
