use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, Valid, Visible};
use crate::record::Found;
use actix_web::{get, put, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::people::GuardianRow;
use rapport_domain::api::{GuardianView, SetGuardians};
use rapport_domain::validate::tidy;
use rapport_domain::Permission;
use uuid::Uuid;

/// A person's guardians, as audited and announced.
pub struct Guardians {
    pub person_id: Uuid,
    pub rows: Vec<GuardianRow>,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for Guardians {
    const KIND: &'static str = "guardians";
    const HEARD_BY: Permission = Permission::PeopleWrite;
    fn record_id(&self) -> String {
        self.person_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "person_id": self.person_id,
            "guardians": self.rows.iter().map(|g| g.view()).collect::<Vec<_>>(),
        })
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// A student's guardians, in order: who receives the receipts and the
/// monthly statements.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "The guardians", body = Vec<GuardianView>)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/{id}/guardians")]
pub async fn list(
    mut db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<Vec<GuardianView>>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let person = rapport_db::people::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    let rows = rapport_db::people::guardians(conn, ws, person.id).await?;
    Ok(Json(rows.iter().map(|g| g.view()).collect()))
}

/// Set a student's guardians: the list sent replaces the one kept (at
/// most four; an empty list removes them). A guardian who receives mail
/// needs an e-mail address.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    request_body = SetGuardians,
    responses((status = 200, description = "The guardians as set", body = Vec<GuardianView>)),
    security(("bearer" = ["people:write"]), ("api_key" = ["people:write"]))
)]
#[put("/people/{id}/guardians")]
pub async fn set(
    mut db: Db,
    caller: Authz<perm::PeopleWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<SetGuardians>,
) -> ApiResult<Json<Vec<GuardianView>>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let rows = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let person = rapport_db::people::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            if person.deleted_at.is_some() {
                return Err(ApiError::NotFound);
            }
            let before = Guardians {
                person_id: id,
                rows: rapport_db::people::guardians(conn, ws, id).await?,
                subject: person.user_id,
            };
            let now = chrono::Utc::now();
            let rows: Vec<GuardianRow> = body
                .guardians
                .iter()
                .enumerate()
                .map(|(i, g)| GuardianRow {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    person_id: id,
                    position: i as i16,
                    name: g.name.trim().to_string(),
                    relation: tidy(g.relation.as_deref()),
                    email: tidy(g.email.as_deref()).map(|e| e.to_lowercase()),
                    phone: tidy(g.phone.as_deref()),
                    receives_mail: g.receives_mail,
                    created_at: now,
                })
                .collect();
            rapport_db::people::set_guardians(conn, ws, id, &rows).await?;
            let after = Guardians {
                person_id: id,
                rows,
                subject: person.user_id,
            };
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after.rows)
        })
        .await?;
    Ok(Json(rows.iter().map(|g| g.view()).collect()))
}
