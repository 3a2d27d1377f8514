//! Scheduling: sessions (lessons, tutoring sessions, consultations and
//! meetings), each held by a host for its participants. A host is never booked twice at
//! once: the table refuses it (`sessions_host_free`), and the answer is 409
//! `host_busy`.

pub mod attendance;
pub mod availability;
pub mod booking;
pub mod cancel;
pub mod create;
pub mod delete;
pub mod free_times;
pub mod ical;
pub mod invitations;
pub mod list;
pub mod logs;
pub mod read;
pub mod recurrence;
pub mod reminders;
pub mod seats;
pub mod series;
pub mod slots;
pub mod update;

use crate::error::ApiError;
use rapport_db::scheduling::SessionRow;
use rapport_db::Conn;
use rapport_domain::api::SessionView;
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(create::create)
        .service(series::read)
        .service(reminders::read)
        .service(reminders::write)
        .service(ical::make_feed)
        .service(ical::drop_feed)
        .service(ical::one)
        .service(read::read)
        .service(update::update)
        .service(cancel::cancel)
        .service(delete::delete)
        .service(attendance::read)
        .service(attendance::record)
        .service(attendance::complete)
        .service(logs::apply)
        .service(availability::rules)
        .service(availability::set_rule)
        .service(availability::free)
        .service(availability::hosts)
        .service(availability::read)
        .service(availability::write)
        .service(free_times::read)
        .service(free_times::write)
        .service(seats::list)
        .service(booking::book)
        .service(booking::reschedule)
        .service(booking::cancel)
        .service(booking::confirm);
}

/// The module's job kinds.
pub fn jobs(r: &mut crate::jobs::Registry) {
    series::jobs(r);
    reminders::jobs(r);
    invitations::jobs(r);
}

/// The module's recurring jobs.
pub fn schedules(s: &mut Vec<crate::jobs::schedule::Schedule>) {
    series::schedules(s);
    reminders::schedules(s);
}

/// A member sees the sessions they hold and those of the people linked to
/// them; every other role and API key sees the workspace's.
pub type Policy = crate::people::Policy;

/// The member `scope` stands for, when they do not hold `session`: they
/// see and record only their own part of it.
pub(crate) fn not_hosting(scope: &crate::extract::Scope, session: &SessionRow) -> Option<Uuid> {
    match scope {
        crate::extract::Scope::Person { user_id, .. } if session.host_id != Some(*user_id) => {
            Some(*user_id)
        }
        _ => None,
    }
}

/// How a caller sees sessions: whole, or, for a member who does not hold
/// one, its time, place, room and status with only their own people among
/// its participants: not the others, nor its notes, nor its fee. A
/// moderator limited to branches sees the people of theirs among them.
pub(crate) struct Viewer {
    scope: crate::extract::Scope,
    /// The people linked to a member; a limited moderator's branches' people.
    own: Vec<Uuid>,
}

impl Viewer {
    pub async fn of(
        conn: &mut Conn,
        ws: Uuid,
        scope: &crate::extract::Scope,
    ) -> Result<Self, ApiError> {
        let own = match scope {
            crate::extract::Scope::Person { user_id, .. } => {
                rapport_db::scheduling::linked_people(conn, ws, *user_id).await?
            }
            crate::extract::Scope::Branches { ids, .. } => {
                diesel_async::RunQueryDsl::load(rapport_db::scope::branch_people(ws, ids), conn)
                    .await?
            }
            _ => vec![],
        };
        Ok(Viewer {
            scope: scope.clone(),
            own,
        })
    }

    /// `s` as this caller sees it.
    pub fn session(&self, s: &Session) -> SessionView {
        self.view(&s.row, s.participants.clone(), s.groups.clone())
    }

    pub fn view(
        &self,
        row: &SessionRow,
        participants: Vec<Uuid>,
        groups: Vec<Uuid>,
    ) -> SessionView {
        if let crate::extract::Scope::Branches { .. } = self.scope {
            let theirs = participants.into_iter().filter(|p| self.own.contains(p));
            return row.view(theirs.collect(), groups);
        }
        if not_hosting(&self.scope, row).is_none() {
            return row.view(participants, groups);
        }
        let mut v = row.view(
            participants
                .into_iter()
                .filter(|p| self.own.contains(p))
                .collect(),
            groups,
        );
        v.notes = None;
        v.fee = None;
        v
    }
}

/// A session with the people and the groups it is for: what is audited
/// and announced.
pub struct Session {
    pub row: SessionRow,
    pub participants: Vec<Uuid>,
    pub groups: Vec<Uuid>,
}

impl Session {
    pub fn view(&self) -> SessionView {
        self.row
            .view(self.participants.clone(), self.groups.clone())
    }

    /// `changes` made to this session at its version, audited and announced
    /// as `verb`: the session after, its people unchanged (409 or 412 when
    /// the version moved on).
    pub async fn change(
        &self,
        conn: &mut Conn,
        ctx: &crate::extract::Ctx,
        verb: &str,
        changes: &rapport_db::scheduling::SessionChanges,
    ) -> Result<Self, ApiError> {
        self.change_telling(conn, ctx, verb, changes, true).await
    }

    /// [`Session::change`]; `tell` false leaves those in it untold of a
    /// cancellation (a series cancelled whole tells them once).
    pub async fn change_telling(
        &self,
        conn: &mut Conn,
        ctx: &crate::extract::Ctx,
        verb: &str,
        changes: &rapport_db::scheduling::SessionChanges,
        tell: bool,
    ) -> Result<Self, ApiError> {
        use crate::record::Found;
        let (ws, id) = (self.row.workspace_id, self.row.id);
        let row = rapport_db::scheduling::update(conn, ws, id, self.row.version, changes)
            .await?
            .current()?;
        let after = Session {
            row,
            participants: self.participants.clone(),
            groups: self.groups.clone(),
        };
        ctx.changed(conn, ws, verb, self, &after).await?;
        use rapport_domain::api::SessionStatus;
        if tell
            && after.row.status == SessionStatus::Cancelled
            && self.row.status != SessionStatus::Cancelled
        {
            tell_cancelled(conn, ctx, &after.row).await?;
        }
        Ok(after)
    }

    /// Session `row` with its participants and groups, read.
    pub async fn of(conn: &mut Conn, row: SessionRow) -> Result<Self, ApiError> {
        let (ws, id) = (row.workspace_id, row.id);
        let participants = rapport_db::scheduling::participants(conn, ws, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let groups = rapport_db::scheduling::groups_of(conn, ws, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Session {
            row,
            participants,
            groups,
        })
    }
}

/// Tells those who take part in `s`, cancelled, and its host, in their
/// inbox: whichever way it was cancelled, the one who cancelled aside.
pub(crate) async fn tell_cancelled(
    conn: &mut Conn,
    ctx: &crate::extract::Ctx,
    s: &rapport_db::scheduling::SessionRow,
) -> Result<(), ApiError> {
    tell_cancelled_from(conn, ctx, s, false).await
}

/// [`tell_cancelled`], of `s` alone or (`onwards`) of `s` and every
/// occurrence of its series after it.
pub(crate) async fn tell_cancelled_from(
    conn: &mut Conn,
    ctx: &crate::extract::Ctx,
    s: &rapport_db::scheduling::SessionRow,
    onwards: bool,
) -> Result<(), ApiError> {
    let ws = s.workspace_id;
    let mut users = rapport_db::scheduling::participant_users(conn, ws, s.id).await?;
    users.extend(s.host_id);
    users.retain(|u| Some(*u) != ctx.actor_id);
    if users.is_empty() {
        return Ok(());
    }
    let zone = invitations::zone_of(conn, ws).await?;
    let when = invitations::spoken(s.starts_at, &zone);
    let title = crate::messaging::escape(&s.title);
    let what = match onwards {
        true => format!("**{title}** is cancelled from {when} on"),
        false => format!("**{title}** on {when} is cancelled"),
    };
    let body = match s.cancel_reason.as_deref().map(str::trim) {
        Some(why) if !why.is_empty() => format!("{what}: {}", crate::messaging::escape(why)),
        _ => format!("{what}."),
    };
    crate::messaging::notify(conn, ctx, ws, &users, &body, Some(("session", s.id))).await
}

impl crate::record::Audited for Session {
    const KIND: &'static str = "session";
    // Those who schedule hear of every change, and the host of theirs; a
    // student does not hear of other people's sessions.
    const HEARD_BY: Permission = Permission::SessionsWrite;
    fn record_id(&self) -> String {
        self.row.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self.view()).unwrap_or_default()
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.row.host_id
    }
    fn follow_up(&self) -> Option<crate::jobs::Queued> {
        crate::jobs::Queued::of(&invitations::Invite {
            workspace_id: self.row.workspace_id,
            session_id: self.row.id,
            series: false,
        })
    }
}

/// What scheduling holds of a person: the sessions they take part in and
/// whether they came. An erasure clears the notes of their attendance and
/// erases those notes from the audit trail; the participations and the
/// statuses stay (they hold nothing but the person's id, their record
/// anonymised), so that attendance counts and what sessions cost stay
/// right. The notes of them in sessions' logs (made on devices) go too.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "sessions",
        tables: &[
            "session_participants",
            "session_people",
            "attendance",
            "session_invitations",
            "session_logs",
        ],
        export: |conn, s| {
            Box::pin(async move {
                let scope = rapport_db::scope::Scope::Workspace(s.workspace_id);
                let filter = rapport_db::scheduling::SessionFilter {
                    person_id: Some(s.person.id),
                    ..Default::default()
                };
                let mut out = Vec::new();
                let mut page = rapport_db::list::PageRequest {
                    sort: <rapport_db::scheduling::SessionSort as rapport_db::list::Sorts>::DEFAULT,
                    after: None,
                    limit: 1000,
                };
                loop {
                    let rows = rapport_db::scheduling::list(conn, &scope, &filter, &page)
                        .await
                        .map_err(ApiError::from)?;
                    let next = page.next_key(&rows);
                    out.extend(rows.iter().map(|r| {
                        serde_json::json!({
                            "session_id": r.id,
                            "kind": r.kind,
                            "title": r.title,
                            "starts_at": r.starts_at,
                            "ends_at": r.ends_at,
                            "status": r.status,
                        })
                    }));
                    match next {
                        Some(key) => page.after = Some(key),
                        None => break,
                    }
                }
                let came =
                    rapport_db::scheduling::attendance_of_person(conn, s.workspace_id, s.person.id)
                        .await?;
                let invited = match s.person.email.as_deref() {
                    Some(email) => {
                        rapport_db::scheduling::invitations_to(conn, s.workspace_id, email).await?
                    }
                    None => vec![],
                };
                Ok(serde_json::json!({
                    "sessions": out,
                    "attendance": came.iter().map(|a| a.view()).collect::<Vec<_>>(),
                    "invitations": invited.iter().map(|(session_id, i)| serde_json::json!({
                        "session_id": session_id,
                        "email": i.email,
                        "title": i.title,
                        "starts_at": i.starts_at,
                        "cancelled": i.cancelled,
                    })).collect::<Vec<_>>(),
                }))
            })
        },
        erase: |conn, s| {
            Box::pin(async move {
                let ws = s.workspace_id;
                let came =
                    rapport_db::scheduling::attendance_of_person(conn, ws, s.person.id).await?;
                let ids: Vec<String> = came
                    .iter()
                    .map(|a| format!("{}:{}", a.session_id, a.person_id))
                    .collect();
                let cleared =
                    rapport_db::scheduling::clear_attendance_notes(conn, ws, s.person.id).await?;
                // And the notes of them logged on devices.
                let logged = rapport_db::session_logs::forget_notes(conn, ws, s.person.id).await?;
                let erased =
                    rapport_db::privacy::erase_entries(conn, ws, "attendance", &ids, &s.by())
                        .await?;
                // What their address was sent of sessions: forgotten.
                let forgotten = match s.person.email.as_deref() {
                    Some(email) => {
                        rapport_db::scheduling::forget_invitations(conn, ws, email).await?
                    }
                    None => 0,
                };
                Ok(cleared as u64 + logged as u64 + erased + forgotten as u64)
            })
        },
    });
    free_times::privacy(h);
}

/// A host is a member of the workspace: 422 otherwise.
pub(crate) async fn check_host(conn: &mut Conn, ws: Uuid, host_id: Uuid) -> Result<(), ApiError> {
    if rapport_db::members::find(conn, ws, host_id)
        .await?
        .is_none()
    {
        return Err(ApiError::validation(
            "host_id",
            FieldCode::Unknown,
            "no member of this workspace has this id",
        ));
    }
    Ok(())
}

/// Groups are live groups of the workspace, each named once: 422
/// otherwise. Their order is kept.
pub(crate) async fn check_groups(
    conn: &mut Conn,
    ws: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let mut unique: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.is_empty() {
        return Ok(unique);
    }
    let live = rapport_db::scheduling::live_groups(conn, ws, &unique).await?;
    if let Some(missing) = unique.iter().find(|id| !live.contains(id)) {
        let at = ids.iter().position(|id| id == missing).unwrap_or(0);
        return Err(ApiError::validation(
            &format!("group_ids.{at}"),
            FieldCode::Unknown,
            "no group of this workspace has this id",
        ));
    }
    Ok(unique)
}

/// Participants are live people of the workspace, each named once: 422
/// otherwise. Their order is kept.
pub(crate) async fn check_participants(
    conn: &mut Conn,
    ws: Uuid,
    scope: &crate::extract::Scope,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.is_empty() {
        return Ok(unique);
    }
    let live = rapport_db::scheduling::live_people(conn, ws, &unique).await?;
    if let Some(i) = unique.iter().position(|id| !live.contains(id)) {
        let at = ids.iter().position(|id| *id == unique[i]).unwrap_or(i);
        return Err(ApiError::validation(
            &format!("participant_ids.{at}"),
            FieldCode::Unknown,
            "no person of this workspace has this id",
        ));
    }
    crate::people::within_branches(conn, scope, &unique, "participant_ids").await?;
    Ok(unique)
}
