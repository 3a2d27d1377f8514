//! What each row of a file does against the workspace as it stands: the
//! one reading of rows that the preview shows and the run carries out.

use rapport_db::organizations::{NewOrganization, OrganizationChanges, OrganizationRow};
use rapport_db::people::{NewPerson, PersonChanges, PersonRow};
use rapport_db::Conn;
use rapport_domain::custom_fields::{merged, CustomFieldView};
use rapport_domain::imports::{
    missing_required, organization_draft, person_draft, Duplicates, ImportRecord, ImportSettings,
    OrganizationDraft, PersonDraft,
};
use rapport_domain::people::PersonStatus;
use rapport_domain::validate::TAGS_MAX;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// An organisation a row names: found, or to be created by the run.
#[derive(Debug, Clone)]
pub enum Org {
    Found(Uuid),
    New {
        id: Uuid,
        name: String,
        domain: Option<String>,
    },
}

impl Org {
    pub fn id(&self) -> Uuid {
        match self {
            Org::Found(id) | Org::New { id, .. } => *id,
        }
    }
}

#[derive(Debug)]
pub enum Action {
    Create(Box<NewPerson>),
    Update {
        before: Box<PersonRow>,
        changes: Box<PersonChanges>,
    },
    CreateOrganization(Box<NewOrganization>),
    UpdateOrganization {
        before: Box<OrganizationRow>,
        changes: Box<OrganizationChanges>,
    },
    Skip(String),
    Reject(String),
}

/// What a row would write, checked.
#[derive(Debug)]
pub enum Draft {
    Person(PersonDraft),
    Organization(OrganizationDraft),
}

impl Draft {
    /// The values it would write, by field.
    pub fn values(&self) -> serde_json::Map<String, Value> {
        match self {
            Draft::Person(d) => d.values(),
            Draft::Organization(d) => d.values(),
        }
    }
}

/// One data row and what it does.
#[derive(Debug)]
pub struct Planned {
    /// Its row number in the file, counted from 1.
    pub row: u32,
    pub cells: Vec<String>,
    pub draft: Option<Draft>,
    /// Digest of what the row writes and how: the same row run again is known.
    pub fingerprint: Vec<u8>,
    pub action: Action,
}

/// Reads rows in order, remembering across batches what the file said
/// before (e-mail addresses met, organisations to create).
#[derive(Debug, Clone)]
pub struct Planner {
    ws: Uuid,
    record: ImportRecord,
    settings: ImportSettings,
    fields: Vec<CustomFieldView>,
    salt: Vec<u8>,
    /// The first row of each key of a duplicate met so far: a person's
    /// e-mail address, an organisation's domain (or name, without one).
    emails: HashMap<String, u32>,
    /// Organisations by lower-case name or domain.
    pub orgs: HashMap<String, Org>,
    /// The first row that matched each existing record: a second row that
    /// matches the same one (by domain, then by name) is a duplicate too.
    matched: HashMap<Uuid, u32>,
    /// Members by lower-case e-mail address (`None`: no such member).
    members: HashMap<String, Option<Uuid>>,
    /// How often each row's digest was met so far: the second identical
    /// row is a row of its own, known by its own digest.
    seen: HashMap<Vec<u8>, u32>,
}

/// A text that reads as a web domain (`acme.com`) rather than a name.
fn is_domain(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

impl Planner {
    pub fn new(
        ws: Uuid,
        record: ImportRecord,
        settings: ImportSettings,
        fields: Vec<CustomFieldView>,
    ) -> Self {
        let salt = serde_json::to_vec(&(settings.duplicates, settings.create_organizations))
            .unwrap_or_default();
        Planner {
            ws,
            record,
            settings,
            fields,
            salt,
            emails: HashMap::new(),
            orgs: HashMap::new(),
            members: HashMap::new(),
            matched: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    /// The organisations planned but not written yet.
    pub fn new_orgs(&self) -> Vec<(String, Org)> {
        self.orgs
            .iter()
            .filter(|(_, o)| matches!(o, Org::New { .. }))
            .map(|(k, o)| (k.clone(), o.clone()))
            .collect()
    }

    /// Plans `rows` (row number, cells), reading the workspace through `conn`.
    pub async fn plan(
        &mut self,
        conn: &mut Conn,
        rows: &[(u32, Vec<String>)],
    ) -> diesel::QueryResult<Vec<Planned>> {
        match self.record {
            ImportRecord::Person => self.plan_people(conn, rows).await,
            ImportRecord::Organization => self.plan_organizations(conn, rows).await,
        }
    }

    /// The digest of each draft (empty for a rejected row): what it writes
    /// and how, told apart from an identical row met before.
    fn prints<D: serde::Serialize>(&mut self, drafts: &[Result<D, String>]) -> Vec<Vec<u8>> {
        let fingerprint = |d: &D| {
            let mut bytes = self.salt.clone();
            bytes.extend(serde_json::to_vec(d).unwrap_or_default());
            rapport_db::sha256(bytes)
        };
        let mut prints: Vec<Vec<u8>> = drafts
            .iter()
            .map(|d| d.as_ref().map(fingerprint).unwrap_or_default())
            .collect();
        for print in prints.iter_mut().filter(|p| !p.is_empty()) {
            let n = self.seen.entry(print.clone()).or_insert(0);
            if *n > 0 {
                let mut again = print.clone();
                again.extend(n.to_be_bytes());
                *print = rapport_db::sha256(again);
            }
            *n += 1;
        }
        prints
    }

    /// Learns which members the rows' owner addresses name.
    async fn learn_owners(
        &mut self,
        conn: &mut Conn,
        owners: impl Iterator<Item = String>,
    ) -> diesel::QueryResult<()> {
        let owners: Vec<String> = owners.filter(|o| !self.members.contains_key(o)).collect();
        let found: HashMap<String, Uuid> =
            rapport_db::imports::members_by_email(conn, self.ws, &owners)
                .await?
                .into_iter()
                .collect();
        for o in owners {
            let id = found.get(&o).copied();
            self.members.insert(o, id);
        }
        Ok(())
    }

    /// The member an owner address names, or the row's rejection.
    fn owner(&self, owner: Option<&String>) -> Result<Option<Uuid>, Action> {
        match owner {
            None => Ok(None),
            Some(o) => match self.members.get(o).copied().flatten() {
                Some(id) => Ok(Some(id)),
                None => Err(Action::Reject(
                    "owner: no member has this e-mail address".into(),
                )),
            },
        }
    }

    async fn plan_people(
        &mut self,
        conn: &mut Conn,
        rows: &[(u32, Vec<String>)],
    ) -> diesel::QueryResult<Vec<Planned>> {
        let ws = self.ws;
        let drafts: Vec<Result<PersonDraft, String>> = rows
            .iter()
            .map(|(_, cells)| person_draft(cells, &self.settings, &self.fields))
            .collect();
        let prints = self.prints(&drafts);
        let ok = || drafts.iter().filter_map(|d| d.as_ref().ok());
        let imported = rapport_db::imports::imported(conn, ws, &prints).await?;

        let emails: Vec<String> = ok().filter_map(|d| d.email.clone()).collect();
        let mut existing: HashMap<String, PersonRow> = HashMap::new();
        for p in rapport_db::imports::people_by_email(conn, ws, &emails).await? {
            let key = p.email.clone().unwrap_or_default().to_lowercase();
            existing.entry(key).or_insert(p);
        }

        let keys: Vec<String> = ok()
            .filter_map(|d| d.organization.as_deref())
            .map(|o| o.trim().to_lowercase())
            .filter(|k| !self.orgs.contains_key(k))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for (id, name, domain) in rapport_db::imports::organizations_named(conn, ws, &keys).await? {
            for k in [Some(name.to_lowercase()), domain.map(|d| d.to_lowercase())]
                .into_iter()
                .flatten()
            {
                self.orgs.entry(k).or_insert(Org::Found(id));
            }
        }

        let owners: Vec<String> = ok().filter_map(|d| d.owner.clone()).collect();
        self.learn_owners(conn, owners.into_iter()).await?;

        let mut out = Vec::with_capacity(rows.len());
        for (((row, cells), draft), print) in rows.iter().zip(drafts).zip(prints) {
            let action = match &draft {
                Err(reason) => Action::Reject(reason.clone()),
                Ok(d) if imported.contains_key(&print) => {
                    // Later rows of the file still meet its address.
                    if let Some(e) = d.email.clone() {
                        if self.settings.duplicates != Duplicates::Create {
                            self.emails.entry(e).or_insert(*row);
                        }
                    }
                    Action::Skip("imported before, unchanged".into())
                }
                Ok(d) => self.act(*row, d, &existing),
            };
            out.push(Planned {
                row: *row,
                cells: cells.clone(),
                draft: draft.ok().map(Draft::Person),
                fingerprint: print,
                action,
            });
        }
        Ok(out)
    }

    async fn plan_organizations(
        &mut self,
        conn: &mut Conn,
        rows: &[(u32, Vec<String>)],
    ) -> diesel::QueryResult<Vec<Planned>> {
        let ws = self.ws;
        let drafts: Vec<Result<OrganizationDraft, String>> = rows
            .iter()
            .map(|(_, cells)| organization_draft(cells, &self.settings, &self.fields))
            .collect();
        let prints = self.prints(&drafts);
        let ok = || drafts.iter().filter_map(|d| d.as_ref().ok());
        let imported = rapport_db::imports::imported_organizations(conn, ws, &prints).await?;
        let domains: Vec<String> = ok().filter_map(|d| d.domain.clone()).collect();
        let names: Vec<String> = ok()
            .filter(|d| d.domain.is_none())
            .map(|d| d.name.to_lowercase())
            .collect();
        let mut existing: HashMap<String, OrganizationRow> = HashMap::new();
        for o in rapport_db::imports::organizations_matching(conn, ws, &domains, &names).await? {
            if let Some(d) = &o.domain {
                existing.entry(d.to_lowercase()).or_insert(o.clone());
            }
            existing
                .entry(format!("name:{}", o.name.to_lowercase()))
                .or_insert(o);
        }
        let owners: Vec<String> = ok().filter_map(|d| d.owner.clone()).collect();
        self.learn_owners(conn, owners.into_iter()).await?;

        let mut out = Vec::with_capacity(rows.len());
        for (((row, cells), draft), print) in rows.iter().zip(drafts).zip(prints) {
            let action = match &draft {
                Err(reason) => Action::Reject(reason.clone()),
                Ok(d) if imported.contains_key(&print) => {
                    if self.settings.duplicates != Duplicates::Create {
                        for key in organization_keys(d) {
                            self.emails.entry(key).or_insert(*row);
                        }
                    }
                    Action::Skip("imported before, unchanged".into())
                }
                Ok(d) => self.act_organization(*row, d, &existing),
            };
            out.push(Planned {
                row: *row,
                cells: cells.clone(),
                draft: draft.ok().map(Draft::Organization),
                fingerprint: print,
                action,
            });
        }
        Ok(out)
    }

    /// An organisation's row: one whose domain (or, without a domain, whose
    /// name) a live organisation has is a duplicate.
    fn act_organization(
        &mut self,
        row: u32,
        d: &OrganizationDraft,
        existing: &HashMap<String, OrganizationRow>,
    ) -> Action {
        let owner_id = match self.owner(d.owner.as_ref()) {
            Ok(o) => o,
            Err(reject) => return reject,
        };
        let mode = self.settings.duplicates;
        let mut before = None;
        if mode != Duplicates::Create {
            let key = organization_key(d);
            if let Some(first) = self.emails.get(&key) {
                let what = if d.domain.is_some() {
                    "domain: the same domain"
                } else {
                    "name: the same name"
                };
                return Action::Reject(format!("{what} as row {first} of this file"));
            }
            for key in organization_keys(d) {
                self.emails.entry(key).or_insert(row);
            }
            before = existing.get(&key);
            if let Some(o) = before {
                if let Some(first) = self.matched.get(&o.id) {
                    return Action::Reject(format!(
                        "{}: the same organisation as row {first} of this file",
                        if d.domain.is_some() { "domain" } else { "name" }
                    ));
                }
                self.matched.insert(o.id, row);
            }
        }
        match (before, mode) {
            (Some(_), Duplicates::Skip) => Action::Skip(
                if d.domain.is_some() {
                    "an organisation with this domain exists"
                } else {
                    "an organisation with this name exists"
                }
                .into(),
            ),
            (Some(o), _) => {
                let mut after = o.custom_fields.as_object().cloned().unwrap_or_default();
                after.extend(d.custom_fields.clone());
                if let Some(reason) = missing_required(&self.fields, &after) {
                    return Action::Reject(reason);
                }
                let changes = organization_changes(o, d, owner_id);
                if let Some(reject) = too_many_tags(changes.tags.as_deref()) {
                    return reject;
                }
                if changes.changes_anything(o) {
                    Action::UpdateOrganization {
                        before: Box::new(o.clone()),
                        changes: Box::new(changes),
                    }
                } else {
                    Action::Skip("an organisation with these values exists".into())
                }
            }
            (None, _) => {
                if let Some(reason) = missing_required(&self.fields, &d.custom_fields) {
                    return Action::Reject(reason);
                }
                Action::CreateOrganization(Box::new(NewOrganization {
                    workspace_id: self.ws,
                    id: Uuid::now_v7(),
                    name: d.name.clone(),
                    domain: d.domain.clone(),
                    industry: d.industry.clone(),
                    phone: d.phone.clone(),
                    address: d.address.clone(),
                    owner_id,
                    tags: d.tags.clone(),
                    custom_fields: Some(Value::Object(d.custom_fields.clone())),
                }))
            }
        }
    }

    fn act(&mut self, row: u32, d: &PersonDraft, existing: &HashMap<String, PersonRow>) -> Action {
        let owner_id = match self.owner(d.owner.as_ref()) {
            Ok(o) => o,
            Err(reject) => return reject,
        };
        // A new organisation is made only by a row that writes a person.
        let mut new_org = None;
        let org = match d.organization.as_deref().map(str::trim) {
            None => None,
            Some(text) => {
                let key = text.to_lowercase();
                match self.orgs.get(&key) {
                    Some(o) => Some(o.clone()),
                    None if self.settings.create_organizations => {
                        let o = Org::New {
                            id: Uuid::now_v7(),
                            name: text.to_string(),
                            domain: is_domain(&key).then(|| key.clone()),
                        };
                        new_org = Some((key, o.clone()));
                        Some(o)
                    }
                    None => {
                        return Action::Reject(
                            "organization: no organisation has this name or domain".into(),
                        )
                    }
                }
            }
        };
        let mode = self.settings.duplicates;
        let mut before = None;
        if let Some(email) = &d.email {
            if mode != Duplicates::Create {
                if let Some(first) = self.emails.get(email) {
                    return Action::Reject(format!(
                        "email: the same address as row {first} of this file"
                    ));
                }
                self.emails.insert(email.clone(), row);
                before = existing.get(email);
            }
        }
        let action = match (before, mode) {
            (Some(_), Duplicates::Skip) => {
                Action::Skip("a person with this e-mail address exists".into())
            }
            (Some(p), _) => {
                let mut after = p.custom_fields.as_object().cloned().unwrap_or_default();
                after.extend(d.custom_fields.clone());
                if let Some(reason) = missing_required(&self.fields, &after) {
                    return Action::Reject(reason);
                }
                let changes = changes(p, d, org.as_ref(), owner_id);
                if let Some(reject) = too_many_tags(changes.tags.as_deref()) {
                    return reject;
                }
                if changes.changes_anything(p) {
                    Action::Update {
                        before: Box::new(p.clone()),
                        changes: Box::new(changes),
                    }
                } else {
                    Action::Skip("a person with this e-mail address has these values".into())
                }
            }
            (None, _) => {
                if let Some(reason) = missing_required(&self.fields, &d.custom_fields) {
                    return Action::Reject(reason);
                }
                Action::Create(Box::new(NewPerson {
                    workspace_id: self.ws,
                    id: Uuid::now_v7(),
                    first_name: d.first_name.clone(),
                    last_name: d.last_name.clone(),
                    email: d.email.clone(),
                    phone: d.phone.clone(),
                    organization_id: org.map(|o| o.id()),
                    owner_id,
                    user_id: None,
                    branch_id: None,
                    status: d
                        .status
                        .unwrap_or(PersonStatus::Active)
                        .as_str()
                        .to_string(),
                    tags: d.tags.clone(),
                    custom_fields: Value::Object(d.custom_fields.clone()),
                    sensitive_fields: None,
                }))
            }
        };
        if matches!(action, Action::Create(_) | Action::Update { .. }) {
            if let Some((key, o)) = new_org {
                self.orgs.insert(key, o);
            }
        }
        action
    }
}

/// A row written over person `p`: its non-empty cells replace the values,
/// its tags join theirs, its custom values join theirs.
fn changes(
    p: &PersonRow,
    d: &PersonDraft,
    org: Option<&Org>,
    owner_id: Option<Uuid>,
) -> PersonChanges {
    let mut tags = p.tags.clone();
    for t in &d.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let before = p.custom_fields.as_object().cloned().unwrap_or_default();
    PersonChanges {
        first_name: Some(d.first_name.clone()),
        last_name: (!d.last_name.is_empty()).then(|| d.last_name.clone()),
        phone: d.phone.clone().map(Some),
        organization_id: org.map(|o| Some(o.id())),
        owner_id: owner_id.map(Some),
        status: d.status.map(|s| s.as_str().to_string()),
        tags: Some(tags),
        custom_fields: Some(Value::Object(merged(&before, &d.custom_fields))),
        ..Default::default()
    }
}

/// A row whose tags, joined to the record's, would be more than a record
/// may carry is rejected rather than cut short.
fn too_many_tags(tags: Option<&[String]>) -> Option<Action> {
    let n = tags.map_or(0, <[String]>::len);
    (n > TAGS_MAX).then(|| {
        Action::Reject(format!(
            "tags: with the record's own, {n} tags; a record carries at most {TAGS_MAX}"
        ))
    })
}

/// What finds an organisation's duplicate: its domain, or its name when
/// it has none.
fn organization_key(d: &OrganizationDraft) -> String {
    match &d.domain {
        Some(domain) => domain.to_lowercase(),
        None => format!("name:{}", d.name.to_lowercase()),
    }
}

/// The keys a row of an organisation takes: its own key, and also its name
/// when it has a domain, so that a later row with the name alone is a
/// duplicate of it rather than a second organisation.
fn organization_keys(d: &OrganizationDraft) -> Vec<String> {
    let mut keys = vec![organization_key(d)];
    if d.domain.is_some() {
        keys.push(format!("name:{}", d.name.to_lowercase()));
    }
    keys
}

/// A row written over organisation `o`: its non-empty cells replace the
/// values, its tags join theirs, its custom values join theirs.
fn organization_changes(
    o: &OrganizationRow,
    d: &OrganizationDraft,
    owner_id: Option<Uuid>,
) -> OrganizationChanges {
    let mut tags = o.tags.clone();
    for t in &d.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let before = o.custom_fields.as_object().cloned().unwrap_or_default();
    OrganizationChanges {
        name: Some(d.name.clone()),
        domain: d.domain.clone().map(Some),
        industry: d.industry.clone().map(Some),
        phone: d.phone.clone().map(Some),
        address: d.address.clone().map(Some),
        owner_id: owner_id.map(Some),
        tags: Some(tags),
        custom_fields: Some(Value::Object(merged(&before, &d.custom_fields))),
    }
}
