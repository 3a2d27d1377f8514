//! Custom fields: their definitions, and moving a field's values aside when
//! it is archived (and back when it returns).

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::custom_fields;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::custom_fields::{CustomFieldView, FieldKind, FieldRecord};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = custom_fields)]
pub struct CustomFieldRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[diesel(deserialize_as = crate::closed::FieldRecordText)]
    pub record_type: FieldRecord,
    pub key: String,
    pub label: String,
    #[diesel(deserialize_as = crate::closed::FieldKindText)]
    pub kind: FieldKind,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub sensitive: bool,
}

impl CustomFieldRow {
    pub fn view(&self) -> CustomFieldView {
        CustomFieldView {
            id: self.id,
            record_type: self.record_type,
            key: self.key.clone(),
            label: self.label.clone(),
            kind: self.kind,
            options: self.options.clone(),
            required: self.required,
            position: self.position,
            archived_at: self.archived_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            sensitive: self.sensitive,
        }
    }
}

/// Fields list in their order on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomFieldSort {
    Position,
}

impl Sorts for CustomFieldSort {
    const LIST: &'static str = "custom_fields";
    const FIELDS: &'static [(&'static str, Self)] = &[("position", Self::Position)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Position,
        dir: Dir::Asc,
    };
    type Row = CustomFieldRow;
    fn key(self, f: &CustomFieldRow) -> Key {
        Key::of(f.position, f.id)
    }
}

/// The fields of `ws`, those of `record` if given; the sensitive ones only
/// `with_sensitive`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: Option<FieldRecord>,
    archived: bool,
    with_sensitive: bool,
    page: &PageRequest<CustomFieldSort>,
) -> ListResult<Vec<CustomFieldRow>> {
    let mut q = custom_fields::table
        .filter(custom_fields::workspace_id.eq(ws))
        .select(CustomFieldRow::as_select())
        .into_boxed();
    if !with_sensitive {
        q = q.filter(custom_fields::sensitive.eq(false));
    }
    if let Some(r) = record {
        q = q.filter(custom_fields::record_type.eq(r.as_str()));
    }
    q = if archived {
        q.filter(custom_fields::archived_at.is_not_null())
    } else {
        q.filter(custom_fields::archived_at.is_null())
    };
    let q = page.seek(q, custom_fields::position, custom_fields::id)?;
    Ok(q.load(conn).await?)
}

/// The live fields of a kind of record, in order, but the sensitive ones:
/// what its `custom_fields` are checked against, filtered, exported and
/// imported by.
pub async fn live(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: FieldRecord,
) -> QueryResult<Vec<CustomFieldView>> {
    live_of(conn, ws, record, false).await
}

/// The live sensitive fields of people, in order: their values are kept
/// encrypted apart.
pub async fn sensitive(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
) -> QueryResult<Vec<CustomFieldView>> {
    live_of(conn, ws, FieldRecord::Person, true).await
}

async fn live_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: FieldRecord,
    sensitive: bool,
) -> QueryResult<Vec<CustomFieldView>> {
    let rows: Vec<CustomFieldRow> = custom_fields::table
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::record_type.eq(record.as_str()))
        .filter(custom_fields::archived_at.is_null())
        .filter(custom_fields::sensitive.eq(sensitive))
        .order((custom_fields::position, custom_fields::id))
        .select(CustomFieldRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.iter().map(CustomFieldRow::view).collect())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<CustomFieldRow>> {
    custom_fields::table
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::id.eq(id))
        .select(CustomFieldRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One field, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<CustomFieldRow>> {
    custom_fields::table
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::id.eq(id))
        .select(CustomFieldRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Whether the key is free for a kind of record (archived fields keep theirs).
pub async fn key_taken(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: FieldRecord,
    key: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        custom_fields::table
            .filter(custom_fields::workspace_id.eq(ws))
            .filter(custom_fields::record_type.eq(record.as_str()))
            .filter(custom_fields::key.eq(key)),
    ))
    .get_result(conn)
    .await
}

#[derive(Debug, Insertable)]
#[diesel(table_name = custom_fields)]
pub struct NewCustomField {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub record_type: String,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
    pub sensitive: bool,
}

/// Adds a field at the end of its kind's.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    f: &NewCustomField,
) -> QueryResult<CustomFieldRow> {
    diesel::insert_into(custom_fields::table)
        .values(f)
        .returning(CustomFieldRow::as_returning())
        .get_result(conn)
        .await
}

/// The next free position among a kind's fields.
pub async fn next_position(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: FieldRecord,
) -> QueryResult<i32> {
    let max: Option<i32> = custom_fields::table
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::record_type.eq(record.as_str()))
        .select(diesel::dsl::max(custom_fields::position))
        .first(conn)
        .await?;
    Ok(max.map_or(0, |m| (m + 1).min(10_000)))
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = custom_fields)]
pub struct CustomFieldChanges {
    pub label: Option<String>,
    pub options: Option<Vec<String>>,
    pub required: Option<bool>,
    pub position: Option<i32>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    version: i32,
    changes: &CustomFieldChanges,
) -> QueryResult<Option<CustomFieldRow>> {
    diesel::update(custom_fields::table)
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::id.eq(id))
        .filter(custom_fields::version.eq(version))
        .set((
            changes,
            custom_fields::version.eq(custom_fields::version + 1),
            custom_fields::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CustomFieldRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Archives (`true`) or brings back a field at `version`, moving its values
/// aside in every record of its kind (or back), in the same transaction.
pub async fn set_archived(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    field: &CustomFieldRow,
    archived: bool,
) -> QueryResult<Option<CustomFieldRow>> {
    let when: Option<DateTime<Utc>> = archived.then(Utc::now);
    let row = diesel::update(custom_fields::table)
        .filter(custom_fields::workspace_id.eq(ws))
        .filter(custom_fields::id.eq(field.id))
        .filter(custom_fields::version.eq(field.version))
        .set((
            custom_fields::archived_at.eq(when),
            custom_fields::version.eq(custom_fields::version + 1),
            custom_fields::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CustomFieldRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if row.is_some() {
        // A fixed table per kind: never text from outside.
        let table = match field.record_type {
            FieldRecord::Person => "people",
            FieldRecord::Organization => "organizations",
            FieldRecord::Group => "groups",
        };
        let (from, to) = if archived {
            ("custom_fields", "archived_custom_fields")
        } else {
            ("archived_custom_fields", "custom_fields")
        };
        diesel::sql_query(format!(
            "UPDATE {table} SET {to} = {to} || jsonb_build_object($2::text, {from} -> $2::text), \
             {from} = {from} - $2::text WHERE workspace_id = $1 AND {from} ? $2::text"
        ))
        .bind::<diesel::sql_types::Uuid, _>(ws)
        .bind::<diesel::sql_types::Text, _>(&field.key)
        .execute(conn)
        .await?;
    }
    Ok(row)
}
