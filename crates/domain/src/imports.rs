//! Imports: a spreadsheet (CSV or XLSX) turned into records. The server
//! reads the file; what is pure lives here — finding the header row,
//! proposing which column fills which field, and turning one row into a
//! checked draft — so that the app and the tests see the same rules.

use crate::custom_fields::{check_values, CustomFieldView, FieldKind};
use crate::people::{CreatePersonRequest, PersonStatus};
use crate::validate::{tidy_tags, Validate};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The largest file an import takes.
pub const FILE_MAX_BYTES: usize = 20 * 1024 * 1024;
/// The event that tells where an import stands (its `data` has the
/// import's `id`, `status` and `counts`).
pub const UPDATED_EVENT: &str = "import.updated";
/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 20;
/// The most columns a file may have.
pub const COLUMNS_MAX: usize = 500;
/// The most cells a file may have, counted as rows × its widest row.
pub const CELLS_MAX: usize = 5_000_000;
/// Rejected rows a preview lists (the report holds all of them).
pub const PREVIEW_ERRORS: usize = 100;
/// Sample values shown under each column.
pub const SAMPLES: usize = 3;

/// The kinds of record a file can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportRecord {
    Person,
    Organization,
}

impl ImportRecord {
    pub const ALL: [ImportRecord; 2] = [Self::Person, Self::Organization];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
        }
    }

    /// What the caller must be allowed to import such records.
    pub fn permission(self) -> crate::Permission {
        match self {
            Self::Person => crate::Permission::PeopleWrite,
            Self::Organization => crate::Permission::OrganizationsWrite,
        }
    }

    /// The kind of record whose custom fields a file can fill.
    pub fn fields(self) -> crate::custom_fields::FieldRecord {
        match self {
            Self::Person => crate::custom_fields::FieldRecord::Person,
            Self::Organization => crate::custom_fields::FieldRecord::Organization,
        }
    }

    /// The standard fields a column can fill, in the order the app lists them.
    pub fn targets(self) -> &'static [&'static str] {
        match self {
            Self::Person => &[
                "first_name",
                "last_name",
                "full_name",
                "email",
                "phone",
                "status",
                "tags",
                "organization",
                "owner",
            ],
            Self::Organization => &[
                "name", "domain", "industry", "phone", "address", "tags", "owner",
            ],
        }
    }
}

impl std::str::FromStr for ImportRecord {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Uploaded; its mapping can change and it can be previewed.
    Draft,
    /// Started, waiting for a worker.
    Queued,
    Running,
    Completed,
    /// Stopped on request; the rows written before stay.
    Cancelled,
    /// Stopped by an error; the rows written before stay.
    Failed,
}

impl ImportStatus {
    pub const ALL: [ImportStatus; 6] = [
        Self::Draft,
        Self::Queued,
        Self::Running,
        Self::Completed,
        Self::Cancelled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    /// Whether it has stopped for good.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Failed)
    }
}

impl std::str::FromStr for ImportStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// What a row whose e-mail address a live record already has does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    /// Leaves the record as it is.
    #[default]
    Skip,
    /// Writes the row's non-empty cells over the record.
    Update,
    /// Creates another record anyway.
    Create,
}

impl Duplicates {
    pub const ALL: [Duplicates; 3] = [Self::Skip, Self::Update, Self::Create];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Update => "update",
            Self::Create => "create",
        }
    }
}

/// How a column writes its dates: the order of day, month and year. Any of
/// `/`, `-`, `.` separates them; `YYYY-MM-DD` is always understood.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 2026-09-01
    #[default]
    Ymd,
    /// 01/09/2026
    Dmy,
    /// 09/01/2026
    Mdy,
}

impl DateOrder {
    pub const ALL: [DateOrder; 3] = [Self::Ymd, Self::Dmy, Self::Mdy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ymd => "ymd",
            Self::Dmy => "dmy",
            Self::Mdy => "mdy",
        }
    }
}

/// What one column of the file fills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// A standard field (`first_name`, `full_name`, `organization`, ...) or
    /// `custom_fields.<key>`; `null` leaves the column out.
    #[serde(default)]
    pub field: Option<String>,
    /// For a date field: how the column writes its dates.
    #[serde(default)]
    pub date_order: DateOrder,
}

/// The choices an import runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"header_row": 1, "columns": [{"field": "first_name"}, {"field": "email"}, {"field": "custom_fields.birthday", "date_order": "dmy"}], "duplicates": "skip", "create_organizations": true})))]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// The row (counted from 1, as a spreadsheet shows it) that holds the
    /// column names; the rows after it are the data. 0: the file has none.
    pub header_row: u32,
    /// One per column of the file, in order.
    pub columns: Vec<ColumnMapping>,
    #[serde(default)]
    pub duplicates: Duplicates,
    /// Create the organisation a row names when none has that name or
    /// domain; otherwise such a row is rejected.
    #[serde(default)]
    pub create_organizations: bool,
}

/// A column of the file as the mapping screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportColumn {
    /// Its name in the header row (empty when there is none).
    pub header: String,
    /// The first values under it.
    pub samples: Vec<String>,
}

/// What a run did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportCounts {
    /// Data rows in the file.
    pub total: u32,
    /// Rows dealt with so far.
    pub processed: u32,
    pub created: u32,
    pub updated: u32,
    /// Duplicates left alone and rows already imported unchanged.
    pub skipped: u32,
    pub rejected: u32,
}

/// An uploaded file, its mapping and its run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportView {
    pub id: Uuid,
    pub record_type: ImportRecord,
    pub filename: String,
    /// `csv` or `xlsx`.
    pub format: String,
    pub status: ImportStatus,
    pub columns: Vec<ImportColumn>,
    /// The choices last previewed or run; at upload, the proposed ones
    /// (the mapping saved by the last import of a file with the same
    /// columns, or one guessed from the column names).
    pub settings: ImportSettings,
    pub counts: ImportCounts,
    /// Why a failed run stopped.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What the row would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Skip,
    Reject,
}

impl RowAction {
    pub const ALL: [RowAction; 4] = [Self::Create, Self::Update, Self::Skip, Self::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Skip => "skip",
            Self::Reject => "reject",
        }
    }
}

/// One row of a preview.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewRow {
    /// Its row number in the file, counted from 1.
    pub row: u32,
    pub action: RowAction,
    /// The values it would write, by field.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub values: Map<String, Value>,
    /// Why it is rejected or skipped.
    pub reason: Option<String>,
    /// Its cells as the file has them.
    pub cells: Vec<String>,
    /// The column (counted from 0) whose cell makes it rejected, when one does.
    pub column: Option<u32>,
}

/// A row that will not be written, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub row: u32,
    pub reason: String,
    /// The column (counted from 0) whose cell makes it rejected, when one does.
    pub column: Option<u32>,
}

/// A dry run: what running with these settings would do, with nothing written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub columns: Vec<ImportColumn>,
    /// The first rows.
    pub rows: Vec<PreviewRow>,
    /// Every row counted: what would be created, updated, skipped, rejected.
    pub counts: ImportCounts,
    /// The first rejected rows of the whole file.
    pub errors: Vec<RowError>,
    /// Organisations the rows name that would be created.
    pub new_organizations: u32,
}

impl Validate for ImportSettings {
    fn check(&self, _: &mut Vec<crate::problem::FieldError>) {}
}

/// Checks `settings` for a file of `width` columns and `rows` rows whose
/// records take `fields`: every field named exists, once; the header row
/// is in the file. Errors name the setting.
pub fn check_settings(
    record: ImportRecord,
    settings: &ImportSettings,
    width: usize,
    rows: usize,
    fields: &[CustomFieldView],
) -> Vec<crate::problem::FieldError> {
    use crate::problem::{FieldCode, FieldError};
    let mut e = Vec::new();
    if settings.header_row as usize > rows {
        e.push(FieldError::new(
            "header_row",
            FieldCode::Range,
            format!("the file has {rows} rows"),
        ));
    }
    if settings.columns.len() != width {
        e.push(FieldError::new(
            "columns",
            FieldCode::Format,
            format!("one per column of the file: {width}"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in settings.columns.iter().enumerate() {
        let Some(f) = &c.field else { continue };
        let known = record.targets().contains(&f.as_str())
            || f.strip_prefix("custom_fields.")
                .is_some_and(|k| fields.iter().any(|d| d.key == k && d.archived_at.is_none()));
        if !known {
            e.push(FieldError::new(
                format!("columns.{i}.field"),
                FieldCode::Unknown,
                format!("no field {f} to fill"),
            ));
        } else if !seen.insert(f.as_str()) {
            e.push(FieldError::new(
                format!("columns.{i}.field"),
                FieldCode::Invalid,
                format!("another column fills {f} already"),
            ));
        }
    }
    let fills = |f: &str| {
        settings
            .columns
            .iter()
            .any(|c| c.field.as_deref() == Some(f))
    };
    if record == ImportRecord::Person && e.is_empty() && !fills("first_name") && !fills("full_name")
    {
        e.push(FieldError::new(
            "columns",
            FieldCode::Required,
            "a column must fill first_name or full_name",
        ));
    }
    if record == ImportRecord::Organization && e.is_empty() && !fills("name") {
        e.push(FieldError::new(
            "columns",
            FieldCode::Required,
            "a column must fill name",
        ));
    }
    e
}

/// The row that holds the column names, counted from 1 (0: none). It is the
/// first of the first ten rows whose cells are mostly filled with names —
/// no numbers, dates or e-mail addresses — when the rows after it are not.
pub fn detect_header(rows: &[Vec<String>]) -> u32 {
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count();
    let width = rows.iter().take(20).map(filled).max().unwrap_or(0);
    if width == 0 {
        return 0;
    }
    let label = |c: &str| {
        let c = c.trim();
        c.is_empty()
            || (c.chars().count() <= 60
                && !c.contains('@')
                && c.parse::<f64>().is_err()
                && parse_date(c, DateOrder::Dmy).is_none()
                && parse_date(c, DateOrder::Mdy).is_none())
    };
    for (i, r) in rows.iter().take(10).enumerate() {
        if filled(r) * 2 >= width && r.iter().all(|c| label(c)) {
            return i as u32 + 1;
        }
        if filled(r) * 2 >= width {
            // The first well-filled row is data: there is no header row.
            return 0;
        }
    }
    0
}

/// Lower-case letters and digits only, accents dropped: how names compare.
pub fn normalize(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Names a column of each standard field is often given.
fn synonyms(field: &str) -> &'static [&'static str] {
    match field {
        "first_name" => &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "prenom",
            "vorname",
        ],
        "last_name" => &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "nom",
            "nomdefamille",
            "nachname",
        ],
        "full_name" => &[
            "name",
            "fullname",
            "contact",
            "contactname",
            "student",
            "studentname",
            "customer",
            "customername",
            "nomcomplet",
        ],
        "email" => &[
            "email",
            "emailaddress",
            "mail",
            "courriel",
            "adressemail",
            "workemail",
        ],
        "phone" => &[
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "portable",
        ],
        "status" => &["status", "statut", "stage"],
        "tags" => &["tags", "tag", "labels", "label", "etiquettes"],
        "organization" => &[
            "organization",
            "organisation",
            "company",
            "companyname",
            "account",
            "employer",
            "entreprise",
            "societe",
            "client",
        ],
        "owner" => &["owner", "assignedto", "accountowner", "responsable"],
        // An organisation's.
        "name" => &[
            "organization",
            "organisation",
            "organizationname",
            "organisationname",
            "company",
            "companyname",
            "account",
            "accountname",
            "entreprise",
            "societe",
            "raisonsociale",
            "client",
        ],
        "domain" => &[
            "domain", "website", "web", "site", "url", "siteweb", "domaine",
        ],
        "industry" => &["industry", "sector", "secteur", "branche", "activite"],
        "address" => &["address", "adresse", "street", "location", "anschrift"],
        _ => &[],
    }
}

/// The mapping guessed from the column names: a standard field by its name
/// or a usual synonym, a custom field by its key or label; each field fills
/// from one column at most. Date columns get the order their samples show.
pub fn propose(
    record: ImportRecord,
    headers: &[String],
    samples: &[Vec<String>],
    fields: &[CustomFieldView],
) -> Vec<ColumnMapping> {
    let mut taken = std::collections::HashSet::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let n = normalize(h);
            let standard = record
                .targets()
                .iter()
                .find(|f| normalize(f) == n || synonyms(f).contains(&n.as_str()))
                .map(|f| f.to_string());
            let custom = || {
                fields
                    .iter()
                    .filter(|f| f.archived_at.is_none())
                    .find(|f| normalize(&f.key) == n || normalize(&f.label) == n)
            };
            let (field, date) = match (standard, n.is_empty()) {
                (_, true) => (None, false),
                (Some(f), _) => (Some(f), false),
                (None, _) => match custom() {
                    Some(f) => (
                        Some(format!("custom_fields.{}", f.key)),
                        f.kind == FieldKind::Date,
                    ),
                    None => (None, false),
                },
            };
            let field = field.filter(|f| taken.insert(f.clone()));
            let date_order = if date {
                guess_date_order(samples.get(i).map(Vec::as_slice).unwrap_or_default())
            } else {
                DateOrder::Ymd
            };
            ColumnMapping { field, date_order }
        })
        .collect()
}

/// The order of day and month the samples must have: a first part above
/// 12 is a day, a second part above 12 is a day; day first otherwise
/// (most of the world writes it so), year first when it leads.
pub fn guess_date_order(samples: &[String]) -> DateOrder {
    let parts = |s: &str| -> Option<(u32, u32)> {
        let v: Vec<&str> = s.trim().split(['/', '-', '.']).collect();
        if v.len() != 3 || v[0].len() == 4 {
            return None;
        }
        Some((v[0].parse().ok()?, v[1].parse().ok()?))
    };
    let all: Vec<(u32, u32)> = samples.iter().filter_map(|s| parts(s)).collect();
    if all.is_empty() {
        DateOrder::Ymd
    } else if all.iter().any(|(_, b)| *b > 12) {
        DateOrder::Mdy
    } else {
        DateOrder::Dmy
    }
}

/// A date written in `order` (or as `YYYY-MM-DD`, or with a time after it).
pub fn parse_date(s: &str, order: DateOrder) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.split(['T', ' ']).next().unwrap_or_default();
    if let Ok(d) = day.parse::<NaiveDate>() {
        return Some(d);
    }
    let v: Vec<&str> = day.split(['/', '-', '.']).collect();
    if v.len() != 3 || v.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let n: Vec<i32> = v.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let year = |y: i32, text: &str| if text.len() == 2 { 2000 + y } else { y };
    let (y, m, d) = match order {
        DateOrder::Ymd => (n[0], n[1], n[2]),
        DateOrder::Dmy => (year(n[2], v[2]), n[1], n[0]),
        DateOrder::Mdy => (year(n[2], v[2]), n[0], n[1]),
    };
    if v[2].len() == 3 || (order != DateOrder::Ymd && v[0].len() > 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m.try_into().ok()?, d.try_into().ok()?)
}

/// A person as one row of a file describes them, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonDraft {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `None`: the row says nothing (a new person is `active`).
    pub status: Option<PersonStatus>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    /// The name or domain of their organisation.
    pub organization: Option<String>,
    /// The e-mail address of the member who looks after them.
    pub owner: Option<String>,
}

impl PersonDraft {
    /// Its values by field, as a preview shows them.
    pub fn values(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() && v != Value::String(String::new()) && v != Value::Array(vec![]) {
                m.insert(k.to_string(), v);
            }
        };
        put("first_name", self.first_name.clone().into());
        put("last_name", self.last_name.clone().into());
        put("email", self.email.clone().into());
        put("phone", self.phone.clone().into());
        put("status", self.status.map(|s| s.as_str()).into());
        put("tags", self.tags.clone().into());
        put("organization", self.organization.clone().into());
        put("owner", self.owner.clone().into());
        for (k, v) in &self.custom_fields {
            put(&format!("custom_fields.{k}"), v.clone());
        }
        m
    }
}

/// The cell a mapped field takes from `row`, trimmed; `None` when empty.
fn cell<'a>(row: &'a [String], settings: &ImportSettings, field: &str) -> Option<&'a str> {
    let i = settings
        .columns
        .iter()
        .position(|c| c.field.as_deref() == Some(field))?;
    row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// "Ada Lovelace" → ("Ada", "Lovelace"); "Lovelace, Ada" → the same.
pub fn split_full_name(s: &str) -> (String, String) {
    let s = s.trim();
    if let Some((last, first)) = s.split_once(',') {
        if !first.trim().is_empty() {
            return (first.trim().to_string(), last.trim().to_string());
        }
    }
    match s.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_string(), last.trim().to_string()),
        None => (s.to_string(), String::new()),
    }
}

/// A cell's text as the value of custom field `f`, or why it cannot be.
pub fn custom_value(f: &CustomFieldView, text: &str, order: DateOrder) -> Result<Value, String> {
    let option = |t: &str| {
        f.options
            .iter()
            .find(|o| o.trim().eq_ignore_ascii_case(t.trim()))
            .cloned()
            .ok_or_else(|| format!("{t:?} is not one of the options"))
    };
    let value = match f.kind {
        FieldKind::Text | FieldKind::Url | FieldKind::Email => Value::String(text.to_string()),
        FieldKind::Number => {
            let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let t = if t.contains(',') && !t.contains('.') {
                t.replace(',', ".")
            } else {
                t.replace(',', "")
            };
            let n: f64 = t.parse().map_err(|_| format!("{text:?} is not a number"))?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(|| format!("{text:?} is not a number"))?
        }
        FieldKind::Date => match parse_date(text, order) {
            Some(d) => Value::String(d.to_string()),
            None => return Err(format!("{text:?} is not a date in the column's format")),
        },
        FieldKind::Select => Value::String(option(text)?),
        FieldKind::MultiSelect => {
            let sep = if text.contains(';') { ';' } else { ',' };
            let mut items = Vec::new();
            for t in text.split(sep).filter(|t| !t.trim().is_empty()) {
                let o = option(t)?;
                if !items.contains(&Value::String(o.clone())) {
                    items.push(Value::String(o));
                }
            }
            Value::Array(items)
        }
        FieldKind::Boolean => match normalize(text).as_str() {
            "yes" | "y" | "true" | "1" | "x" | "oui" | "vrai" | "ja" => Value::Bool(true),
            "no" | "n" | "false" | "0" | "non" | "faux" | "nein" => Value::Bool(false),
            _ => return Err(format!("{text:?} is not yes or no")),
        },
    };
    Ok(value)
}

/// Turns one data row into a person, checked as the API checks a created
/// one (custom values against `fields`); the reason names the field.
pub fn person_draft(
    row: &[String],
    settings: &ImportSettings,
    fields: &[CustomFieldView],
) -> Result<PersonDraft, String> {
    let get = |f: &str| cell(row, settings, f);
    let (mut first, mut last) = get("full_name").map(split_full_name).unwrap_or_default();
    if let Some(f) = get("first_name") {
        first = f.to_string();
    }
    if let Some(l) = get("last_name") {
        last = l.to_string();
    }
    let status = match get("status") {
        None => None,
        Some(s) => Some(
            PersonStatus::ALL
                .into_iter()
                .find(|v| v.as_str().eq_ignore_ascii_case(s))
                .ok_or_else(|| format!("status: {s:?} is not lead, active, inactive or former"))?,
        ),
    };
    let custom = custom_values(row, settings, fields)?;
    let draft = PersonDraft {
        first_name: first,
        last_name: last,
        email: get("email").map(|e| e.to_lowercase()),
        phone: get("phone").map(str::to_string),
        status,
        tags: get("tags")
            .map(|t| tidy_tags(&t.split([',', ';']).map(String::from).collect::<Vec<_>>()))
            .unwrap_or_default(),
        custom_fields: custom,
        organization: get("organization").map(str::to_string),
        owner: get("owner").map(|e| e.to_lowercase()),
    };
    let request = CreatePersonRequest {
        first_name: draft.first_name.clone(),
        last_name: draft.last_name.clone(),
        email: draft.email.clone(),
        phone: draft.phone.clone(),
        tags: draft.tags.clone(),
        ..Default::default()
    };
    let mut errors = request.validate().err().unwrap_or_default();
    if let Some(o) = &draft.organization {
        crate::validate::text(&mut errors, "organization", o, crate::validate::NAME_MAX);
    }
    first_error(errors, fields, &draft.custom_fields, draft.owner.as_deref())?;
    Ok(draft)
}

/// What one row of a file of organisations would write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationDraft {
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub owner: Option<String>,
}

impl OrganizationDraft {
    pub fn values(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() && v != Value::String(String::new()) && v != Value::Array(vec![]) {
                m.insert(k.to_string(), v);
            }
        };
        put("name", self.name.clone().into());
        put("domain", self.domain.clone().into());
        put("industry", self.industry.clone().into());
        put("phone", self.phone.clone().into());
        put("address", self.address.clone().into());
        put("tags", self.tags.clone().into());
        put("owner", self.owner.clone().into());
        for (k, v) in &self.custom_fields {
            put(&format!("custom_fields.{k}"), v.clone());
        }
        m
    }
}

/// A web address as its domain: `https://www.Acme.com/about` is `acme.com`.
pub fn web_domain(text: &str) -> String {
    let t = text.trim().to_lowercase();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(&t);
    let t = t.split(['/', '?', '#']).next().unwrap_or_default();
    t.strip_prefix("www.").unwrap_or(t).to_string()
}

/// The custom values a row's cells give, by key.
fn custom_values(
    row: &[String],
    settings: &ImportSettings,
    fields: &[CustomFieldView],
) -> Result<Map<String, Value>, String> {
    let mut custom = Map::new();
    for (i, c) in settings.columns.iter().enumerate() {
        let Some(key) = c
            .field
            .as_deref()
            .and_then(|f| f.strip_prefix("custom_fields."))
        else {
            continue;
        };
        let Some(text) = row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        let Some(f) = fields.iter().find(|f| f.key == key) else {
            continue;
        };
        let v =
            custom_value(f, text, c.date_order).map_err(|m| format!("custom_fields.{key}: {m}"))?;
        custom.insert(key.to_string(), v);
    }
    Ok(custom)
}

/// The first of `errors` (named `<field>: <why>`) once the custom values
/// and the owner are checked too. A required custom field left empty is
/// not an error here: a row that updates a record that has it may leave
/// it empty, and [`missing_required`] decides once the record is known.
fn first_error(
    mut errors: Vec<crate::problem::FieldError>,
    fields: &[CustomFieldView],
    custom: &Map<String, Value>,
    owner: Option<&str>,
) -> Result<(), String> {
    check_values(&mut errors, fields, custom, custom);
    errors.retain(|e| {
        !(e.code == crate::problem::FieldCode::Required.as_str()
            && e.field.starts_with("custom_fields."))
    });
    if let Some(o) = owner {
        crate::validate::email(&mut errors, "owner", o);
    }
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(format!("{}: {}", e.field, e.message)),
    }
}

/// Turns one data row into an organisation, checked as the API checks a
/// created one; the reason names the field. A web address in the domain's
/// column counts as its domain.
pub fn organization_draft(
    row: &[String],
    settings: &ImportSettings,
    fields: &[CustomFieldView],
) -> Result<OrganizationDraft, String> {
    let get = |f: &str| cell(row, settings, f);
    let draft = OrganizationDraft {
        name: get("name").unwrap_or_default().to_string(),
        domain: get("domain").map(web_domain).filter(|d| !d.is_empty()),
        industry: get("industry").map(str::to_string),
        phone: get("phone").map(str::to_string),
        address: get("address").map(str::to_string),
        tags: get("tags")
            .map(|t| tidy_tags(&t.split([',', ';']).map(String::from).collect::<Vec<_>>()))
            .unwrap_or_default(),
        custom_fields: custom_values(row, settings, fields)?,
        owner: get("owner").map(|e| e.to_lowercase()),
    };
    let request = crate::organizations::CreateOrganizationRequest {
        name: draft.name.clone(),
        domain: draft.domain.clone(),
        industry: draft.industry.clone(),
        phone: draft.phone.clone(),
        address: draft.address.clone(),
        tags: draft.tags.clone(),
        ..Default::default()
    };
    let errors = request.validate().err().unwrap_or_default();
    first_error(errors, fields, &draft.custom_fields, draft.owner.as_deref())?;
    Ok(draft)
}

/// The first required live field that `values` (a person's custom values
/// once the row is written) leaves empty, as a report's reason.
/// The column (counted from 0) whose cell a row's rejection `reason`
/// (`<field>: <why>`) is about: the column that fills that field, or the
/// full name's for a first or family name. `None` when the reason is about
/// no cell of the file (a required field no column fills, a failed write).
pub fn faulty_column(settings: &ImportSettings, reason: &str) -> Option<u32> {
    let (field, _) = reason.split_once(": ")?;
    let filling = |f: &str| {
        settings
            .columns
            .iter()
            .position(|c| c.field.as_deref() == Some(f))
    };
    let i = filling(field).or_else(|| {
        matches!(field, "first_name" | "last_name")
            .then(|| filling("full_name"))
            .flatten()
    })?;
    u32::try_from(i).ok()
}

pub fn missing_required(fields: &[CustomFieldView], values: &Map<String, Value>) -> Option<String> {
    let mut errors = Vec::new();
    check_values(&mut errors, fields, &Map::new(), values);
    errors
        .first()
        .map(|e| format!("{}: {}", e.field, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_fields::FieldRecord;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn field(key: &str, kind: FieldKind, options: &[&str], required: bool) -> CustomFieldView {
        CustomFieldView {
            id: Uuid::nil(),
            record_type: FieldRecord::Person,
            key: key.into(),
            label: key.replace('_', " "),
            kind,
            options: options.iter().map(|s| s.to_string()).collect(),
            required,
            position: 0,
            archived_at: None,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            version: 1,
            sensitive: false,
        }
    }

    #[test]
    fn a_rejection_points_at_the_cell_it_is_about() {
        let fields = [field("tier", FieldKind::Select, &["gold"], false)];
        let settings = ImportSettings {
            header_row: 1,
            columns: ["full_name", "email", "custom_fields.tier", "owner"]
                .into_iter()
                .map(|f| ColumnMapping {
                    field: Some(f.into()),
                    ..Default::default()
                })
                .chain([ColumnMapping::default()])
                .collect(),
            ..Default::default()
        };
        let why = |cells: &[&str]| person_draft(&row(cells), &settings, &fields).unwrap_err();
        let at = |reason: &str| faulty_column(&settings, reason);
        assert_eq!(at(&why(&["Ada L", "nope", "", "", ""])), Some(1));
        assert_eq!(at(&why(&["Ada L", "", "silver", "", ""])), Some(2));
        assert_eq!(at(&why(&["Ada L", "", "", "not-an-address", ""])), Some(3));
        assert_eq!(at(&why(&["", "", "", "", "x"])), Some(0), "the full name's");
        assert_eq!(at("could not be written: deadlock"), None);
        assert_eq!(at("custom_fields.birthday: required"), None);
        assert_eq!(at("imported before, unchanged"), None);
    }

    #[test]
    fn the_header_is_the_first_row_of_names_after_any_title_rows() {
        let rows = vec![
            row(&["Export of 2026-11-01", "", ""]),
            row(&["", "", ""]),
            row(&["First name", "Surname", "E-mail"]),
            row(&["Ada", "Lovelace", "ada@example.com"]),
        ];
        assert_eq!(detect_header(&rows), 3);
        let data = vec![
            row(&["Ada", "Lovelace", "ada@example.com"]),
            row(&["Alan", "Turing", "alan@example.com"]),
        ];
        assert_eq!(
            detect_header(&data),
            0,
            "a file of data alone has no header"
        );
        assert_eq!(detect_header(&[]), 0);
    }

    #[test]
    fn the_proposal_knows_usual_names_and_the_workspace_fields() {
        let fields = [field("birthday", FieldKind::Date, &[], false)];
        let headers = row(&[
            "Prénom", "Nom", "Courriel", "Company", "Birthday", "Notes", "Email",
        ]);
        let samples = vec![
            vec![],
            vec![],
            vec![],
            vec![],
            row(&["25/12/2010"]),
            vec![],
            vec![],
        ];
        let m = propose(ImportRecord::Person, &headers, &samples, &fields);
        let f: Vec<Option<&str>> = m.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(
            f,
            [
                Some("first_name"),
                Some("last_name"),
                Some("email"),
                Some("organization"),
                Some("custom_fields.birthday"),
                None,
                None // e-mail is filled by an earlier column already
            ]
        );
        assert_eq!(m[4].date_order, DateOrder::Dmy);
    }

    #[test]
    fn dates_read_in_the_column_order_and_iso_always() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("01/09/2026", DateOrder::Dmy), d(2026, 9, 1));
        assert_eq!(parse_date("09/01/2026", DateOrder::Mdy), d(2026, 9, 1));
        assert_eq!(parse_date("1.9.26", DateOrder::Dmy), d(2026, 9, 1));
        assert_eq!(parse_date("2026-09-01", DateOrder::Mdy), d(2026, 9, 1));
        assert_eq!(
            parse_date("2026-09-01 00:00:00", DateOrder::Dmy),
            d(2026, 9, 1)
        );
        assert_eq!(parse_date("31/02/2026", DateOrder::Dmy), None);
        assert_eq!(parse_date("13/13/2026", DateOrder::Mdy), None);
        assert_eq!(parse_date("tomorrow", DateOrder::Dmy), None);
        assert_eq!(
            guess_date_order(&row(&["03/04/2020", "12/25/2020"])),
            DateOrder::Mdy
        );
        assert_eq!(guess_date_order(&row(&["25/12/2020"])), DateOrder::Dmy);
        assert_eq!(guess_date_order(&row(&["2020-12-25"])), DateOrder::Ymd);
    }

    fn settings(fields: &[&str]) -> ImportSettings {
        ImportSettings {
            header_row: 1,
            columns: fields
                .iter()
                .map(|f| ColumnMapping {
                    field: (!f.is_empty()).then(|| f.to_string()),
                    date_order: DateOrder::Dmy,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_row_becomes_a_checked_person() {
        let fields = [
            field("birthday", FieldKind::Date, &[], false),
            field("belt", FieldKind::Select, &["White", "Yellow"], true),
            field("paid", FieldKind::Boolean, &[], false),
            field("score", FieldKind::Number, &[], false),
        ];
        let s = settings(&[
            "full_name",
            "email",
            "custom_fields.birthday",
            "custom_fields.belt",
            "custom_fields.paid",
            "custom_fields.score",
            "status",
            "tags",
        ]);
        let p = person_draft(
            &row(&[
                " Lovelace, Ada ",
                "ADA@Example.com",
                "10/12/2015",
                "yellow",
                "Oui",
                "1,5",
                "Lead",
                "maths; chess",
            ]),
            &s,
            &fields,
        )
        .unwrap();
        assert_eq!(
            (p.first_name.as_str(), p.last_name.as_str()),
            ("Ada", "Lovelace")
        );
        assert_eq!(p.email.as_deref(), Some("ada@example.com"));
        assert_eq!(p.status, Some(PersonStatus::Lead));
        assert_eq!(p.tags, ["maths", "chess"]);
        assert_eq!(
            Value::Object(p.custom_fields),
            serde_json::json!({"birthday": "2015-12-10", "belt": "Yellow", "paid": true, "score": 1.5})
        );

        let bad = |cells: &[&str]| person_draft(&row(cells), &s, &fields).unwrap_err();
        assert!(bad(&["Ada", "not-mail", "", "White", "", "", "", ""]).starts_with("email:"));
        assert!(bad(&["Ada", "", "31/02/2015", "White", "", "", "", ""])
            .starts_with("custom_fields.birthday:"));
        assert!(bad(&["Ada", "", "", "Black", "", "", "", ""]).contains("not one of the options"));
        // A required field left empty is the planner's to judge: the row may
        // update someone who has it.
        let no_belt =
            person_draft(&row(&["Ada", "", "", "", "", "", "", ""]), &s, &fields).unwrap();
        assert!(missing_required(&fields, &no_belt.custom_fields)
            .is_some_and(|m| m.starts_with("custom_fields.belt")));
        let mut has = no_belt.custom_fields.clone();
        has.insert("belt".into(), "White".into());
        assert_eq!(missing_required(&fields, &has), None);
        assert!(bad(&["", "", "", "White", "", "", "", ""]).starts_with("first_name:"));
        assert!(bad(&["Ada", "", "", "White", "maybe", "", "", ""]).contains("yes or no"));
        assert!(bad(&["Ada", "", "", "White", "", "x1", "", ""]).contains("not a number"));
        assert!(bad(&["Ada", "", "", "White", "", "", "boss", ""]).starts_with("status:"));
    }

    #[test]
    fn settings_name_each_field_once_and_fit_the_file() {
        let fields = [field("belt", FieldKind::Text, &[], false)];
        let ok = settings(&["first_name", "custom_fields.belt", ""]);
        assert!(check_settings(ImportRecord::Person, &ok, 3, 10, &fields).is_empty());
        let twice = settings(&["first_name", "first_name", ""]);
        assert_eq!(
            check_settings(ImportRecord::Person, &twice, 3, 10, &fields)[0].field,
            "columns.1.field"
        );
        let unknown = settings(&["first_name", "custom_fields.nope", "salary"]);
        assert_eq!(
            check_settings(ImportRecord::Person, &unknown, 3, 10, &fields).len(),
            2
        );
        assert!(!check_settings(ImportRecord::Person, &ok, 4, 10, &fields).is_empty());
        let nameless = settings(&["email", "", ""]);
        assert!(!check_settings(ImportRecord::Person, &nameless, 3, 10, &fields).is_empty());
        let mut high = ok.clone();
        high.header_row = 11;
        assert!(!check_settings(ImportRecord::Person, &high, 3, 10, &fields).is_empty());
    }
}
