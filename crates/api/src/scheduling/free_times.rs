//! When a person (a student) is free: recorded by the student themself or
//! by staff who see them, and kept to by the slot search for a session with
//! them (`GET /availability/slots?person_id=`), clear of their other
//! sessions.

use super::availability::view;
use super::recurrence;
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Caller, Ctx, Db, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, put, web};
use diesel_async::AsyncConnection;
use rapport_db::Conn;
use rapport_domain::api::{AvailabilityView, PersonAvailabilityView, PutAvailabilityRequest};
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use uuid::Uuid;

/// A person's free times as audited and announced: who sees the person
/// hears of it, and so does the person's own user.
pub struct FreeTimes {
    pub view: PersonAvailabilityView,
    pub subject: Option<Uuid>,
}

impl crate::record::Audited for FreeTimes {
    const KIND: &'static str = "person_availability";
    const HEARD_BY: Permission = Permission::PeopleWrite;
    fn record_id(&self) -> String {
        self.view.person_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.view).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("version");
        }
        v
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.subject
    }
}

/// The person's document, read as a host's hours are.
fn of_person(
    person: Uuid,
    zone: &str,
    row: Option<rapport_db::scheduling::PersonAvailabilityRow>,
) -> PersonAvailabilityView {
    let AvailabilityView {
        time_zone,
        weekly,
        overrides,
        time_off,
        version,
        ..
    } = view(person, zone, row.map(|r| r.as_hours()));
    PersonAvailabilityView {
        person_id: person,
        time_zone,
        weekly,
        overrides,
        time_off,
        version,
    }
}

/// When person `person` of `ws` is free, as a host's hours for the slot
/// search (`None` until recorded: then any time suits them).
pub(crate) async fn hours_of_person(
    conn: &mut Conn,
    ws: Uuid,
    person: Uuid,
) -> Result<Option<AvailabilityView>, ApiError> {
    Ok(
        rapport_db::scheduling::person_availability_of(conn, ws, person)
            .await?
            .map(|r| view(person, &r.time_zone.clone(), Some(r.as_hours()))),
    )
}

/// When a person is free: weekly, by date and time off, in a zone (the
/// workspace's until set). For whoever sees the person.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "When they are free", body = PersonAvailabilityView)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:read"]))
)]
#[get("/people/{id}/availability")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<crate::people::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<PersonAvailabilityView>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let person = rapport_db::people::find(conn, &scope, id.into_inner())
        .await?
        .filter(|p| p.deleted_at.is_none())
        .found()?;
    let row = rapport_db::scheduling::person_availability_of(conn, ws, person.id).await?;
    let mut v = of_person(person.id, &caller.workspace.time_zone, row);
    // Why they are away is theirs and staff's to read.
    if !may_record(&caller, person.user_id) {
        for t in &mut v.time_off {
            t.reason = None;
        }
    }
    let version = v.version;
    Ok(Reply::ok(&v).etag(version))
}

/// Whether `caller` records when `user_id`'s person is free: staff who see
/// them, and the person themself.
fn may_record(caller: &Caller, user_id: Option<Uuid>) -> bool {
    caller.allows(Permission::PeopleWrite) || (user_id.is_some() && user_id == caller.user_id())
}

/// Record when a person is free, all of it (it replaces what was there):
/// the person themself, or staff who see them. With `If-Match`, only over
/// the version it names.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The person's id")),
    request_body = PutAvailabilityRequest,
    responses((status = 200, description = "When they are free", body = PersonAvailabilityView)),
    security(("bearer" = ["people:read"]), ("api_key" = ["people:write"]))
)]
#[put("/people/{id}/availability")]
pub async fn write(
    mut db: Db,
    caller: Authz<perm::PeopleRead>,
    Visible(scope, ..): Visible<crate::people::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<PutAvailabilityRequest>,
) -> ApiResult<Reply<PersonAvailabilityView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    recurrence::zone(&body.time_zone)
        .map_err(|e| ApiError::validation("time_zone", FieldCode::Unknown, &e))?;
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let after = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let person = rapport_db::people::lock(conn, ws, &scope, id)
                .await?
                .filter(|p| p.deleted_at.is_none())
                .found()?;
            if !may_record(&caller, person.user_id) {
                return Err(ApiError::Forbidden(
                    "a person records their own free times; staff record anyone's".into(),
                ));
            }
            let before = FreeTimes {
                view: of_person(
                    id,
                    &zone,
                    rapport_db::scheduling::person_availability_of(conn, ws, id).await?,
                ),
                subject: person.user_id,
            };
            let (weekly, overrides, time_off) = super::availability::stored(&body)?;
            let row = rapport_db::scheduling::put_person_availability(
                conn,
                ws,
                id,
                (body.time_zone.trim(), &weekly, &overrides, &time_off),
                if_match.0,
            )
            .await?
            .current()?;
            let after = FreeTimes {
                view: of_person(id, &zone, Some(row)),
                subject: person.user_id,
            };
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after.view)
        })
        .await?;
    let version = after.version;
    Ok(Reply::ok(&after).etag(version))
}

/// What the scheduling module holds of when a person is free.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "free_times",
        tables: &["person_availability"],
        export: |conn, s| {
            Box::pin(async move {
                let row = rapport_db::scheduling::person_availability_of(
                    conn,
                    s.workspace_id,
                    s.person.id,
                )
                .await?;
                Ok(serde_json::json!(row.map(|r| of_person(
                    s.person.id,
                    &r.time_zone.clone(),
                    Some(r)
                ))))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let gone = rapport_db::scheduling::forget_person_availability(conn, ws, s.person.id)
                    .await? as u64;
                // Its changes' entries name the reasons for time off.
                let ids = [s.person.id.to_string()];
                let erased = rapport_db::privacy::erase_entries(
                    conn,
                    ws,
                    <FreeTimes as crate::record::Audited>::KIND,
                    &ids,
                    &s.by(),
                )
                .await?;
                Ok(gone + erased)
            })
        },
    });
}
