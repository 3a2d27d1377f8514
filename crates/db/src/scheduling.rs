//! Scheduling: sessions and their participants: rows, the list by time, changes.
//! [`visible`] is the one place that says which sessions a caller may see.
//! That a host is never booked twice at once is the table's own rule
//! (`sessions_host_free`), not this module's.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{attendance, groups, people, session_groups, session_participants, sessions};
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
        Scope::Organization { .. } | Scope::Nothing => q.filter(sessions::id.ne(sessions::id)),
    }
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
        q = q.filter(sessions::ends_at.gt(from));
    }
    if let Some(to) = f.to {
        q = q.filter(sessions::starts_at.lt(to));
    }
    if let Some(h) = f.host_id {
        q = q.filter(sessions::host_id.eq(h));
    }
    if let Some(p) = f.person_id {
        let with = session_people::table
            .filter(session_people::person_id.eq(p))
            .select(session_people::session_id);
        q = q.filter(sessions::id.eq_any(with));
    }
    if let Some(g) = f.group_id {
        let with = session_groups::table
            .filter(session_groups::group_id.eq(g))
            .select(session_groups::session_id);
        q = q.filter(sessions::id.eq_any(with));
    }
    if let Some(s) = f.status {
        q = q.filter(sessions::status.eq(s.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(sessions::kind.eq(k.as_str()));
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

/// Of `people`, those linked to user `user_id` in `ws`.
pub async fn people_of_user(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::id.eq_any(ids))
        .filter(people::user_id.eq(user_id))
        .select(people::id)
        .load(conn)
        .await
}
