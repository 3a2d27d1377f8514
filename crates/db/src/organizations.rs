//! Organisations: rows, the list with its filters and sorts, changes, soft
//! deletion. As for people, [`visible`] is the one place that says which
//! organisations a caller may see.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::prefix::starts_with;
use crate::schema::{organizations, people};
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::organizations::OrganizationView;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub owner_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl OrganizationRow {
    pub fn view(&self) -> OrganizationView {
        OrganizationView {
            id: self.id,
            name: self.name.clone(),
            domain: self.domain.clone(),
            industry: self.industry.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            owner_id: self.owner_id,
            tags: self.tags.clone(),
            custom_fields: self.custom_fields.as_object().cloned().unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            version: self.version,
        }
    }
}

/// How the list of organisations sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationSort {
    Name,
    CreatedAt,
    UpdatedAt,
}

impl Sorts for OrganizationSort {
    const LIST: &'static str = "organizations";
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("created_at", Self::CreatedAt),
        ("updated_at", Self::UpdatedAt),
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = OrganizationRow;
    fn key(self, o: &OrganizationRow) -> Key {
        match self {
            Self::Name => Key::of(&o.name, o.id),
            Self::CreatedAt => Key::of(o.created_at, o.id),
            Self::UpdatedAt => Key::of(o.updated_at, o.id),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    /// The start of the name or the domain.
    pub q: Option<String>,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub tag: Option<String>,
    pub owner_id: Option<Uuid>,
    /// The deleted ones (the trash) instead of the others.
    pub deleted: bool,
}

type BoxedOrganizations<'a> = organizations::BoxedQuery<
    'a,
    Pg,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<OrganizationRow, Pg>>,
>;

diesel::define_sql_function!(#[sql_name = "lower"] fn lower_text(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// Organisations of `scope`, deleted or not.
fn visible<'a>(scope: &Scope) -> BoxedOrganizations<'a> {
    let q = organizations::table
        .select(OrganizationRow::as_select())
        .into_boxed();
    match scope {
        // A moderator limited to branches sees every organisation.
        Scope::Workspace(ws)
        | Scope::Branches {
            workspace_id: ws, ..
        } => q.filter(organizations::workspace_id.eq(*ws)),
        // A member sees the organisations they look after and their own.
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => {
            let theirs = people::table
                .filter(people::workspace_id.eq(*workspace_id))
                .filter(people::user_id.eq(*user_id))
                .filter(people::deleted_at.is_null())
                .select(people::organization_id);
            q.filter(organizations::workspace_id.eq(*workspace_id))
                .filter(
                    organizations::owner_id
                        .eq(*user_id)
                        .or(organizations::id.nullable().eq_any(theirs)),
                )
        }
        Scope::Organization { workspace_id, id } => q
            .filter(organizations::workspace_id.eq(*workspace_id))
            .filter(organizations::id.eq(*id)),
        Scope::Nothing => q.filter(organizations::id.ne(organizations::id)),
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    f: &OrganizationFilter,
    page: &PageRequest<OrganizationSort>,
) -> ListResult<Vec<OrganizationRow>> {
    // Kept prepared: a filtered page's order is an SQL text
    // (`PageRequest::masked`).
    Ok(crate::Prepared(list_query(scope, f, page)?)
        .load(conn)
        .await?)
}

/// The query of [`list`], for its plan.
pub fn list_query<'a>(
    scope: &Scope,
    f: &OrganizationFilter,
    page: &PageRequest<OrganizationSort>,
) -> ListResult<BoxedOrganizations<'a>> {
    let mut q = visible(scope);
    q = if f.deleted {
        q.filter(organizations::deleted_at.is_not_null())
    } else {
        q.filter(organizations::deleted_at.is_null())
    };
    if let Some(text) = &f.q {
        // Two ranges, of the name's index and of the domain's.
        q = q.filter(
            starts_with(crate::rapport_fold(organizations::name), text).or(starts_with(
                lower(organizations::domain).assume_not_null(),
                text,
            )),
        );
    }
    if let Some(d) = &f.domain {
        q = q.filter(lower(organizations::domain).eq(d.trim().to_lowercase()));
    }
    if let Some(i) = &f.industry {
        q = q.filter(organizations::industry.eq(i.clone()));
    }
    if let Some(t) = &f.tag {
        q = q.filter(organizations::tags.contains(vec![t.clone()]));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(organizations::owner_id.eq(o));
    }
    let q = match page.sort.field {
        OrganizationSort::Name => page.seek(q, organizations::name, organizations::id)?,
        OrganizationSort::CreatedAt => {
            page.seek(q, organizations::created_at, organizations::id)?
        }
        OrganizationSort::UpdatedAt => {
            page.seek(q, organizations::updated_at, organizations::id)?
        }
    };
    // A text finds its few rows through the ranges of its indexes.
    if f.q.is_none() {
        return Ok(q);
    }
    let masked = match page.sort.field {
        OrganizationSort::Name => "(organizations.name || '')",
        OrganizationSort::CreatedAt => "(organizations.created_at + interval '0 s')",
        OrganizationSort::UpdatedAt => "(organizations.updated_at + interval '0 s')",
    };
    Ok(page.masked(q, masked, organizations::id))
}

/// An organisation `scope` may see, deleted or not.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<OrganizationRow>> {
    visible(scope)
        .filter(organizations::id.eq(id))
        .first(conn)
        .await
        .optional()
}

/// Whether workspace `ws` has a live (not deleted) organisation `id`.
pub async fn is_live(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table
            .filter(organizations::workspace_id.eq(ws))
            .filter(organizations::id.eq(id))
            .filter(organizations::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub owner_id: Option<Uuid>,
    pub tags: Vec<String>,
    /// `None`: none yet (the column's default, `{}`).
    pub custom_fields: Option<serde_json::Value>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    o: &NewOrganization,
) -> QueryResult<OrganizationRow> {
    diesel::insert_into(organizations::table)
        .values(o)
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
}

/// The fields a change sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub owner_id: Option<Option<Uuid>>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<serde_json::Value>,
}

impl OrganizationChanges {
    /// Whether applying these changes to `o` would change anything.
    pub fn changes_anything(&self, o: &OrganizationRow) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        differs(&self.name, &o.name)
            || differs(&self.domain, &o.domain)
            || differs(&self.industry, &o.industry)
            || differs(&self.phone, &o.phone)
            || differs(&self.address, &o.address)
            || differs(&self.owner_id, &o.owner_id)
            || differs(&self.tags, &o.tags)
            || differs(&self.custom_fields, &o.custom_fields)
    }
}

crate::soft_deleted!(organizations, OrganizationRow, OrganizationChanges);

/// The live organisations of `scope` that search `s` finds, best first, with their scores.
pub async fn search(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    s: &crate::search::Search,
) -> QueryResult<Vec<(OrganizationRow, f64)>> {
    // The same texts as the indexes `organizations_search` and `_trigram`.
    let doc = || {
        diesel::dsl::sql::<diesel::sql_types::Text>(
            "organizations.name || ' ' || coalesce(translate(organizations.domain, '.-', '  '), '')",
        )
    };
    let name = || lower_text(organizations::name);
    crate::Prepared(
        visible(scope)
            .filter(organizations::deleted_at.is_null())
            .filter(crate::found!(doc(), name(), s))
            .select((
                OrganizationRow::as_select(),
                crate::score!(doc(), name(), s),
            ))
            .order_by(crate::score!(doc(), name(), s).desc())
            .then_order_by(organizations::id)
            .limit(s.limit),
    )
    .load(conn)
    .await
}

/// The names of the organisations `ids` of `ws`.
pub async fn names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, String)> = organizations::table
        .filter(organizations::workspace_id.eq(ws))
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
