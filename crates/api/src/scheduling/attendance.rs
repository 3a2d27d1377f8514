//! A session's register: whether each participant came. Staff take it for
//! anyone; in tutoring, where users log their own sessions, a user records
//! their own attendance and nothing else.

use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Caller, Ctx, Scope, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, post, put, web, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{AttendanceRow, SessionRow};
use rapport_db::Conn;
use rapport_domain::api::{AttendanceView, RecordAttendanceRequest, SessionStatus, SessionView};
use rapport_domain::problem::{Code, FieldCode};
use rapport_domain::validate::tidy;
use rapport_domain::{Permission, Role, Template};
use uuid::Uuid;

/// How long before its start a session's register may be taken.
const EARLY_MINUTES: i64 = 30;

impl crate::record::Audited for AttendanceRow {
    const KIND: &'static str = "attendance";
    const HEARD_BY: Permission = Permission::AttendanceWrite;
    fn record_id(&self) -> String {
        format!("{}:{}", self.session_id, self.person_id)
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.view()).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            // When and by whom are the entry's own time and actor; the
            // person is named by their id.
            o.remove("recorded_at");
            o.remove("recorded_by");
            o.remove("first_name");
            o.remove("last_name");
        }
        v
    }
}

/// The register as `scope` may see it: every participant for staff and for
/// the session's host, their own people for any other member.
async fn register(
    conn: &mut Conn,
    ws: Uuid,
    scope: &Scope,
    session: &SessionRow,
) -> Result<Vec<AttendanceView>, ApiError> {
    let session_id = session.id;
    let mut people = rapport_db::scheduling::people_of(conn, ws, &[session_id])
        .await?
        .remove(&session_id)
        .unwrap_or_default();
    if let Some(user_id) = super::not_hosting(scope, session) {
        let theirs = rapport_db::scheduling::linked_people(conn, ws, user_id).await?;
        people.retain(|p| theirs.contains(p));
    }
    // A moderator limited to branches: the people of theirs.
    if let Scope::Branches { .. } = scope {
        let theirs = rapport_db::people::seen_live(conn, scope, &people).await?;
        people.retain(|p| theirs.contains(p));
    }
    let mut recorded = rapport_db::scheduling::attendance_of(conn, ws, session_id).await?;
    let mut names = rapport_db::people::names(conn, ws, &people).await?;
    let mut lines: Vec<AttendanceView> = people
        .into_iter()
        .map(|p| {
            let mut line = match recorded.remove(&p) {
                Some(r) => r.view(),
                None => AttendanceView {
                    session_id,
                    person_id: p,
                    first_name: String::new(),
                    last_name: String::new(),
                    status: None,
                    note: None,
                    recorded_by: None,
                    recorded_at: None,
                    version: 0,
                },
            };
            if let Some((first, last)) = names.remove(&p) {
                (line.first_name, line.last_name) = (first, last);
            }
            line
        })
        .collect();
    // As a register reads: by family name.
    lines.sort_by_cached_key(|a| {
        (
            a.last_name.to_lowercase(),
            a.first_name.to_lowercase(),
            a.person_id,
        )
    });
    Ok(lines)
}

/// A session's register: each participant and whether they came (`status`
/// `null` until recorded). A member sees their own line only.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses((status = 200, description = "The register", body = Vec<AttendanceView>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/sessions/{id}/attendance")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<Vec<AttendanceView>>> {
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    let session = rapport_db::scheduling::find(conn, &scope, id.into_inner())
        .await?
        .found()?;
    Ok(Json(register(conn, ws, &scope, &session).await?))
}

/// Who takes a register, and where: what [`record`] and a session's log
/// (`POST /sessions/{id}/logs`) share.
pub(super) struct Taker<'a> {
    pub ws: Uuid,
    pub scope: &'a Scope,
    pub recorder: &'a Recorder,
    pub by: Option<Uuid>,
    pub medals: bool,
    pub ctx: &'a Ctx,
}

impl Taker<'_> {
    /// Whether the caller may record each of `records` in `session`'s
    /// register (its participants they see; a user their own people, unless
    /// they hold the session): 422 or 403 otherwise. Answers whether they
    /// record their own people only.
    pub async fn allowed(
        &self,
        conn: &mut Conn,
        session: &SessionRow,
        records: &[rapport_domain::api::AttendanceEntry],
    ) -> Result<bool, ApiError> {
        let Taker { ws, scope, by, .. } = *self;
        let id = session.id;
        // A user who holds the session (a tutor) takes its whole
        // register.
        let own_only = self.recorder.own_only && by.is_none_or(|u| session.host_id != Some(u));
        let participants = rapport_db::scheduling::people_of(conn, ws, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        // A moderator limited to branches does not see, nor record,
        // the others.
        let participants = match scope {
            Scope::Branches { .. } => {
                rapport_db::people::seen_live(conn, scope, &participants).await?
            }
            _ => participants,
        };
        for (i, r) in records.iter().enumerate() {
            if !participants.contains(&r.person_id) {
                return Err(ApiError::validation(
                    &format!("records.{i}.person_id"),
                    FieldCode::Unknown,
                    "not a participant of this session",
                ));
            }
        }
        if own_only {
            let named: Vec<Uuid> = records.iter().map(|r| r.person_id).collect();
            let user = by.unwrap_or_default();
            let theirs = rapport_db::scheduling::linked_people(conn, ws, user).await?;
            if named.iter().any(|p| !theirs.contains(p)) {
                return Err(ApiError::Forbidden(
                    "a user records their own attendance only".into(),
                ));
            }
        }
        Ok(own_only)
    }

    /// Records `records` in `session`'s register, in the caller's
    /// transaction, the session locked.
    pub async fn take(
        &self,
        conn: &mut Conn,
        session: &SessionRow,
        records: &[rapport_domain::api::AttendanceEntry],
    ) -> Result<(), ApiError> {
        let Taker {
            ws,
            by,
            medals,
            ctx,
            ..
        } = *self;
        let id = session.id;
        if session.status == SessionStatus::Cancelled {
            return Err(ApiError::conflict(
                Code::Cancelled,
                "this session was cancelled: it has no register",
            ));
        }
        if session.starts_at - chrono::Duration::minutes(EARLY_MINUTES) > chrono::Utc::now() {
            return Err(ApiError::validation(
                "records",
                FieldCode::Range,
                "a register is taken from half an hour before the session starts",
            ));
        }
        let own_only = self.allowed(conn, session, records).await?;
        let mut before = rapport_db::scheduling::attendance_of(conn, ws, id).await?;
        if own_only {
            // What the host or staff recorded stands: a user logs their
            // own line until someone else has taken it.
            for (i, r) in records.iter().enumerate() {
                let old = before.get(&r.person_id);
                let unchanged =
                    old.is_some_and(|o| o.status == r.status && o.note == tidy(r.note.as_deref()));
                if !unchanged && old.is_some_and(|o| o.recorded_by != by) {
                    return Err(ApiError::conflict(
                        Code::Recorded,
                        format!(
                            "records.{i}: this attendance was recorded by the host or staff; ask them to correct it"
                        ),
                    ));
                }
            }
        }
        for r in records {
            let note = tidy(r.note.as_deref());
            let old = before.remove(&r.person_id);
            if old
                .as_ref()
                .is_some_and(|o| o.status == r.status && o.note == note)
            {
                continue;
            }
            let after = rapport_db::scheduling::record_attendance(
                conn,
                ws,
                id,
                r.person_id,
                r.status,
                note.as_deref(),
                by,
            )
            .await?;
            match old {
                Some(old) => ctx.changed(conn, ws, "updated", &old, &after).await?,
                None => ctx.created(conn, ws, &after).await?,
            }
            // The school's bronze for being present, in this transaction.
            if medals {
                crate::medals::on_attendance(conn, ctx, ws, id, r.person_id, r.status).await?;
            }
        }
        Ok(())
    }

    /// Marks the locked session `row` completed, in the caller's
    /// transaction; one completed already is answered as it is.
    pub async fn complete(
        &self,
        conn: &mut Conn,
        row: SessionRow,
    ) -> Result<super::Session, ApiError> {
        let (ws, id) = (self.ws, row.id);
        if self.recorder.own_only && self.by.is_none_or(|u| row.host_id != Some(u)) {
            // A session a user can see is theirs: they hold it or one
            // of their people takes part (the scope saw to it).
            let user = self.by.unwrap_or_default();
            let theirs = rapport_db::scheduling::linked_people(conn, ws, user).await?;
            let people = rapport_db::scheduling::people_of(conn, ws, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            if !people.iter().any(|p| theirs.contains(p)) {
                return Err(ApiError::Forbidden(
                    "a user marks their own sessions only".into(),
                ));
            }
        }
        match row.status {
            SessionStatus::Completed => return super::Session::of(conn, row).await,
            SessionStatus::Cancelled => {
                return Err(ApiError::conflict(
                    Code::Cancelled,
                    "this session was cancelled",
                ))
            }
            SessionStatus::NoShow | SessionStatus::Pending => {
                return Err(ApiError::conflict(
                    Code::NotScheduled,
                    "only a scheduled session is marked completed: ask the host",
                ))
            }
            SessionStatus::Scheduled => {}
        }
        if row.starts_at > chrono::Utc::now() {
            return Err(ApiError::validation(
                "status",
                FieldCode::Range,
                "a session is marked completed once it has begun",
            ));
        }
        let before = super::Session::of(conn, row).await?;
        let changes = rapport_db::scheduling::SessionChanges {
            status: Some(SessionStatus::Completed.as_str().to_string()),
            ..Default::default()
        };
        before.change(conn, self.ctx, "updated", &changes).await
    }
}

/// Who takes a register: one who may record anyone's attendance, or a user
/// of a tutoring workspace logging their own sessions (`own_only`). Checked
/// before the body is read, so that a caller with no right gets 403.
pub struct Recorder {
    own_only: bool,
}

impl Recorder {
    fn of(caller: &Caller) -> Result<Self, ApiError> {
        if caller.allows(Permission::AttendanceWrite) {
            return Ok(Recorder { own_only: false });
        }
        if caller.workspace.template == Template::Tutoring
            && caller.role == Role::Member
            && caller.user_id().is_some()
        {
            return Ok(Recorder { own_only: true });
        }
        caller
            .authorize(Permission::AttendanceWrite)
            .map(|_| Recorder { own_only: false })
    }
}

impl actix_web::FromRequest for Recorder {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, p: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = Authz::<perm::SessionsRead>::from_request(req, p).into_inner();
        std::future::ready(caller.and_then(|c| Recorder::of(&c)))
    }
}

/// Take a session's register at once: the participants named are recorded
/// (or corrected), the others left as they are; saving the same register
/// again changes nothing. Staff record anyone's; in tutoring a user records
/// their own only. From half an hour before the start; never for a
/// cancelled session (409 `cancelled`). Answers the whole register.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    request_body = RecordAttendanceRequest,
    responses(
        (status = 200, description = "The register", body = Vec<AttendanceView>),
        (status = 409, description = "The session was cancelled", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["attendance:write"]), ("api_key" = ["attendance:write"]))
)]
#[put("/sessions/{id}/attendance")]
pub async fn record(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    recorder: Recorder,
    ctx: Ctx,
    id: web::Path<Uuid>,
    Valid(body): Valid<RecordAttendanceRequest>,
) -> ApiResult<Json<Vec<AttendanceView>>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let by = caller.user_id();
    let medals = caller
        .workspace
        .modules
        .contains(&rapport_domain::Module::Medals);
    let conn = db.conn().await?;
    let view = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // One register at a time per session.
            let session = rapport_db::scheduling::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            let taker = Taker {
                ws,
                scope: &scope,
                recorder: &recorder,
                by,
                medals,
                ctx: &ctx,
            };
            taker.take(conn, &session, &body.records).await?;
            register(conn, ws, &scope, &session).await
        })
        .await?;
    Ok(Json(view))
}

/// Mark a session that has begun `completed`: staff for any session; in
/// tutoring, a user for a session they hold or take part in, so that the
/// session is logged as held (their attendance is logged with
/// `PUT /sessions/{id}/attendance`). Marking a completed session again
/// changes nothing; a cancelled one answers 409 `cancelled`, one marked
/// no-show or still waiting for its host's confirmation 409
/// `not_scheduled`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session, completed", body = SessionView),
        (status = 409, description = "The session was cancelled, marked no-show, or is waiting for confirmation", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The session has not begun", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["attendance:write"]), ("api_key" = ["attendance:write"]))
)]
#[post("/sessions/{id}/complete")]
pub async fn complete(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<super::Policy>,
    recorder: Recorder,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> ApiResult<Reply<SessionView>> {
    let ws = caller.workspace_id();
    let id = id.into_inner();
    let conn = db.conn().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = rapport_db::scheduling::lock(conn, ws, &scope, id)
                .await?
                .found()?;
            let taker = Taker {
                ws,
                scope: &scope,
                recorder: &recorder,
                by: caller.user_id(),
                medals: false,
                ctx: &ctx,
            };
            taker.complete(conn, row).await
        })
        .await?;
    let view = super::Viewer::of(conn, ws, &scope).await?.session(&session);
    Ok(Reply::ok(&view).etag(session.row.version))
}
