//! Notes on records, and a record's timeline: its notes and its audit
//! entries, newest first. Both carry time-ordered ids (UUIDv7), so one
//! cursor, the last id, pages through the two together.

use crate::audit::Listed;
use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{audit_log, notes, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::notes::NoteRecord;
use std::collections::HashMap;
use uuid::Uuid;

/// A note with its author's name.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = notes)]
pub struct NoteRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[diesel(deserialize_as = crate::closed::NoteRecordText)]
    pub record_type: NoteRecord,
    pub record_id: Uuid,
    pub body: String,
    pub author_id: Option<Uuid>,
    #[diesel(select_expression = users::name.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<users::name>)]
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

type WithAuthor = diesel::dsl::LeftJoinOn<
    notes::table,
    users::table,
    diesel::dsl::Eq<diesel::dsl::Nullable<users::id>, notes::author_id>,
>;

fn with_author() -> WithAuthor {
    notes::table.left_join(users::table.on(users::id.nullable().eq(notes::author_id)))
}

/// One note of workspace `ws`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<NoteRow>> {
    with_author()
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::id.eq(id))
        .select(NoteRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One note of workspace `ws`, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<NoteRow>> {
    let locked: Option<Uuid> = notes::table
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::id.eq(id))
        .select(notes::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(id) => find(conn, ws, id).await,
        None => Ok(None),
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = notes)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewNote {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub body: String,
    pub author_id: Option<Uuid>,
}

impl NewNote {
    /// A note on `record`.
    pub fn on(
        workspace_id: Uuid,
        record: NoteRecord,
        record_id: Uuid,
        body: String,
        author_id: Option<Uuid>,
    ) -> Self {
        let is = |r: NoteRecord| (record == r).then_some(record_id);
        NewNote {
            workspace_id,
            id: Uuid::now_v7(),
            person_id: is(NoteRecord::Person),
            organization_id: is(NoteRecord::Organization),
            group_id: is(NoteRecord::Group),
            body,
            author_id,
        }
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, n: &NewNote) -> QueryResult<NoteRow> {
    diesel::insert_into(notes::table)
        .values(n)
        .execute(conn)
        .await?;
    find(conn, n.workspace_id, n.id)
        .await?
        .ok_or(diesel::result::Error::NotFound)
}

/// Rewrites a note at `version`; `None` when the version moved on.
pub async fn update(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    body: &str,
) -> QueryResult<Option<NoteRow>> {
    let n = diesel::update(notes::table)
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::id.eq(id))
        .filter(notes::version.eq(version))
        .set((
            notes::body.eq(body),
            notes::version.eq(notes::version + 1),
            notes::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    find(conn, ws, id).await
}

/// Deletes a note at `version`; false when the version moved on.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
) -> QueryResult<bool> {
    let n = diesel::delete(notes::table)
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::id.eq(id))
        .filter(notes::version.eq(version))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// One thing in a record's timeline.
#[derive(Debug)]
pub enum TimelineRow {
    Note(NoteRow),
    Change(Listed),
}

impl TimelineRow {
    pub fn id(&self) -> Uuid {
        match self {
            Self::Note(n) => n.id,
            Self::Change(c) => c.id,
        }
    }
}

/// A timeline reads newest first (or oldest first with `sort=at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineSort {
    At,
}

impl Sorts for TimelineSort {
    const LIST: &'static str = "timeline";
    const FIELDS: &'static [(&'static str, Self)] = &[("at", Self::At)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::At,
        dir: Dir::Desc,
    };
    type Row = TimelineRow;
    fn key(self, r: &TimelineRow) -> Key {
        Key::unique(r.id())
    }
}

/// A page of the timeline of record `record_id` of kind `record` in `ws`:
/// its notes and its audit entries, merged in the order of their ids.
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: NoteRecord,
    record_id: Uuid,
    page: &PageRequest<TimelineSort>,
) -> ListResult<Vec<TimelineRow>> {
    let notes_q = with_author()
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::record_type.eq(record.as_str()))
        .filter(notes::record_id.eq(record_id))
        .select(NoteRow::as_select())
        .into_boxed();
    let notes: Vec<NoteRow> = page.seek_unique(notes_q, notes::id)?.load(conn).await?;
    crate::audit::seal(conn, ws).await?;
    let changes_q = audit_log::table
        .filter(audit_log::workspace_id.eq(ws))
        .filter(crate::audit::is_sealed())
        .filter(audit_log::record_type.eq(record.as_str()))
        .filter(audit_log::record_id.eq(record_id.to_string()))
        .select(Listed::as_select())
        .into_boxed();
    let changes: Vec<Listed> = page
        .seek_unique(changes_q, audit_log::id)?
        .load(conn)
        .await?;
    let mut rows: Vec<TimelineRow> = notes
        .into_iter()
        .map(TimelineRow::Note)
        .chain(changes.into_iter().map(TimelineRow::Change))
        .collect();
    match page.sort.dir {
        Dir::Asc => rows.sort_by_key(|r| r.id()),
        Dir::Desc => rows.sort_by_key(|r| std::cmp::Reverse(r.id())),
    }
    rows.truncate(page.limit as usize);
    Ok(rows)
}

/// The names of the users `ids`.
pub async fn names(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The notes on person `person_id` of `ws`, oldest first.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person_id: Uuid,
) -> QueryResult<Vec<NoteRow>> {
    with_author()
        .filter(notes::workspace_id.eq(ws))
        .filter(notes::person_id.eq(person_id))
        .order(notes::id.asc())
        .select(NoteRow::as_select())
        .load(conn)
        .await
}

/// Removes the notes on person `person_id` of `ws` for good; returns how many.
pub async fn delete_of_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person_id: Uuid,
) -> QueryResult<u64> {
    diesel::delete(
        notes::table
            .filter(notes::workspace_id.eq(ws))
            .filter(notes::person_id.eq(person_id)),
    )
    .execute(conn)
    .await
    .map(|n| n as u64)
}
