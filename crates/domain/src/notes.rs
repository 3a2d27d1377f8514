//! Notes on a record and its timeline: its notes and its changes, newest first.

use crate::events::Actor;
use crate::problem::{FieldCode, FieldError};
use crate::validate::Validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest note, in characters.
pub const NOTE_MAX: usize = 20_000;

/// The kinds of record a note can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteRecord {
    Person,
    Organization,
    Group,
}

impl NoteRecord {
    pub const ALL: [NoteRecord; 3] = [Self::Person, Self::Organization, Self::Group];

    /// Its name in the audit trail (`record_type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
            Self::Group => "group",
        }
    }
}

impl std::str::FromStr for NoteRecord {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteView {
    pub id: Uuid,
    /// The kind of record it is on.
    pub record_type: NoteRecord,
    pub record_id: Uuid,
    /// As written: Markdown.
    pub body: String,
    /// The Markdown as HTML, made safe: no script, no event handler, no
    /// `javascript:` link survives.
    pub body_html: String,
    /// The member who wrote it (empty when written with an API key or when
    /// they have left the workspace).
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

fn body(e: &mut Vec<FieldError>, body: &str) {
    if body.trim().is_empty() {
        e.push(FieldError::new("body", FieldCode::Required, "is required"));
    } else if body.chars().count() > NOTE_MAX {
        e.push(FieldError::new(
            "body",
            FieldCode::TooLong,
            format!("at most {NOTE_MAX} characters"),
        ));
    }
}

/// A note on exactly one record: a person, an organisation or a group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "body": "Called about the **spring term**: keen on robotics."})))]
#[serde(deny_unknown_fields)]
pub struct CreateNoteRequest {
    #[serde(default)]
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// Markdown, at most 20,000 characters.
    pub body: String,
}

impl CreateNoteRequest {
    /// The record it is on, when exactly one is named.
    pub fn record(&self) -> Option<(NoteRecord, Uuid)> {
        match (self.person_id, self.organization_id, self.group_id) {
            (Some(id), None, None) => Some((NoteRecord::Person, id)),
            (None, Some(id), None) => Some((NoteRecord::Organization, id)),
            (None, None, Some(id)) => Some((NoteRecord::Group, id)),
            _ => None,
        }
    }
}

impl Validate for CreateNoteRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.record().is_none() {
            e.push(FieldError::new(
                "person_id",
                FieldCode::Required,
                "name exactly one of person_id, organization_id and group_id",
            ));
        }
        body(e, &self.body);
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"body": "Called back: starts in **March**."})))]
#[serde(deny_unknown_fields)]
pub struct UpdateNoteRequest {
    pub body: String,
}

impl Validate for UpdateNoteRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        body(e, &self.body);
    }
}

/// A change of the record, from its audit trail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineChange {
    /// The audit entry's id.
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// `<record>.<verb>`, e.g. `person.updated`.
    pub action: String,
    pub actor: Actor,
    /// The member who made it, by name.
    pub actor_name: Option<String>,
    /// Changed fields: `{"email": {"before": "a@x.example", "after": "b@x.example"}}`.
    pub changes: serde_json::Value,
}

/// One thing in a record's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineItem {
    Note(NoteView),
    Change(TimelineChange),
}

impl TimelineItem {
    pub fn id(&self) -> Uuid {
        match self {
            Self::Note(n) => n.id,
            Self::Change(c) => c.id,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Note(n) => n.created_at,
            Self::Change(c) => c.occurred_at,
        }
    }
}

/// A page of a timeline, newest first.
pub type TimelinePage = crate::list::Page<TimelineItem>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_on_exactly_one_record_and_says_something() {
        let id = Uuid::from_u128(7);
        let ok = CreateNoteRequest {
            person_id: Some(id),
            body: "hello".into(),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.record(), Some((NoteRecord::Person, id)));
        let two = CreateNoteRequest {
            group_id: Some(id),
            ..ok.clone()
        };
        assert_eq!(two.validate().unwrap_err()[0].field, "person_id");
        let blank = CreateNoteRequest {
            body: "  \n".into(),
            ..ok.clone()
        };
        assert_eq!(blank.validate().unwrap_err()[0].code, "required");
        let long = UpdateNoteRequest {
            body: "é".repeat(NOTE_MAX + 1),
        };
        assert_eq!(long.validate().unwrap_err()[0].code, "too_long");
    }
}
