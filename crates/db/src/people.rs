//! People: rows, the list with its filters and sorts, changes, soft deletion.
//!
//! Every query that reads people for a caller takes the caller's [`Scope`]
//! and turns it into its filter in [`visible`], the one place that says which
//! people a caller may see.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::prefix::starts_with;
use crate::schema::people;
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::people::{PersonStatus, PersonView};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub sort_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    #[diesel(deserialize_as = crate::closed::PersonStatusText)]
    pub status: PersonStatus,
    pub tags: Vec<String>,
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub erased_at: Option<DateTime<Utc>>,
    pub branch_id: Option<Uuid>,
    /// The values of sensitive fields, sealed: opened only by the API for
    /// those who may see them.
    pub sensitive_fields: Option<Vec<u8>>,
}

impl PersonRow {
    pub fn view(&self) -> PersonView {
        PersonView {
            id: self.id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            organization_id: self.organization_id,
            owner_id: self.owner_id,
            user_id: self.user_id,
            branch_id: self.branch_id,
            status: self.status,
            tags: self.tags.clone(),
            custom_fields: self.custom_fields.as_object().cloned().unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            version: self.version,
            erased_at: self.erased_at,
        }
    }
}

/// How the list of people sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonSort {
    /// Family name, then given name.
    Name,
    CreatedAt,
    UpdatedAt,
}

impl Sorts for PersonSort {
    const LIST: &'static str = "people";
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("created_at", Self::CreatedAt),
        ("updated_at", Self::UpdatedAt),
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Name,
        dir: Dir::Asc,
    };
    type Row = PersonRow;
    fn key(self, p: &PersonRow) -> Key {
        match self {
            Self::Name => Key::of(&p.sort_name, p.id),
            Self::CreatedAt => Key::of(p.created_at, p.id),
            Self::UpdatedAt => Key::of(p.updated_at, p.id),
        }
    }
}

/// The list's filters; each one given narrows it.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// The start of a name or an e-mail address.
    pub q: Option<String>,
    pub email: Option<String>,
    pub status: Option<PersonStatus>,
    /// People with this tag.
    pub tag: Option<String>,
    pub owner_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// People of this branch.
    pub branch_id: Option<Uuid>,
    pub created_since: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
    /// The deleted people (the trash) instead of the others.
    pub deleted: bool,
    /// Custom values every person listed has (`{"school": "North"}`).
    pub custom: Option<serde_json::Value>,
}

pub type BoxedPeople<'a> =
    people::BoxedQuery<'a, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<PersonRow, Pg>>>;

/// People of `scope`, deleted or not: the one place that says who sees whom.
fn visible<'a>(scope: &Scope) -> BoxedPeople<'a> {
    scoped(
        people::table.select(PersonRow::as_select()).into_boxed(),
        scope,
    )
}

/// `q` narrowed to the people `scope` may see, deleted or not.
fn scoped<'a, ST>(
    q: people::BoxedQuery<'a, Pg, ST>,
    scope: &Scope,
) -> people::BoxedQuery<'a, Pg, ST> {
    match scope {
        Scope::Workspace(ws) => q.filter(people::workspace_id.eq(*ws)),
        // A member sees themself and the people they look after; a
        // teacher, also their classes' students.
        Scope::Person {
            workspace_id,
            user_id,
            ..
        } => q
            .filter(people::workspace_id.eq(*workspace_id))
            .filter(people::id.eq_any(crate::scope::linked_people(*workspace_id, *user_id))),
        Scope::Organization { workspace_id, id } => q
            .filter(people::workspace_id.eq(*workspace_id))
            .filter(people::organization_id.eq(*id)),
        // A moderator limited to branches sees their people.
        Scope::Branches { workspace_id, ids } => q
            .filter(people::workspace_id.eq(*workspace_id))
            .filter(people::branch_id.eq_any(ids.clone())),
        Scope::Nothing => q.filter(people::id.ne(people::id)),
    }
}

/// The largest character of the collation of names (U+FFFF, whose weight
/// the Unicode collation places above every other): `text` followed by it
/// sorts after every name that starts with `text`.
pub const NAME_MAX_CHAR: char = '\u{FFFF}';

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);
diesel::define_sql_function!(#[sql_name = "lower"] fn lower_text(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    f: &PersonFilter,
    page: &PageRequest<PersonSort>,
) -> ListResult<Vec<PersonRow>> {
    // Kept prepared: a filtered page's order is an SQL text (see `unordered`).
    Ok(crate::Prepared(list_query(scope, f, page)?)
        .load(conn)
        .await?)
}

/// The query [`list`] runs (its plan is checked by the tests).
pub fn list_query<'a>(
    scope: &Scope,
    f: &PersonFilter,
    page: &PageRequest<PersonSort>,
) -> ListResult<BoxedPeople<'a>> {
    let mut q = narrowed(visible(scope), f);
    if let Some(text) = &f.q {
        q = q.filter(starting_with(scope, f, text, page)?);
    }
    seek(q, page)
}

type Condition<'a> =
    Box<dyn BoxableExpression<people::table, Pg, SqlType = diesel::sql_types::Bool> + 'a>;

/// The people of `scope` that `f` keeps whose family name, given name or
/// address starts with `text`: the page's worth of each, after the cursor.
///
/// An OR of the three would let PostgreSQL walk the whole name order
/// looking for the few that match, so each is found through an index of
/// its own, and the page is the best of those. The family name's range
/// (`sm` ≤ name < `sm` + U+FFFF, in the names' collation) is a range of
/// the name order itself; the others are ranges of byte-order indexes
/// that carry the name.
fn starting_with<'a>(
    scope: &Scope,
    f: &PersonFilter,
    text: &str,
    page: &PageRequest<PersonSort>,
) -> ListResult<Condition<'a>> {
    let lowered = text.to_lowercase();
    let base = || {
        narrowed(
            scoped(people::table.select(people::id).into_boxed(), scope),
            f,
        )
    };
    let by_name = base()
        .filter(people::sort_name.ge(lowered.clone()))
        .filter(people::sort_name.lt(format!("{lowered}{NAME_MAX_CHAR}")));
    let by_name = if page.sort.field == PersonSort::Name {
        seek(by_name, page)?
    } else {
        unordered(seek(by_name, page)?, page)
    };
    let by_first_name = unordered(
        seek(
            base().filter(starts_with(crate::rapport_fold(people::first_name), text)),
            page,
        )?,
        page,
    );
    let by_email = unordered(
        seek(
            base().filter(starts_with(lower(people::email).assume_not_null(), text)),
            page,
        )?,
        page,
    );
    let found: Condition<'a> =
        Box::new(people::id.eq_any(by_name.union(by_first_name).union(by_email)));
    // "Mia Mem": the start of the given name, then of the family name.
    let Some((given, family)) = text
        .trim()
        .split_once(char::is_whitespace)
        .map(|(g, f)| (g, f.trim().to_lowercase()))
    else {
        return Ok(found);
    };
    let by_full_name = unordered(
        seek(
            base()
                .filter(people::sort_name.ge(family.clone()))
                .filter(people::sort_name.lt(format!("{family}{NAME_MAX_CHAR}")))
                .filter(starts_with(crate::rapport_fold(people::first_name), given)),
            page,
        )?,
        page,
    );
    Ok(Box::new(found.or(people::id.eq_any(by_full_name))))
}

/// `q` ordered, started after the cursor and limited as `page` says.
fn seek<'a, ST: 'a>(
    q: people::BoxedQuery<'a, Pg, ST>,
    page: &PageRequest<PersonSort>,
) -> ListResult<people::BoxedQuery<'a, Pg, ST>> {
    match page.sort.field {
        PersonSort::Name => page.seek(q, people::sort_name, people::id),
        PersonSort::CreatedAt => page.seek(q, people::created_at, people::id),
        PersonSort::UpdatedAt => page.seek(q, people::updated_at, people::id),
    }
}

/// `q` in the list's order, but through an expression no index provides:
/// PostgreSQL then finds the rows through the index of `q`'s filter and
/// sorts the few it finds, instead of walking an index in the list's order
/// and discarding the rows that do not match.
fn unordered<'a, ST: 'a>(
    q: people::BoxedQuery<'a, Pg, ST>,
    page: &PageRequest<PersonSort>,
) -> people::BoxedQuery<'a, Pg, ST> {
    use diesel::dsl::sql;
    use diesel::sql_types::Text;
    let key = match page.sort.field {
        // The SQL type does not matter to an ORDER BY.
        PersonSort::Name => sql::<Text>("(people.sort_name || '')"),
        PersonSort::CreatedAt => sql::<Text>("(people.created_at + interval '0 s')"),
        PersonSort::UpdatedAt => sql::<Text>("(people.updated_at + interval '0 s')"),
    };
    match page.sort.dir {
        Dir::Asc => q.order((key.asc(), people::id.asc())),
        Dir::Desc => q.order((key.desc(), people::id.desc())),
    }
}

/// `q` narrowed by every filter of `f` but the text `q`: live or deleted,
/// address, status, tag, owner, organisation, member, dates, custom values.
fn narrowed<'a, ST: 'a>(
    mut q: people::BoxedQuery<'a, Pg, ST>,
    f: &PersonFilter,
) -> people::BoxedQuery<'a, Pg, ST> {
    q = if f.deleted {
        q.filter(people::deleted_at.is_not_null())
    } else {
        q.filter(people::deleted_at.is_null())
    };
    if let Some(e) = &f.email {
        q = q.filter(lower(people::email).eq(e.trim().to_lowercase()));
    }
    if let Some(s) = f.status {
        q = q.filter(people::status.eq(s.as_str()));
    }
    if let Some(t) = &f.tag {
        q = q.filter(people::tags.contains(vec![t.clone()]));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(people::owner_id.eq(o));
    }
    if let Some(o) = f.organization_id {
        q = q.filter(people::organization_id.eq(o));
    }
    if let Some(u) = f.user_id {
        q = q.filter(people::user_id.eq(u));
    }
    if let Some(b) = f.branch_id {
        q = q.filter(people::branch_id.eq(b));
    }
    if let Some(t) = f.created_since {
        q = q.filter(people::created_at.ge(t));
    }
    if let Some(c) = &f.custom {
        q = q.filter(people::custom_fields.contains(c.clone()));
    }
    if let Some(t) = f.created_until {
        q = q.filter(people::created_at.lt(t));
    }
    q
}

/// Those of `ids` that are live people `scope` sees.
pub async fn seen_live(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    scoped(people::table.select(people::id).into_boxed(), scope)
        .filter(people::id.eq_any(ids.to_vec()))
        .filter(people::deleted_at.is_null())
        .load(conn)
        .await
}

/// A person `scope` may see, deleted or not.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: Uuid,
) -> QueryResult<Option<PersonRow>> {
    visible(scope)
        .filter(people::id.eq(id))
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Insertable)]
#[diesel(table_name = people)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewPerson {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub status: String,
    pub tags: Vec<String>,
    pub custom_fields: serde_json::Value,
    pub sensitive_fields: Option<Vec<u8>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, p: &NewPerson) -> QueryResult<PersonRow> {
    diesel::insert_into(people::table)
        .values(p)
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .await
}

/// The fields a change sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = people)]
pub struct PersonChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub organization_id: Option<Option<Uuid>>,
    pub owner_id: Option<Option<Uuid>>,
    pub user_id: Option<Option<Uuid>>,
    pub branch_id: Option<Option<Uuid>>,
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<serde_json::Value>,
    pub sensitive_fields: Option<Option<Vec<u8>>>,
}

impl PersonChanges {
    /// Whether applying these changes to `p` would change anything.
    pub fn changes_anything(&self, p: &PersonRow) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        differs(&self.first_name, &p.first_name)
            || differs(&self.last_name, &p.last_name)
            || differs(&self.email, &p.email)
            || differs(&self.phone, &p.phone)
            || differs(&self.organization_id, &p.organization_id)
            || differs(&self.owner_id, &p.owner_id)
            || differs(&self.user_id, &p.user_id)
            || differs(&self.branch_id, &p.branch_id)
            || self
                .status
                .as_deref()
                .is_some_and(|s| s != p.status.as_str())
            || differs(&self.tags, &p.tags)
            || differs(&self.custom_fields, &p.custom_fields)
            || differs(&self.sensitive_fields, &p.sensitive_fields)
    }
}

crate::soft_deleted!(people, PersonRow, PersonChanges);

/// What an erased person's name becomes (the database insists on it).
pub const ERASED_NAME: &str = "Erased";

/// Erases person `id` of `ws` in place: no name, contact, tags, custom
/// values, organisation or member, deleted (hidden from every list) and
/// stamped erased; its version moves on. `None` when there is no such person.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
) -> QueryResult<Option<PersonRow>> {
    let now = Utc::now();
    diesel::update(people::table.find((ws, id)))
        .set((
            people::first_name.eq(ERASED_NAME),
            people::last_name.eq(""),
            people::email.eq(None::<String>),
            people::phone.eq(None::<String>),
            people::organization_id.eq(None::<Uuid>),
            people::user_id.eq(None::<Uuid>),
            people::tags.eq(Vec::<String>::new()),
            people::custom_fields.eq(serde_json::json!({})),
            people::archived_custom_fields.eq(serde_json::json!({})),
            people::sensitive_fields.eq(None::<Vec<u8>>),
            people::deleted_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("COALESCE(people.deleted_at, now())")),
            people::erased_at.eq(now),
            people::updated_at.eq(now),
            people::version.eq(people::version + 1),
        ))
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The live (not deleted) person of the workspace who is member `user_id`.
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<PersonRow>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::user_id.eq(user_id))
        .filter(people::deleted_at.is_null())
        .select(PersonRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The id of [`of_user`].
pub async fn linked_to(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    Ok(of_user(conn, ws, user_id).await?.map(|p| p.id))
}

/// The live people of `scope` that search `s` finds, best first, with their scores.
pub async fn search(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    s: &crate::search::Search,
) -> QueryResult<Vec<(PersonRow, f64)>> {
    // The same text as the index `people_search`.
    let doc = || {
        diesel::dsl::sql::<diesel::sql_types::Text>(
            "people.first_name || ' ' || people.last_name || ' ' || coalesce(translate(people.email, '@.+_-', '     '), '')",
        )
    };
    macro_rules! ranked {
        ($candidates:expr) => {
            crate::Prepared(
                visible(scope)
                    .filter(people::deleted_at.is_null())
                    .filter($candidates)
                    .select((
                        PersonRow::as_select(),
                        crate::score!(doc(), people::sort_name, s),
                    ))
                    .order_by(crate::score!(doc(), people::sort_name, s).desc())
                    .then_order_by(people::id)
                    .limit(s.limit),
            )
            .load::<(PersonRow, f64)>(conn)
            .await
        };
    }
    // First the people whose family name, given name or address starts
    // with the text, straight from the indexes of the list's text filter:
    // when they fill the page, they are the answer.
    let page = PageRequest {
        sort: PersonSort::DEFAULT,
        after: None,
        limit: s.limit,
    };
    let mut first = Vec::new();
    if let Ok(starting) = starting_with(scope, &PersonFilter::default(), &s.text, &page) {
        first = ranked!(starting)?;
        if first.len() as i64 >= s.limit {
            return Ok(first);
        }
    }
    // Otherwise the words anywhere and the names alike: at most CANDIDATES
    // of each, straight from their indexes, ranked by the score, so that a
    // common name in a big workspace costs no more than a rare one.
    let ids = || {
        scoped(people::table.select(people::id).into_boxed(), scope)
            .filter(people::deleted_at.is_null())
            .limit(crate::search::CANDIDATES)
    };
    let words = ids().filter(crate::search::Matches::new(
        crate::search::rapport_search_doc(doc()),
        crate::search::rapport_search_query(s.words.clone()),
    ));
    let alike = ids().filter(crate::search::AlikeIn::new(
        s.text.clone().into_sql::<diesel::sql_types::Text>(),
        people::sort_name,
    ));
    let mut hits = ranked!(people::id.eq_any(words.union(alike)))?;
    // The names that start with the text stay, whatever the candidates.
    for hit in first {
        if !hits.iter().any(|(p, _)| p.id == hit.0.id) {
            hits.push(hit);
        }
    }
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    hits.truncate(s.limit as usize);
    Ok(hits)
}

/// One of a person's guardians.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::guardians)]
#[diesel(treat_none_as_default_value = false)]
pub struct GuardianRow {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub person_id: Uuid,
    pub position: i16,
    pub name: String,
    pub relation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub receives_mail: bool,
    pub created_at: DateTime<Utc>,
}

impl GuardianRow {
    pub fn view(&self) -> rapport_domain::payments::GuardianView {
        rapport_domain::payments::GuardianView {
            id: self.id,
            name: self.name.clone(),
            relation: self.relation.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            receives_mail: self.receives_mail,
        }
    }
}

/// The guardians of `person` of `ws`, in order.
pub async fn guardians(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<GuardianRow>> {
    use crate::schema::guardians;
    guardians::table
        .filter(guardians::workspace_id.eq(ws))
        .filter(guardians::person_id.eq(person))
        .order(guardians::position)
        .select(GuardianRow::as_select())
        .load(conn)
        .await
}

/// Replaces the guardians of `person` of `ws` by `rows`.
pub async fn set_guardians(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    rows: &[GuardianRow],
) -> QueryResult<()> {
    use crate::schema::guardians;
    diesel::delete(
        guardians::table
            .filter(guardians::workspace_id.eq(ws))
            .filter(guardians::person_id.eq(person)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(guardians::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The addresses of the guardians of `person` who receive mail.
pub async fn guardian_addresses(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
) -> QueryResult<Vec<String>> {
    use crate::schema::guardians;
    let mut to: Vec<String> = guardians::table
        .filter(guardians::workspace_id.eq(ws))
        .filter(guardians::person_id.eq(person))
        .filter(guardians::receives_mail.eq(true))
        .filter(guardians::email.is_not_null())
        .order(guardians::position)
        .select(guardians::email.assume_not_null())
        .load(conn)
        .await?;
    to.dedup();
    Ok(to)
}

/// The names (given, family) of people `ids` of `ws`, by id.
pub async fn names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, (String, String)>> {
    names_of(conn, ws, ids, false).await
}

/// [`names`] of those of `ids` not in the trash.
pub async fn live_names(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, (String, String)>> {
    names_of(conn, ws, ids, true).await
}

async fn names_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    ids: &[Uuid],
    live: bool,
) -> QueryResult<std::collections::HashMap<Uuid, (String, String)>> {
    let mut q = people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::id.eq_any(ids))
        .select((people::id, people::first_name, people::last_name))
        .into_boxed();
    if live {
        q = q.filter(people::deleted_at.is_null());
    }
    let rows: Vec<(Uuid, String, String)> = q.load(conn).await?;
    Ok(rows.into_iter().map(|(id, f, l)| (id, (f, l))).collect())
}

/// The first `n` live people of `ws` by name who are no member: the demo's
/// students.
pub async fn first_students(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    n: i64,
) -> QueryResult<Vec<Uuid>> {
    people::table
        .filter(people::workspace_id.eq(ws))
        .filter(people::deleted_at.is_null())
        .filter(people::user_id.is_null())
        .order((people::sort_name, people::id))
        .limit(n)
        .select(people::id)
        .load(conn)
        .await
}

/// Sets the sealed sensitive values of person `id` of `ws` as they are
/// (the demo's way: no version moves).
pub async fn set_sealed(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    id: Uuid,
    sealed: Option<Vec<u8>>,
) -> QueryResult<usize> {
    diesel::update(people::table.find((ws, id)))
        .set(people::sensitive_fields.eq(sealed))
        .execute(conn)
        .await
}
