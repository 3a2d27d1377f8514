//! Scheduling: sessions and their participants: rows, the list by time, changes.
//! [`visible`] is the one place that says which sessions a caller may see.
//! That a host is never booked twice at once is the table's own rule
//! (`sessions_host_free`), not this module's.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{
    attendance, availability, booking_rules, calendar_feeds, groups, memberships, people,
    person_availability, reminder_settings, session_groups, session_invitations,
    session_participants, session_reminders, session_series, sessions, users,
};
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::scheduling::{
    AttendanceStatus, AttendanceView, Money, SessionKind, SessionStatus, SessionView,
};
use std::collections::HashMap;
use uuid::Uuid;

// Who a session is for: the people it names, then its groups' members on
// its day (a view, see the migration `session_groups`).
diesel::table! {
    session_people (workspace_id, session_id, person_id) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        person_id -> Uuid,
        group_id -> Nullable<Uuid>,
        ord -> Timestamptz,
    }
}
diesel::allow_tables_to_appear_in_same_query!(session_people, sessions);
diesel::allow_tables_to_appear_in_same_query!(session_people, people);
diesel::allow_tables_to_appear_in_same_query!(session_people, attendance);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[diesel(deserialize_as = crate::closed::SessionKindText)]
    pub kind: SessionKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub host_id: Option<Uuid>,
    #[diesel(deserialize_as = crate::closed::SessionStatusText)]
    pub status: SessionStatus,
    pub cancel_reason: Option<String>,
    pub notes: Option<String>,
    pub fee_minor: Option<i64>,
    pub fee_currency: Option<String>,
    pub capacity: Option<i32>,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub series_id: Option<Uuid>,
    pub recurrence_id: Option<DateTime<Utc>>,
    pub exception: bool,
    pub booked_by: Option<Uuid>,
}

impl SessionRow {
    /// The session as the API shows it, with the people and the groups it
    /// is for.
    pub fn view(&self, participant_ids: Vec<Uuid>, group_ids: Vec<Uuid>) -> SessionView {
        SessionView {
            id: self.id,
            kind: self.kind,
            title: self.title.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location.clone(),
            online_url: self.online_url.clone(),
            host_id: self.host_id,
            status: self.status,
            cancel_reason: self.cancel_reason.clone(),
            booked_by: self.booked_by,
            notes: self.notes.clone(),
            fee: self
                .fee_minor
                .zip(self.fee_currency.clone())
                .map(|(amount_minor, currency)| Money {
                    amount_minor,
                    currency,
                }),
            capacity: self.capacity,
            buffer_before_min: self.buffer_before_min,
            buffer_after_min: self.buffer_after_min,
            participant_ids,
            group_ids,
            series_id: self.series_id,
            recurrence_id: self.recurrence_id,
            exception: self.exception,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// How the list of sessions sorts: by start, earliest first unless `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSort {
    StartsAt,
}

impl Sorts for SessionSort {
    const LIST: &'static str = "sessions";
    const FIELDS: &'static [(&'static str, Self)] = &[("starts_at", Self::StartsAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::StartsAt,
        dir: Dir::Asc,
    };
    type Row = SessionRow;
    fn key(self, s: &SessionRow) -> Key {
        match self {
            Self::StartsAt => Key::of(s.starts_at, s.id),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Sessions that end after this time.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this time.
    pub to: Option<DateTime<Utc>>,
    pub host_id: Option<Uuid>,
    /// Sessions this person takes part in (named, or through a group).
    pub person_id: Option<Uuid>,
    /// Sessions of this group.
    pub group_id: Option<Uuid>,
    pub status: Option<SessionStatus>,
    pub kind: Option<SessionKind>,
    /// Occurrences of this series.
    pub series_id: Option<Uuid>,
    /// Sessions of this branch: with one of its people, or held by one of
    /// its members (its tutors).
    pub branch_id: Option<Uuid>,
    /// Only group sessions one may still book a seat of: with seats,
    /// scheduled, not yet begun.
    pub with_seats: bool,
}

type BoxedSessions<'a> =
    sessions::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<SessionRow, Pg>>>;

/// Sessions of `scope`.
fn visible<'a>(scope: &Scope) -> BoxedSessions<'a> {
    let q = sessions::table.select(SessionRow::as_select()).into_boxed();
    match scope {
        Scope::Workspace(ws) => q.filter(sessions::workspace_id.eq(*ws)),
        // A member sees the sessions they hold and those of the people
        // linked to them (themself as a student), named or through a group.
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => {
            let linked = people::table
                .filter(people::workspace_id.eq(*workspace_id))
                .filter(people::user_id.eq(*user_id))
                .filter(people::deleted_at.is_null())
                .select(people::id);
            let theirs = session_people::table
                .filter(session_people::workspace_id.eq(*workspace_id))
                .filter(session_people::person_id.eq_any(linked))
                .select(session_people::session_id);
            q.filter(sessions::workspace_id.eq(*workspace_id)).filter(
                sessions::host_id
                    .eq(*user_id)
                    .or(sessions::id.eq_any(theirs)),
            )
        }
        // A moderator limited to branches sees the sessions of their
        // people, and those their branches' tutors hold.
        Scope::Branches { workspace_id, ids } => {
            let theirs = session_people::table
                .filter(session_people::workspace_id.eq(*workspace_id))
                .filter(
                    session_people::person_id
                        .eq_any(crate::scope::branch_people(*workspace_id, ids)),
                )
                .select(session_people::session_id);
            q.filter(sessions::workspace_id.eq(*workspace_id)).filter(
                sessions::host_id
                    .assume_not_null()
                    .eq_any(crate::scope::branch_members(*workspace_id, ids))
                    .or(sessions::id.eq_any(theirs)),
            )
        }
        Scope::Organization { .. } | Scope::Nothing => q.filter(sessions::id.ne(sessions::id)),
    }
}

/// The longest a session lasts (the table checks it): a session that ends
/// after `t` starts after `t - longest()`, which keeps a search by time to
/// one range of the index on starts however long the history behind it.
fn longest() -> chrono::Duration {
    chrono::Duration::hours(rapport_domain::scheduling::LENGTH_MAX_HOURS)
}

/// A page of the sessions of `scope` that `f` keeps.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    f: &SessionFilter,
    page: &PageRequest<SessionSort>,
) -> ListResult<Vec<SessionRow>> {
    let mut q = visible(scope);
    if let Some(from) = f.from {
        // The start bounds the index range: a session lasts at most a day.
        q = q
            .filter(sessions::ends_at.gt(from))
            .filter(sessions::starts_at.gt(from - longest()));
    }
    if let Some(to) = f.to {
        q = q.filter(sessions::starts_at.lt(to));
    }
    if let Some(h) = f.host_id {
        q = q.filter(sessions::host_id.eq(h));
    }
    if let Some(p) = f.person_id {
        let with = session_people::table
            .filter(session_people::workspace_id.eq(scope.workspace()))
            .filter(session_people::person_id.eq(p))
            .select(session_people::session_id);
        q = q.filter(sessions::id.eq_any(with));
    }
    if let Some(g) = f.group_id {
        let with = session_groups::table
            .filter(session_groups::workspace_id.eq(scope.workspace()))
            .filter(session_groups::group_id.eq(g))
            .select(session_groups::session_id);
        q = q.filter(sessions::id.eq_any(with));
    }
    if let Some(b) = f.branch_id {
        let ws = scope.workspace();
        let with = session_people::table
            .filter(session_people::workspace_id.eq(ws))
            .filter(session_people::person_id.eq_any(crate::scope::branch_people(ws, &[b])))
            .select(session_people::session_id);
        q = q.filter(
            sessions::id.eq_any(with).or(sessions::host_id
                .assume_not_null()
                .eq_any(crate::scope::branch_members(ws, &[b]))),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(sessions::status.eq(s.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(sessions::kind.eq(k.as_str()));
    }
    if let Some(id) = f.series_id {
        q = q.filter(sessions::series_id.eq(id));
    }
    if f.with_seats {
        q = q
            .filter(sessions::capacity.is_not_null())
            .filter(sessions::status.eq(SessionStatus::Scheduled.as_str()))
            .filter(sessions::starts_at.gt(diesel::dsl::now));
    }
    let q = match page.sort.field {
        SessionSort::StartsAt => page.seek(q, sessions::starts_at, sessions::id)?,
    };
    Ok(q.load(conn).await?)
}

/// A session `scope` may see.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<SessionRow>> {
    visible(scope)
        .filter(sessions::id.eq(id))
        .first(conn)
        .await
        .optional()
}

/// A session of `ws` that `scope` may see, locked until the transaction
/// ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<SessionRow>> {
    let locked: Option<Uuid> = sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::id.eq(id))
        .select(sessions::id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(_) => find(conn, scope, id).await,
        None => Ok(None),
    }
}

/// The people each of the sessions `ids` of `ws` is for, in the order they
/// were added.
pub async fn participants(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows: Vec<(Uuid, Uuid)> = session_participants::table
        .filter(session_participants::workspace_id.eq(ws))
        .filter(session_participants::session_id.eq_any(ids))
        .order((
            session_participants::session_id,
            session_participants::created_at,
            session_participants::person_id,
        ))
        .select((
            session_participants::session_id,
            session_participants::person_id,
        ))
        .load(conn)
        .await?;
    let mut by: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (s, p) in rows {
        by.entry(s).or_default().push(p);
    }
    Ok(by)
}

/// Everyone each of the sessions `ids` of `ws` is for: the people it names,
/// then its groups' members on its day, each once.
pub async fn people_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows: Vec<(Uuid, Uuid)> = session_people::table
        .filter(session_people::workspace_id.eq(ws))
        .filter(session_people::session_id.eq_any(ids))
        .order((
            session_people::session_id,
            session_people::ord,
            session_people::person_id,
        ))
        .select((session_people::session_id, session_people::person_id))
        .load(conn)
        .await?;
    let mut by: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (s, p) in rows {
        let list = by.entry(s).or_default();
        if !list.contains(&p) {
            list.push(p);
        }
    }
    Ok(by)
}

/// The groups each of the sessions `ids` of `ws` is for.
pub async fn groups_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows: Vec<(Uuid, Uuid)> = session_groups::table
        .filter(session_groups::workspace_id.eq(ws))
        .filter(session_groups::session_id.eq_any(ids))
        .order((
            session_groups::session_id,
            session_groups::created_at,
            session_groups::group_id,
        ))
        .select((session_groups::session_id, session_groups::group_id))
        .load(conn)
        .await?;
    let mut by: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (s, g) in rows {
        by.entry(s).or_default().push(g);
    }
    Ok(by)
}

/// Of `ids`, the live groups of `ws`.
pub async fn live_groups(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    groups::table
        .filter(groups::workspace_id.eq(ws))
        .filter(groups::id.eq_any(ids))
        .filter(groups::deleted_at.is_null())
        .select(groups::id)
        .load(conn)
        .await
}

/// Makes `list` the groups of session `id` of `ws`, in that order.
pub async fn set_groups(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    list: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        session_groups::table
            .filter(session_groups::workspace_id.eq(ws))
            .filter(session_groups::session_id.eq(id))
            .filter(session_groups::group_id.ne_all(list)),
    )
    .execute(conn)
    .await?;
    let now = Utc::now();
    let rows: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                session_groups::workspace_id.eq(ws),
                session_groups::session_id.eq(id),
                session_groups::group_id.eq(*g),
                session_groups::created_at.eq(now + chrono::Duration::microseconds(i as i64)),
            )
        })
        .collect();
    diesel::insert_into(session_groups::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Of `ids`, the live people of `ws`.
pub async fn live_people(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::id.eq_any(ids))
        .filter(people::deleted_at.is_null())
        .select(people::id)
        .load(conn)
        .await
}

/// Makes `people` the participants of session `id` of `ws`, in that order.
pub async fn set_participants(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    people: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        session_participants::table
            .filter(session_participants::workspace_id.eq(ws))
            .filter(session_participants::session_id.eq(id))
            .filter(session_participants::person_id.ne_all(people)),
    )
    .execute(conn)
    .await?;
    let now = Utc::now();
    let rows: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                session_participants::workspace_id.eq(ws),
                session_participants::session_id.eq(id),
                session_participants::person_id.eq(*p),
                // Keeps the order they were given in.
                session_participants::created_at.eq(now + chrono::Duration::microseconds(i as i64)),
            )
        })
        .collect();
    diesel::insert_into(session_participants::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub host_id: Option<Uuid>,
    pub notes: Option<String>,
    pub fee_minor: Option<i64>,
    pub fee_currency: Option<String>,
    pub capacity: Option<i32>,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub series_id: Option<Uuid>,
    pub recurrence_id: Option<DateTime<Utc>>,
    /// `scheduled` when `None`.
    pub status: Option<String>,
    pub cancel_reason: Option<String>,
    pub booked_by: Option<Uuid>,
}

pub async fn insert(conn: &mut AsyncPgConnection, s: &NewSession) -> QueryResult<SessionRow> {
    diesel::insert_into(sessions::table)
        .values(s)
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await
}

/// The fields a change sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = sessions)]
pub struct SessionChanges {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
    pub host_id: Option<Option<Uuid>>,
    pub status: Option<String>,
    pub cancel_reason: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub fee_minor: Option<Option<i64>>,
    pub fee_currency: Option<Option<String>>,
    pub capacity: Option<Option<i32>>,
    pub buffer_before_min: Option<i32>,
    pub buffer_after_min: Option<i32>,
    pub series_id: Option<Option<Uuid>>,
    pub recurrence_id: Option<Option<DateTime<Utc>>>,
    pub exception: Option<bool>,
}

impl SessionChanges {
    /// Whether applying these changes to `s` would change anything.
    pub fn changes_anything(&self, s: &SessionRow) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        self.kind.as_deref().is_some_and(|k| k != s.kind.as_str())
            || differs(&self.title, &s.title)
            || differs(&self.starts_at, &s.starts_at)
            || differs(&self.ends_at, &s.ends_at)
            || differs(&self.location, &s.location)
            || differs(&self.online_url, &s.online_url)
            || differs(&self.host_id, &s.host_id)
            || self
                .status
                .as_deref()
                .is_some_and(|v| v != s.status.as_str())
            || differs(&self.cancel_reason, &s.cancel_reason)
            || differs(&self.notes, &s.notes)
            || differs(&self.fee_minor, &s.fee_minor)
            || differs(&self.fee_currency, &s.fee_currency)
            || differs(&self.capacity, &s.capacity)
            || differs(&self.buffer_before_min, &s.buffer_before_min)
            || differs(&self.buffer_after_min, &s.buffer_after_min)
            || differs(&self.series_id, &s.series_id)
            || differs(&self.recurrence_id, &s.recurrence_id)
            || differs(&self.exception, &s.exception)
    }
}

/// Applies `changes` to session `id` at `version` (and a new version, even
/// when only its participants changed); `None` when the version moved on.
pub async fn update(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &SessionChanges,
) -> QueryResult<Option<SessionRow>> {
    diesel::update(sessions::table)
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::id.eq(id))
        .filter(sessions::version.eq(version))
        .set((
            changes,
            sessions::version.eq(sessions::version + 1),
            sessions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// One participant's recorded attendance.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = attendance)]
pub struct AttendanceRow {
    pub workspace_id: Uuid,
    pub session_id: Uuid,
    pub person_id: Uuid,
    #[diesel(deserialize_as = crate::closed::AttendanceStatusText)]
    pub status: AttendanceStatus,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
}

impl AttendanceRow {
    pub fn view(&self) -> AttendanceView {
        AttendanceView {
            session_id: self.session_id,
            person_id: self.person_id,
            // The register fills them in.
            first_name: String::new(),
            last_name: String::new(),
            status: Some(self.status),
            note: self.note.clone(),
            recorded_by: self.recorded_by,
            recorded_at: Some(self.recorded_at),
            version: self.version,
        }
    }
}

/// The attendance recorded for session `id` of `ws`, by person.
pub async fn attendance_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<HashMap<Uuid, AttendanceRow>> {
    let rows: Vec<AttendanceRow> = attendance::table
        .filter(attendance::workspace_id.eq(ws))
        .filter(attendance::session_id.eq(id))
        .select(AttendanceRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.person_id, r)).collect())
}

/// How many lines of each of sessions `ids` of `ws` are recorded, by
/// session (a session with none is left out).
pub async fn recorded_counts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = attendance::table
        .filter(attendance::workspace_id.eq(ws))
        .filter(attendance::session_id.eq_any(ids))
        .group_by(attendance::session_id)
        .select((attendance::session_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records `status` and `note` for `person` at session `id` of `ws` by
/// `by`: a new record, or the next version of the one there.
pub async fn record_attendance(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    person: Uuid,
    status: AttendanceStatus,
    note: Option<&str>,
    by: Option<Uuid>,
) -> QueryResult<AttendanceRow> {
    use diesel::upsert::excluded;
    diesel::insert_into(attendance::table)
        .values((
            attendance::workspace_id.eq(ws),
            attendance::session_id.eq(id),
            attendance::person_id.eq(person),
            attendance::status.eq(status.as_str()),
            attendance::note.eq(note),
            attendance::recorded_by.eq(by),
        ))
        .on_conflict((
            attendance::workspace_id,
            attendance::session_id,
            attendance::person_id,
        ))
        .do_update()
        .set((
            attendance::status.eq(excluded(attendance::status)),
            attendance::note.eq(excluded(attendance::note)),
            attendance::recorded_by.eq(excluded(attendance::recorded_by)),
            attendance::recorded_at.eq(diesel::dsl::now),
            attendance::version.eq(attendance::version + 1),
        ))
        .returning(AttendanceRow::as_returning())
        .get_result(conn)
        .await
}

/// Every attendance recorded for `person` of `ws`.
pub async fn attendance_of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<AttendanceRow>> {
    attendance::table
        .filter(attendance::workspace_id.eq(ws))
        .filter(attendance::person_id.eq(person))
        .order(attendance::session_id)
        .select(AttendanceRow::as_select())
        .load(conn)
        .await
}

/// Clears the notes of `person`'s attendance in `ws`; how many it cleared.
pub async fn clear_attendance_notes(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        attendance::table
            .filter(attendance::workspace_id.eq(ws))
            .filter(attendance::person_id.eq(person))
            .filter(attendance::note.is_not_null()),
    )
    .set(attendance::note.eq(None::<String>))
    .execute(conn)
    .await
}

/// The live people of `ws` linked to user `user_id` (themself as a
/// student, or the children of a parent).
pub async fn linked_people(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::user_id.eq(user_id))
        .filter(people::deleted_at.is_null())
        .select(people::id)
        .load(conn)
        .await
}

/// Deletes the attendance of session `id` of `ws` recorded for people it
/// is no longer for (taken off it, or their group taken off); the records
/// deleted.
pub async fn drop_stray_attendance(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<AttendanceRow>> {
    let still = session_people::table
        .filter(session_people::workspace_id.eq(ws))
        .filter(session_people::session_id.eq(id))
        .select(session_people::person_id);
    diesel::delete(
        attendance::table
            .filter(attendance::workspace_id.eq(ws))
            .filter(attendance::session_id.eq(id))
            .filter(diesel::dsl::not(attendance::person_id.eq_any(still))),
    )
    .returning(AttendanceRow::as_returning())
    .get_results(conn)
    .await
}

/// Waits, until the transaction ends, for any other change that may book
/// `host` of `ws`: two bookings of one host are then checked one after the
/// other by the table's exclusion constraint, which answers the second with
/// a clear conflict rather than a deadlock between the two.
pub async fn hold_host(conn: &mut AsyncPgConnection, ws: Uuid, host: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
        .bind::<diesel::sql_types::Text, _>(format!("host:{ws}:{host}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A series of sessions: its rule, its zone, and what each occurrence is.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_series)]
#[diesel(treat_none_as_default_value = false)]
pub struct SeriesRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub rrule: String,
    pub time_zone: String,
    pub starts_local: chrono::NaiveDateTime,
    pub duration_min: i32,
    pub exdates: Vec<chrono::NaiveDate>,
    pub ends_before: Option<DateTime<Utc>>,
    pub materialised_until: DateTime<Utc>,
    pub kind: String,
    pub title: String,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub host_id: Option<Uuid>,
    pub notes: Option<String>,
    pub fee_minor: Option<i64>,
    pub fee_currency: Option<String>,
    pub capacity: Option<i32>,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub participant_ids: Vec<Uuid>,
    pub group_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl SeriesRow {
    /// An occurrence of the series starting at `starts_at`, named by
    /// `recurrence_id`.
    pub fn occurrence(&self, starts_at: DateTime<Utc>, recurrence_id: DateTime<Utc>) -> NewSession {
        NewSession {
            workspace_id: self.workspace_id,
            id: Uuid::now_v7(),
            kind: self.kind.clone(),
            title: self.title.clone(),
            starts_at,
            ends_at: starts_at + chrono::Duration::minutes(self.duration_min as i64),
            location: self.location.clone(),
            online_url: self.online_url.clone(),
            host_id: self.host_id,
            notes: self.notes.clone(),
            fee_minor: self.fee_minor,
            fee_currency: self.fee_currency.clone(),
            capacity: self.capacity,
            buffer_before_min: self.buffer_before_min,
            buffer_after_min: self.buffer_after_min,
            series_id: Some(self.id),
            recurrence_id: Some(recurrence_id),
            status: None,
            cancel_reason: None,
            booked_by: None,
        }
    }

    /// The changes that make an occurrence what the series says, its times
    /// aside.
    pub fn fields(&self) -> SessionChanges {
        SessionChanges {
            kind: Some(self.kind.clone()),
            title: Some(self.title.clone()),
            location: Some(self.location.clone()),
            online_url: Some(self.online_url.clone()),
            host_id: Some(self.host_id),
            notes: Some(self.notes.clone()),
            fee_minor: Some(self.fee_minor),
            fee_currency: Some(self.fee_currency.clone()),
            capacity: Some(self.capacity),
            buffer_before_min: Some(self.buffer_before_min),
            buffer_after_min: Some(self.buffer_after_min),
            ..Default::default()
        }
    }
}

pub async fn insert_series(conn: &mut AsyncPgConnection, s: &SeriesRow) -> QueryResult<SeriesRow> {
    diesel::insert_into(session_series::table)
        .values(s)
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
}

/// Series `id` of `ws`, locked until the transaction ends.
pub async fn lock_series(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<SeriesRow>> {
    session_series::table
        .filter(session_series::workspace_id.eq(ws))
        .filter(session_series::id.eq(id))
        .select(SeriesRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

/// Series `id` of `ws`.
pub async fn find_series(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<SeriesRow>> {
    session_series::table
        .filter(session_series::workspace_id.eq(ws))
        .filter(session_series::id.eq(id))
        .select(SeriesRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores `s` as series `s.id` is now, a new version.
pub async fn save_series(conn: &mut AsyncPgConnection, s: &SeriesRow) -> QueryResult<SeriesRow> {
    diesel::update(session_series::table)
        .filter(session_series::workspace_id.eq(s.workspace_id))
        .filter(session_series::id.eq(s.id))
        .set((
            session_series::rrule.eq(&s.rrule),
            session_series::starts_local.eq(s.starts_local),
            session_series::duration_min.eq(s.duration_min),
            session_series::exdates.eq(&s.exdates),
            session_series::ends_before.eq(s.ends_before),
            session_series::materialised_until.eq(s.materialised_until),
            session_series::kind.eq(&s.kind),
            session_series::title.eq(&s.title),
            session_series::location.eq(&s.location),
            session_series::online_url.eq(&s.online_url),
            session_series::host_id.eq(s.host_id),
            session_series::notes.eq(&s.notes),
            session_series::fee_minor.eq(s.fee_minor),
            session_series::fee_currency.eq(&s.fee_currency),
            session_series::capacity.eq(s.capacity),
            session_series::buffer_before_min.eq(s.buffer_before_min),
            session_series::buffer_after_min.eq(s.buffer_after_min),
            (
                session_series::participant_ids.eq(&s.participant_ids),
                session_series::group_ids.eq(&s.group_ids),
                session_series::updated_at.eq(diesel::dsl::now),
                session_series::version.eq(session_series::version + 1),
            ),
        ))
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
}

/// The occurrences of series `id` of `ws` that have not begun at `now`,
/// from `from` on (by their original start), earliest first, locked.
pub async fn coming_occurrences(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::series_id.eq(id))
        .filter(sessions::recurrence_id.ge(from))
        .filter(sessions::starts_at.gt(now))
        .order(sessions::recurrence_id)
        .select(SessionRow::as_select())
        .for_no_key_update()
        .load(conn)
        .await
}

/// Every occurrence of series `id` of `ws`, by their original start.
pub async fn occurrences(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::series_id.eq(id))
        .order(sessions::recurrence_id)
        .select(SessionRow::as_select())
        .load(conn)
        .await
}

/// The original starts of every occurrence of series `id` of `ws`.
pub async fn occurrence_ids(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<DateTime<Utc>>> {
    sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::series_id.eq(id))
        .select(sessions::recurrence_id.assume_not_null())
        .load(conn)
        .await
}

/// Deletes session `id` of `ws` (an occurrence a series no longer has).
pub async fn delete(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::workspace_id.eq(ws))
            .filter(sessions::id.eq(id)),
    )
    .execute(conn)
    .await
}

/// Up to `limit` series whose occurrences stop before `horizon` and that
/// go on past them: `(workspace, series)`.
pub async fn series_to_extend(
    conn: &mut AsyncPgConnection,
    horizon: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    session_series::table
        .filter(session_series::materialised_until.lt(horizon))
        .filter(
            session_series::ends_before
                .is_null()
                .or(session_series::ends_before
                    .assume_not_null()
                    .gt(session_series::materialised_until)),
        )
        .order(session_series::materialised_until)
        .select((session_series::workspace_id, session_series::id))
        .limit(limit)
        .load(conn)
        .await
}

/// Gives the occurrences of series `from` of `ws` from `pivot` on (by their
/// original start) to series `to` (a series split there).
pub async fn move_occurrences(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    from: Uuid,
    to: Uuid,
    pivot: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::workspace_id.eq(ws))
            .filter(sessions::series_id.eq(from))
            .filter(sessions::recurrence_id.ge(pivot)),
    )
    .set((
        sessions::series_id.eq(to),
        sessions::version.eq(sessions::version + 1),
        sessions::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
}

/// Makes `hash` the digest of member `user`'s calendar feed token in `ws`,
/// in place of any earlier one.
pub async fn set_feed(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    hash: &[u8],
) -> QueryResult<()> {
    drop_feed(conn, ws, user).await?;
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::token_hash.eq(hash),
            calendar_feeds::workspace_id.eq(ws),
            calendar_feeds::user_id.eq(user),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes member `user`'s calendar feed in `ws`; whether there was one.
pub async fn drop_feed(conn: &mut AsyncPgConnection, ws: Uuid, user: Uuid) -> QueryResult<bool> {
    diesel::delete(
        calendar_feeds::table
            .filter(calendar_feeds::workspace_id.eq(ws))
            .filter(calendar_feeds::user_id.eq(user)),
    )
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Whose feed the token with digest `hash` opens: `(workspace, member,
/// made at)`.
pub async fn feed_owner(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<(Uuid, Uuid, DateTime<Utc>)>> {
    calendar_feeds::table
        .filter(calendar_feeds::token_hash.eq(hash))
        .select((
            calendar_feeds::workspace_id,
            calendar_feeds::user_id,
            calendar_feeds::created_at,
        ))
        .first(conn)
        .await
        .optional()
}

/// A host's hours as stored: their zone and the three lists (checked by
/// the server before they are written).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = availability)]
pub struct AvailabilityRow {
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub time_zone: String,
    pub weekly: serde_json::Value,
    pub overrides: serde_json::Value,
    pub time_off: serde_json::Value,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub async fn availability_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
) -> QueryResult<Option<AvailabilityRow>> {
    availability::table
        .filter(availability::workspace_id.eq(ws))
        .filter(availability::user_id.eq(user))
        .select(AvailabilityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores `user`'s hours in `ws` (a new version); with `version`, only
/// over that version (`None` when it moved on).
#[allow(clippy::too_many_arguments)]
pub async fn put_availability(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user: Uuid,
    time_zone: &str,
    weekly: &serde_json::Value,
    overrides: &serde_json::Value,
    time_off: &serde_json::Value,
    version: Option<i32>,
) -> QueryResult<Option<AvailabilityRow>> {
    use diesel::upsert::excluded;
    let current = availability::table
        .filter(availability::workspace_id.eq(ws))
        .filter(availability::user_id.eq(user))
        .select(availability::version)
        .for_no_key_update()
        .first::<i32>(conn)
        .await
        .optional()?;
    if version.is_some_and(|v| v != current.unwrap_or(0)) {
        return Ok(None);
    }
    diesel::insert_into(availability::table)
        .values((
            availability::workspace_id.eq(ws),
            availability::user_id.eq(user),
            availability::time_zone.eq(time_zone),
            availability::weekly.eq(weekly),
            availability::overrides.eq(overrides),
            availability::time_off.eq(time_off),
        ))
        .on_conflict((availability::workspace_id, availability::user_id))
        .do_update()
        .set((
            availability::time_zone.eq(excluded(availability::time_zone)),
            availability::weekly.eq(excluded(availability::weekly)),
            availability::overrides.eq(excluded(availability::overrides)),
            availability::time_off.eq(excluded(availability::time_off)),
            availability::updated_at.eq(diesel::dsl::now),
            availability::version.eq(availability::version + 1),
        ))
        .returning(AvailabilityRow::as_returning())
        .get_result(conn)
        .await
        .map(Some)
}

/// When a person (a student) is free: the same document as a host's hours.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = person_availability)]
pub struct PersonAvailabilityRow {
    pub workspace_id: Uuid,
    pub person_id: Uuid,
    pub time_zone: String,
    pub weekly: serde_json::Value,
    pub overrides: serde_json::Value,
    pub time_off: serde_json::Value,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl PersonAvailabilityRow {
    /// As a host's hours are read (`user_id`: the person's id).
    pub fn as_hours(&self) -> AvailabilityRow {
        AvailabilityRow {
            workspace_id: self.workspace_id,
            user_id: self.person_id,
            time_zone: self.time_zone.clone(),
            weekly: self.weekly.clone(),
            overrides: self.overrides.clone(),
            time_off: self.time_off.clone(),
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

pub async fn person_availability_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Option<PersonAvailabilityRow>> {
    person_availability::table
        .find((ws, person))
        .select(PersonAvailabilityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores when `person` of `ws` is free (a new version); with `version`,
/// only over that version (`None` when it moved on).
pub async fn put_person_availability(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    doc: (
        &str,
        &serde_json::Value,
        &serde_json::Value,
        &serde_json::Value,
    ),
    version: Option<i32>,
) -> QueryResult<Option<PersonAvailabilityRow>> {
    use diesel::upsert::excluded;
    let (time_zone, weekly, overrides, time_off) = doc;
    let current = person_availability::table
        .find((ws, person))
        .select(person_availability::version)
        .for_no_key_update()
        .first::<i32>(conn)
        .await
        .optional()?;
    if version.is_some_and(|v| v != current.unwrap_or(0)) {
        return Ok(None);
    }
    diesel::insert_into(person_availability::table)
        .values((
            person_availability::workspace_id.eq(ws),
            person_availability::person_id.eq(person),
            person_availability::time_zone.eq(time_zone),
            person_availability::weekly.eq(weekly),
            person_availability::overrides.eq(overrides),
            person_availability::time_off.eq(time_off),
        ))
        .on_conflict((
            person_availability::workspace_id,
            person_availability::person_id,
        ))
        .do_update()
        .set((
            person_availability::time_zone.eq(excluded(person_availability::time_zone)),
            person_availability::weekly.eq(excluded(person_availability::weekly)),
            person_availability::overrides.eq(excluded(person_availability::overrides)),
            person_availability::time_off.eq(excluded(person_availability::time_off)),
            person_availability::updated_at.eq(diesel::dsl::now),
            person_availability::version.eq(person_availability::version + 1),
        ))
        .returning(PersonAvailabilityRow::as_returning())
        .get_result(conn)
        .await
        .map(Some)
}

/// Forgets when `person` of `ws` is free; how many rows went.
pub async fn forget_person_availability(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<usize> {
    diesel::delete(person_availability::table.find((ws, person)))
        .execute(conn)
        .await
}

/// A workspace's rule for one kind of session, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = booking_rules)]
#[diesel(treat_none_as_default_value = false)]
pub struct BookingRuleRow {
    pub workspace_id: Uuid,
    pub kind: String,
    pub duration_min: i32,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub slot_interval_min: i32,
    pub min_notice_min: i32,
    pub window_days: i32,
    pub max_per_day: Option<i32>,
    pub max_per_week: Option<i32>,
    pub requires_confirmation: bool,
}

impl BookingRuleRow {
    /// The rule as the API shows it.
    pub fn rule(&self) -> rapport_domain::api::BookingRule {
        rapport_domain::api::BookingRule {
            duration_min: self.duration_min,
            buffer_before_min: self.buffer_before_min,
            buffer_after_min: self.buffer_after_min,
            slot_interval_min: self.slot_interval_min,
            min_notice_min: self.min_notice_min,
            window_days: self.window_days,
            max_per_day: self.max_per_day,
            max_per_week: self.max_per_week,
            requires_confirmation: self.requires_confirmation,
        }
    }
}

pub async fn booking_rules(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
) -> QueryResult<Vec<BookingRuleRow>> {
    booking_rules::table
        .filter(booking_rules::workspace_id.eq(ws))
        .select(BookingRuleRow::as_select())
        .load(conn)
        .await
}

pub async fn put_booking_rule(
    conn: &mut AsyncPgConnection,
    r: &BookingRuleRow,
) -> QueryResult<BookingRuleRow> {
    diesel::insert_into(booking_rules::table)
        .values(r)
        .on_conflict((booking_rules::workspace_id, booking_rules::kind))
        .do_update()
        .set((
            booking_rules::duration_min.eq(r.duration_min),
            booking_rules::buffer_before_min.eq(r.buffer_before_min),
            booking_rules::buffer_after_min.eq(r.buffer_after_min),
            booking_rules::slot_interval_min.eq(r.slot_interval_min),
            booking_rules::min_notice_min.eq(r.min_notice_min),
            booking_rules::window_days.eq(r.window_days),
            booking_rules::max_per_day.eq(r.max_per_day),
            booking_rules::max_per_week.eq(r.max_per_week),
            booking_rules::requires_confirmation.eq(r.requires_confirmation),
            booking_rules::updated_at.eq(diesel::dsl::now),
        ))
        .returning(BookingRuleRow::as_returning())
        .get_result(conn)
        .await
}

/// The time `host` of `ws` holds from `from` to `to`: for each session but
/// a cancelled one, its start, its end, and its buffers in minutes.
pub async fn held(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    host: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(DateTime<Utc>, DateTime<Utc>, i32, i32)>> {
    sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::host_id.eq(host))
        .filter(sessions::status.ne_all(["cancelled", "pending"]))
        .filter(sessions::starts_at.lt(to))
        .filter(sessions::starts_at.gt(from - longest()))
        .filter(sessions::ends_at.gt(from))
        .order(sessions::starts_at)
        .select((
            sessions::starts_at,
            sessions::ends_at,
            sessions::buffer_before_min,
            sessions::buffer_after_min,
        ))
        .load(conn)
        .await
}

/// Gives `person` a seat of session `id` of `ws`; whether they had none.
pub async fn add_participant(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    person: Uuid,
) -> QueryResult<bool> {
    diesel::insert_into(session_participants::table)
        .values((
            session_participants::workspace_id.eq(ws),
            session_participants::session_id.eq(id),
            session_participants::person_id.eq(person),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n > 0)
}

/// Takes `person` off session `id` of `ws`; whether they were on it.
pub async fn remove_participant(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    person: Uuid,
) -> QueryResult<bool> {
    diesel::delete(
        session_participants::table
            .filter(session_participants::workspace_id.eq(ws))
            .filter(session_participants::session_id.eq(id))
            .filter(session_participants::person_id.eq(person)),
    )
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// The members of `ws` who have set hours (who can be booked): id, name
/// and zone, by name.
pub async fn bookable_hosts(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
) -> QueryResult<Vec<(Uuid, String, String)>> {
    availability::table
        .inner_join(
            memberships::table.on(memberships::workspace_id
                .eq(availability::workspace_id)
                .and(memberships::user_id.eq(availability::user_id))),
        )
        .inner_join(users::table.on(users::id.eq(availability::user_id)))
        .filter(availability::workspace_id.eq(ws))
        .filter(availability::weekly.ne(serde_json::json!([])))
        .order((users::name, users::id))
        .select((users::id, users::name, availability::time_zone))
        .load(conn)
        .await
}

/// How many minutes before its sessions `ws` reminds of them (60 until
/// set; 0 for none).
pub async fn reminder_lead(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<i32> {
    reminder_settings::table
        .filter(reminder_settings::workspace_id.eq(ws))
        .select(reminder_settings::lead_min)
        .first(conn)
        .await
        .optional()
        .map(|v| v.unwrap_or(60))
}

pub async fn set_reminder_lead(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    lead_min: i32,
) -> QueryResult<()> {
    diesel::insert_into(reminder_settings::table)
        .values((
            reminder_settings::workspace_id.eq(ws),
            reminder_settings::lead_min.eq(lead_min),
        ))
        .on_conflict(reminder_settings::workspace_id)
        .do_update()
        .set((
            reminder_settings::lead_min.eq(lead_min),
            reminder_settings::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A session a reminder is due for.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueReminder {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub workspace_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub starts_at: DateTime<Utc>,
}

/// Up to `limit` scheduled sessions, across workspaces, that start within
/// their workspace's lead time from `now` and whose reminder for that start
/// was not sent.
pub async fn due_reminders(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<DueReminder>> {
    crate::sql_query(
        "SELECT s.workspace_id, s.id AS session_id, s.starts_at FROM sessions s
         LEFT JOIN reminder_settings r ON r.workspace_id = s.workspace_id
         WHERE s.status = 'scheduled' AND s.starts_at > $1
           AND s.starts_at <= $1 + interval '7 days'
           AND s.starts_at <= $1 + make_interval(mins => coalesce(r.lead_min, 60))
           AND NOT EXISTS (SELECT 1 FROM session_reminders m
                WHERE m.workspace_id = s.workspace_id AND m.session_id = s.id
                  AND m.starts_at = s.starts_at)
         ORDER BY s.starts_at LIMIT $2",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

/// Marks the reminder of session `id` of `ws` for `starts_at` sent;
/// whether it was not already (so that it is sent once, whoever asks).
pub async fn claim_reminder(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    starts_at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(session_reminders::table)
        .values((
            session_reminders::workspace_id.eq(ws),
            session_reminders::session_id.eq(id),
            session_reminders::starts_at.eq(starts_at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n > 0)
}

/// The e-mail addresses of the people session `id` of `ws` is for.
pub async fn participant_emails(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<String>> {
    let ids = session_people::table
        .filter(session_people::workspace_id.eq(ws))
        .filter(session_people::session_id.eq(id))
        .select(session_people::person_id);
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::id.eq_any(ids))
        .filter(people::deleted_at.is_null())
        .filter(people::email.is_not_null())
        .select(people::email.assume_not_null())
        .load(conn)
        .await
}

/// The members of `ws` who take part in session `id` as a person linked to
/// them (a student who signs in), each once.
pub async fn participant_users(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    let ids = session_people::table
        .filter(session_people::workspace_id.eq(ws))
        .filter(session_people::session_id.eq(id))
        .select(session_people::person_id);
    let members = memberships::table
        .filter(memberships::workspace_id.eq(ws))
        .select(memberships::user_id.nullable());
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::id.eq_any(ids))
        .filter(people::deleted_at.is_null())
        .filter(people::user_id.eq_any(members))
        .select(people::user_id.assume_not_null())
        .distinct()
        .load(conn)
        .await
}

/// The coming sessions of group `group` of `ws` (those not yet ended),
/// each once: a series by its id (`true`), a session on its own by its
/// own (`false`). At most 500.
pub async fn coming_of_group(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    group: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, bool)>> {
    let of_group = session_groups::table
        .filter(session_groups::workspace_id.eq(ws))
        .filter(session_groups::group_id.eq(group))
        .select(session_groups::session_id);
    let rows: Vec<(Uuid, Option<Uuid>)> = sessions::table
        .filter(sessions::workspace_id.eq(ws))
        .filter(sessions::id.eq_any(of_group))
        .filter(sessions::ends_at.gt(now))
        .order(sessions::starts_at)
        .limit(500)
        .select((sessions::id, sessions::series_id))
        .load(conn)
        .await?;
    let mut out: Vec<(Uuid, bool)> = vec![];
    for (id, series) in rows {
        let key = series.map_or((id, false), |s| (s, true));
        if !out.contains(&key) {
            out.push(key);
        }
    }
    Ok(out)
}

/// What one attendee was last sent of a session by e-mail.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = session_invitations)]
pub struct InvitationRow {
    pub email: String,
    pub sequence: i32,
    pub cancelled: bool,
    pub sent_digest: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Holds the invitations of session (or series) `id` until the end of the
/// transaction: one sender at a time.
pub async fn lock_invitations(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// What the attendees of session (or series) `id` of `ws` were last sent.
pub async fn invitations(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<InvitationRow>> {
    session_invitations::table
        .filter(session_invitations::workspace_id.eq(ws))
        .filter(session_invitations::session_id.eq(id))
        .order(session_invitations::email.asc())
        .select(InvitationRow::as_select())
        .load(conn)
        .await
}

/// Records what an attendee of session `id` of `ws` was sent.
pub async fn set_invitation(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    sent: &InvitationRow,
) -> QueryResult<()> {
    diesel::insert_into(session_invitations::table)
        .values((
            session_invitations::workspace_id.eq(ws),
            session_invitations::session_id.eq(id),
            session_invitations::email.eq(&sent.email),
            session_invitations::sequence.eq(sent.sequence),
            session_invitations::cancelled.eq(sent.cancelled),
            session_invitations::sent_digest.eq(&sent.sent_digest),
            session_invitations::title.eq(&sent.title),
            session_invitations::starts_at.eq(sent.starts_at),
            session_invitations::ends_at.eq(sent.ends_at),
        ))
        .on_conflict((
            session_invitations::workspace_id,
            session_invitations::session_id,
            session_invitations::email,
        ))
        .do_update()
        .set((
            session_invitations::sequence.eq(sent.sequence),
            session_invitations::cancelled.eq(sent.cancelled),
            session_invitations::sent_digest.eq(&sent.sent_digest),
            session_invitations::title.eq(&sent.title),
            session_invitations::starts_at.eq(sent.starts_at),
            session_invitations::ends_at.eq(sent.ends_at),
            session_invitations::sent_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// What address `email` was sent of the sessions of `ws`: each session's id
/// and the last message.
pub async fn invitations_to(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    email: &str,
) -> QueryResult<Vec<(Uuid, InvitationRow)>> {
    session_invitations::table
        .filter(session_invitations::workspace_id.eq(ws))
        .filter(crate::lower(session_invitations::email).eq(email.to_lowercase()))
        .order(session_invitations::sent_at.asc())
        .select((session_invitations::session_id, InvitationRow::as_select()))
        .load(conn)
        .await
}

/// Forgets what address `email` was sent of the sessions of `ws`.
pub async fn forget_invitations(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    email: &str,
) -> QueryResult<usize> {
    diesel::delete(
        session_invitations::table
            .filter(session_invitations::workspace_id.eq(ws))
            .filter(crate::lower(session_invitations::email).eq(email.to_lowercase())),
    )
    .execute(conn)
    .await
}

/// Those of sessions `ids` that `scope` sees.
pub async fn visible_among(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    ids: &[Uuid],
) -> QueryResult<Vec<SessionRow>> {
    visible(scope)
        .filter(sessions::id.eq_any(ids.to_vec()))
        .load(conn)
        .await
}
