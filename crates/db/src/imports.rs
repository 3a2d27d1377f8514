//! Imports: the uploaded file with its mapping and counts, the rows it
//! rejected, the mappings kept for next time, and the digests of the rows
//! already imported.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::organizations::{NewOrganization, OrganizationRow};
use crate::people::{NewPerson, PersonRow};
use crate::schema::{
    import_mappings, import_rejections, imported_organizations, imported_people, imports,
    memberships, organizations, people, users,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::imports::{
    ImportColumn, ImportCounts, ImportRecord, ImportSettings, ImportStatus, ImportView,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    #[diesel(deserialize_as = crate::closed::ImportRecordText)]
    pub record_type: ImportRecord,
    pub filename: String,
    pub format: String,
    pub signature: String,
    pub file_columns: serde_json::Value,
    pub settings: serde_json::Value,
    #[diesel(deserialize_as = crate::closed::ImportStatusText)]
    pub status: ImportStatus,
    pub cancel_requested: bool,
    pub total: i32,
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub rejected: i32,
    pub error: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl ImportRow {
    pub fn settings(&self) -> ImportSettings {
        serde_json::from_value(self.settings.clone()).unwrap_or_default()
    }

    pub fn columns(&self) -> Vec<ImportColumn> {
        serde_json::from_value(self.file_columns.clone()).unwrap_or_default()
    }

    pub fn counts(&self) -> ImportCounts {
        let n = |v: i32| v.max(0) as u32;
        ImportCounts {
            total: n(self.total),
            processed: n(self.processed),
            created: n(self.created),
            updated: n(self.updated),
            skipped: n(self.skipped),
            rejected: n(self.rejected),
        }
    }

    pub fn view(&self) -> ImportView {
        ImportView {
            id: self.id,
            record_type: self.record_type,
            filename: self.filename.clone(),
            format: self.format.clone(),
            status: self.status,
            columns: self.columns(),
            settings: self.settings(),
            counts: self.counts(),
            error: self.error.clone(),
            created_at: self.created_at,
            finished_at: self.finished_at,
        }
    }
}

/// Imports list newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSort {
    CreatedAt,
}

impl Sorts for ImportSort {
    const LIST: &'static str = "imports";
    const FIELDS: &'static [(&'static str, Self)] = &[("created_at", Self::CreatedAt)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        dir: Dir::Desc,
    };
    type Row = ImportRow;
    fn key(self, i: &ImportRow) -> Key {
        Key::of(i.created_at, i.id)
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    kinds: &[ImportRecord],
    page: &PageRequest<ImportSort>,
) -> ListResult<Vec<ImportRow>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let q = imports::table
        .filter(imports::workspace_id.eq(ws))
        .filter(imports::record_type.eq_any(kinds))
        .select(ImportRow::as_select())
        .into_boxed();
    let q = page.seek(q, imports::created_at, imports::id)?;
    Ok(q.load(conn).await?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<ImportRow>> {
    imports::table
        .find((ws, id))
        .select(ImportRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The import, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<ImportRow>> {
    imports::table
        .find((ws, id))
        .select(ImportRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The uploaded file.
pub async fn content(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<Vec<u8>> {
    imports::table
        .find((ws, id))
        .select(imports::content)
        .first(conn)
        .await
}

#[derive(Debug, Insertable)]
#[diesel(table_name = imports)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewImport<'a> {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub record_type: &'a str,
    pub filename: &'a str,
    pub format: &'a str,
    pub content: &'a [u8],
    pub signature: &'a str,
    pub file_columns: serde_json::Value,
    pub settings: serde_json::Value,
    pub total: i32,
    pub created_by: Option<Uuid>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewImport<'_>) -> QueryResult<ImportRow> {
    diesel::insert_into(imports::table)
        .values(new)
        .returning(ImportRow::as_returning())
        .get_result(conn)
        .await
}

/// Keeps the settings of a draft, with the columns and row count they give.
pub async fn set_settings(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    columns: &[ImportColumn],
    settings: &ImportSettings,
    total: u32,
) -> QueryResult<Option<ImportRow>> {
    // Only a draft's: a run reads the settings it was started with.
    diesel::update(
        imports::table
            .find((ws, id))
            .filter(imports::status.eq("draft")),
    )
    .set((
        imports::file_columns.eq(serde_json::to_value(columns).unwrap_or_default()),
        imports::settings.eq(serde_json::to_value(settings).unwrap_or_default()),
        imports::total.eq(total as i32),
        imports::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ImportRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    status: ImportStatus,
    error: Option<&str>,
) -> QueryResult<ImportRow> {
    let finished = status.is_finished().then(Utc::now);
    // A finished import keeps its report, not its file nor the sample
    // values of its columns: they would hold people's data long after they
    // served their purpose.
    if finished.is_some() {
        diesel::update(imports::table.find((ws, id)))
            .set((
                imports::content.eq(Vec::<u8>::new()),
                imports::file_columns.eq(diesel::dsl::sql::<diesel::sql_types::Jsonb>(
                    "COALESCE((SELECT jsonb_agg(jsonb_set(c, '{samples}', '[]')) \
                     FROM jsonb_array_elements(imports.file_columns) AS c), '[]')",
                )),
            ))
            .execute(conn)
            .await?;
    }
    diesel::update(imports::table.find((ws, id)))
        .set((
            imports::status.eq(status.as_str()),
            imports::error.eq(error),
            imports::finished_at.eq(finished),
            imports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ImportRow::as_returning())
        .get_result(conn)
        .await
}

/// Starts a run afresh under `token`: counts at zero, no rejected rows,
/// running. `None` when the import is no longer queued or running (it was
/// cancelled, or it finished).
pub async fn restart(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    token: Uuid,
) -> QueryResult<Option<ImportRow>> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let row = diesel::update(
            imports::table
                .find((ws, id))
                .filter(imports::status.eq_any(["queued", "running"])),
        )
        .set((
            imports::status.eq(ImportStatus::Running.as_str()),
            imports::run_token.eq(token),
            imports::processed.eq(0),
            imports::created.eq(0),
            imports::updated.eq(0),
            imports::skipped.eq(0),
            imports::rejected.eq(0),
            imports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ImportRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
        if row.is_some() {
            diesel::delete(
                import_rejections::table
                    .filter(import_rejections::workspace_id.eq(ws))
                    .filter(import_rejections::import_id.eq(id)),
            )
            .execute(conn)
            .await?;
        }
        Ok(row)
    })
    .await
}

/// Takes the right to write one batch of the run `token` of import `id`,
/// until the transaction ends: one batch of the workspace's imports at a
/// time (two files naming the same new address make one person), and only
/// while `token` is still the import's run. False when another run took it.
pub async fn hold_batch(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    token: Uuid,
) -> QueryResult<bool> {
    crate::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('imports:' || $1::text, 0))")
        .bind::<diesel::sql_types::Uuid, _>(ws)
        .execute(conn)
        .await?;
    let current: Option<Uuid> = imports::table
        .find((ws, id))
        .select(imports::run_token)
        .for_update()
        .first(conn)
        .await?;
    Ok(current == Some(token))
}

/// Whether someone asked the run to stop.
pub async fn cancel_requested(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<bool> {
    imports::table
        .find((ws, id))
        .select(imports::cancel_requested)
        .first(conn)
        .await
}

pub async fn request_cancel(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<()> {
    diesel::update(imports::table.find((ws, id)))
        .set(imports::cancel_requested.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Adds a batch's outcome to the counts.
pub async fn count(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    c: &ImportCounts,
) -> QueryResult<ImportRow> {
    let n = |v: u32| v as i32;
    diesel::update(imports::table.find((ws, id)))
        .set((
            imports::processed.eq(imports::processed + n(c.processed)),
            imports::created.eq(imports::created + n(c.created)),
            imports::updated.eq(imports::updated + n(c.updated)),
            imports::skipped.eq(imports::skipped + n(c.skipped)),
            imports::rejected.eq(imports::rejected + n(c.rejected)),
            imports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ImportRow::as_returning())
        .get_result(conn)
        .await
}

/// Records rejected rows: (row number, reason, cells).
pub async fn reject(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    rows: &[(u32, String, Vec<String>)],
) -> QueryResult<()> {
    for chunk in rows.chunks(5000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(row, reason, cells)| {
                (
                    import_rejections::workspace_id.eq(ws),
                    import_rejections::import_id.eq(id),
                    import_rejections::row_number.eq(*row as i32),
                    import_rejections::reason.eq(reason),
                    import_rejections::cells.eq(cells),
                )
            })
            .collect();
        diesel::insert_into(import_rejections::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Every rejected row, in file order: (row number, reason, cells).
pub async fn rejections(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Vec<(i32, String, Vec<String>)>> {
    import_rejections::table
        .filter(import_rejections::workspace_id.eq(ws))
        .filter(import_rejections::import_id.eq(id))
        .order(import_rejections::row_number)
        .select((
            import_rejections::row_number,
            import_rejections::reason,
            import_rejections::cells,
        ))
        .load(conn)
        .await
}

/// The settings last run for files with these column names.
pub async fn saved_mapping(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: ImportRecord,
    signature: &str,
) -> QueryResult<Option<ImportSettings>> {
    let v: Option<serde_json::Value> = import_mappings::table
        .find((ws, record.as_str(), signature))
        .select(import_mappings::settings)
        .first(conn)
        .await
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok()))
}

pub async fn save_mapping(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    record: ImportRecord,
    signature: &str,
    settings: &ImportSettings,
) -> QueryResult<()> {
    let v = serde_json::to_value(settings).unwrap_or_default();
    diesel::insert_into(import_mappings::table)
        .values((
            import_mappings::workspace_id.eq(ws),
            import_mappings::record_type.eq(record.as_str()),
            import_mappings::signature.eq(signature),
            import_mappings::settings.eq(&v),
        ))
        .on_conflict((
            import_mappings::workspace_id,
            import_mappings::record_type,
            import_mappings::signature,
        ))
        .do_update()
        .set((
            import_mappings::settings.eq(&v),
            import_mappings::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Of these digests, those of rows imported before whose person is live,
/// with that person.
pub async fn imported(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    fingerprints: &[Vec<u8>],
) -> QueryResult<HashMap<Vec<u8>, Uuid>> {
    let rows: Vec<(Vec<u8>, Uuid)> = imported_people::table
        .inner_join(
            people::table.on(people::workspace_id
                .eq(imported_people::workspace_id)
                .and(people::id.eq(imported_people::person_id))),
        )
        .filter(imported_people::workspace_id.eq(ws))
        .filter(imported_people::fingerprint.eq_any(fingerprints))
        .filter(people::deleted_at.is_null())
        .select((imported_people::fingerprint, imported_people::person_id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Remembers that these rows were imported as these people.
pub async fn remember(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    rows: &[(Vec<u8>, Uuid)],
) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<_> = rows
        .iter()
        .map(|(fp, id)| {
            (
                imported_people::workspace_id.eq(ws),
                imported_people::fingerprint.eq(fp),
                imported_people::person_id.eq(id),
            )
        })
        .collect();
    diesel::insert_into(imported_people::table)
        .values(values)
        .on_conflict((imported_people::workspace_id, imported_people::fingerprint))
        .do_update()
        .set(imported_people::person_id.eq(excluded(imported_people::person_id)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The live people with these (lower-case) e-mail addresses, oldest first.
pub async fn people_by_email(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    emails: &[String],
) -> QueryResult<Vec<PersonRow>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(crate::lower_nullable(people::email).eq_any(emails))
        .filter(people::email.is_not_null())
        .filter(people::deleted_at.is_null())
        .order((people::created_at, people::id))
        .select(PersonRow::as_select())
        .load(conn)
        .await
}

/// People created in one statement.
pub async fn insert_people(
    conn: &mut AsyncPgConnection,
    new: &[NewPerson],
) -> QueryResult<Vec<PersonRow>> {
    diesel::insert_into(people::table)
        .values(new)
        .returning(PersonRow::as_returning())
        .get_results(conn)
        .await
}

/// Of these digests, those of rows imported before whose organisation is
/// live, with that organisation.
pub async fn imported_organizations(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    fingerprints: &[Vec<u8>],
) -> QueryResult<HashMap<Vec<u8>, Uuid>> {
    let rows: Vec<(Vec<u8>, Uuid)> = imported_organizations::table
        .inner_join(
            organizations::table.on(organizations::workspace_id
                .eq(imported_organizations::workspace_id)
                .and(organizations::id.eq(imported_organizations::organization_id))),
        )
        .filter(imported_organizations::workspace_id.eq(ws))
        .filter(imported_organizations::fingerprint.eq_any(fingerprints))
        .filter(organizations::deleted_at.is_null())
        .select((
            imported_organizations::fingerprint,
            imported_organizations::organization_id,
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Remembers that these rows were imported as these organisations.
pub async fn remember_organizations(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    rows: &[(Vec<u8>, Uuid)],
) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<_> = rows
        .iter()
        .map(|(fp, id)| {
            (
                imported_organizations::workspace_id.eq(ws),
                imported_organizations::fingerprint.eq(fp),
                imported_organizations::organization_id.eq(id),
            )
        })
        .collect();
    diesel::insert_into(imported_organizations::table)
        .values(values)
        .on_conflict((
            imported_organizations::workspace_id,
            imported_organizations::fingerprint,
        ))
        .do_update()
        .set(
            imported_organizations::organization_id
                .eq(excluded(imported_organizations::organization_id)),
        )
        .execute(conn)
        .await
        .map(|_| ())
}

/// The live organisations with one of these (lower-case) domains or
/// names, oldest first.
pub async fn organizations_matching(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    domains: &[String],
    names: &[String],
) -> QueryResult<Vec<OrganizationRow>> {
    if domains.is_empty() && names.is_empty() {
        return Ok(Vec::new());
    }
    organizations::table
        .filter(organizations::workspace_id.eq(ws))
        .filter(organizations::deleted_at.is_null())
        .filter(
            crate::lower_nullable(organizations::domain)
                .eq_any(domains)
                .assume_not_null()
                .or(crate::rapport_fold(organizations::name).eq_any(names)),
        )
        .order((organizations::created_at, organizations::id))
        .select(OrganizationRow::as_select())
        .load(conn)
        .await
}

/// Organisations created in one statement.
pub async fn insert_organizations(
    conn: &mut AsyncPgConnection,
    new: &[NewOrganization],
) -> QueryResult<Vec<OrganizationRow>> {
    diesel::insert_into(organizations::table)
        .values(new)
        .returning(OrganizationRow::as_returning())
        .get_results(conn)
        .await
}

/// The live organisations whose lower-case name or domain is one of `keys`:
/// (id, name, domain), oldest first.
pub async fn organizations_named(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    keys: &[String],
) -> QueryResult<Vec<(Uuid, String, Option<String>)>> {
    organizations::table
        .filter(organizations::workspace_id.eq(ws))
        .filter(organizations::deleted_at.is_null())
        .filter(
            crate::rapport_fold(organizations::name)
                .eq_any(keys)
                .or(crate::lower_nullable(organizations::domain).eq_any(keys)),
        )
        .order((organizations::created_at, organizations::id))
        .select((
            organizations::id,
            organizations::name,
            organizations::domain,
        ))
        .load(conn)
        .await
}

/// The members with these (lower-case) e-mail addresses: (e-mail, user id).
pub async fn members_by_email(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    emails: &[String],
) -> QueryResult<Vec<(String, Uuid)>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::workspace_id.eq(ws))
        .filter(crate::lower(users::email).eq_any(emails))
        .select((crate::lower(users::email), users::id))
        .load(conn)
        .await
}

/// Removes imports started 30 days ago or more, with their files and
/// reports (the people they created stay).
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        imports::table
            .filter(imports::created_at.lt(Utc::now() - chrono::Duration::days(30)))
            .filter(imports::status.ne_all(["queued", "running"])),
    )
    .execute(conn)
    .await
}

/// The rejected rows of `ws`'s imports that hold `email` (any case) in a
/// cell, with their import's file name.
pub async fn rejections_naming(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    email: &str,
) -> QueryResult<Vec<(String, i32, String, Vec<String>)>> {
    let rows: Vec<(Uuid, i32, String, Vec<String>)> = import_rejections::table
        .filter(import_rejections::workspace_id.eq(ws))
        .filter(naming(email))
        .order((import_rejections::import_id, import_rejections::row_number))
        .select((
            import_rejections::import_id,
            import_rejections::row_number,
            import_rejections::reason,
            import_rejections::cells,
        ))
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let files: HashMap<Uuid, String> = imports::table
        .filter(imports::workspace_id.eq(ws))
        .filter(imports::id.eq_any(&ids))
        .select((imports::id, imports::filename))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, row, reason, cells)| {
            let file = files.get(&id).cloned().unwrap_or_default();
            (file, row, reason, cells)
        })
        .collect())
}

/// Removes the rejected rows of `ws`'s imports that hold `email` (any
/// case) in a cell; returns how many.
pub async fn forget_rejections(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    email: &str,
) -> QueryResult<u64> {
    diesel::delete(
        import_rejections::table
            .filter(import_rejections::workspace_id.eq(ws))
            .filter(naming(email)),
    )
    .execute(conn)
    .await
    .map(|n| n as u64)
}

/// A rejected row with `email` in one of its cells.
fn naming(
    email: &str,
) -> Box<
    dyn BoxableExpression<
        import_rejections::table,
        diesel::pg::Pg,
        SqlType = diesel::sql_types::Bool,
    >,
> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM unnest(import_rejections.cells) AS c WHERE lower(btrim(c)) = ",
        )
        .bind::<diesel::sql_types::Text, _>(email.trim().to_lowercase())
        .sql(")"),
    )
}

/// Forgets which imported rows made person `person_id` of `ws`: the
/// digests are of their data. Returns how many.
pub async fn forget_person(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person_id: Uuid,
) -> QueryResult<u64> {
    diesel::delete(
        imported_people::table
            .filter(imported_people::workspace_id.eq(ws))
            .filter(imported_people::person_id.eq(person_id)),
    )
    .execute(conn)
    .await
    .map(|n| n as u64)
}

/// The drafts of `ws` (imports not started, which hold their file).
pub async fn drafts(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<Vec<Uuid>> {
    imports::table
        .filter(imports::workspace_id.eq(ws))
        .filter(imports::status.eq(ImportStatus::Draft.as_str()))
        .select(imports::id)
        .load(conn)
        .await
}

/// Removes import `id` of `ws` with its file and report.
pub async fn delete(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<u64> {
    diesel::delete(imports::table.find((ws, id)))
        .execute(conn)
        .await
        .map(|n| n as u64)
}

/// Refreshes the planner's statistics of the tables an import fills.
pub async fn analyze(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    crate::sql_query(
        "ANALYZE people, imported_people, organizations, imported_organizations, audit_log",
    )
    .execute(conn)
    .await
    .map(|_| ())
}
