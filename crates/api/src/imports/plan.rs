//! What each row of a file does against the workspace as it stands: the
//! one reading of rows that the preview shows and the run carries out.

use rapport_db::people::{NewPerson, PersonChanges, PersonRow};
use rapport_db::Conn;
use rapport_domain::custom_fields::{merged, CustomFieldView};
use rapport_domain::imports::{
    missing_required, person_draft, Duplicates, ImportSettings, PersonDraft,
};
use rapport_domain::people::PersonStatus;
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
    Skip(String),
    Reject(String),
}

/// One data row and what it does.
#[derive(Debug)]
pub struct Planned {
    /// Its row number in the file, counted from 1.
    pub row: u32,
    pub cells: Vec<String>,
    pub draft: Option<PersonDraft>,
    /// Digest of what the row writes and how: the same row run again is known.
    pub fingerprint: Vec<u8>,
    pub action: Action,
}

/// Reads rows in order, remembering across batches what the file said
/// before (e-mail addresses met, organisations to create).
#[derive(Debug, Clone)]
pub struct Planner {
    ws: Uuid,
    settings: ImportSettings,
    fields: Vec<CustomFieldView>,
    salt: Vec<u8>,
    /// The first row of each e-mail address met so far.
    emails: HashMap<String, u32>,
    /// Organisations by lower-case name or domain.
    pub orgs: HashMap<String, Org>,
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
    pub fn new(ws: Uuid, settings: ImportSettings, fields: Vec<CustomFieldView>) -> Self {
        let salt = serde_json::to_vec(&(settings.duplicates, settings.create_organizations))
            .unwrap_or_default();
        Planner {
            ws,
            settings,
            fields,
            salt,
            emails: HashMap::new(),
            orgs: HashMap::new(),
            members: HashMap::new(),
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
        let ws = self.ws;
        let drafts: Vec<Result<PersonDraft, String>> = rows
            .iter()
            .map(|(_, cells)| person_draft(cells, &self.settings, &self.fields))
            .collect();
        let fingerprint = |d: &PersonDraft| {
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

        let owners: Vec<String> = ok()
            .filter_map(|d| d.owner.clone())
            .filter(|o| !self.members.contains_key(o))
            .collect();
        let found: HashMap<String, Uuid> = rapport_db::imports::members_by_email(conn, ws, &owners)
            .await?
            .into_iter()
            .collect();
        for o in owners {
            let id = found.get(&o).copied();
            self.members.insert(o, id);
        }

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
                draft: draft.ok(),
                fingerprint: print,
                action,
            });
        }
        Ok(out)
    }

    fn act(&mut self, row: u32, d: &PersonDraft, existing: &HashMap<String, PersonRow>) -> Action {
        let owner_id = match &d.owner {
            None => None,
            Some(o) => match self.members.get(o).copied().flatten() {
                Some(id) => Some(id),
                None => return Action::Reject("owner: no member has this e-mail address".into()),
            },
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
                    status: d
                        .status
                        .unwrap_or(PersonStatus::Active)
                        .as_str()
                        .to_string(),
                    tags: d.tags.clone(),
                    custom_fields: Value::Object(d.custom_fields.clone()),
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
