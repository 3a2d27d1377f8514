//! Groups: classes, cohorts, teams and segments, and who belongs to them when.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate, NAME_MAX};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DESCRIPTION_MAX: usize = 2000;

/// What a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Students taught together (a school's class).
    #[default]
    Class,
    /// People who started together (a programme's intake).
    Cohort,
    /// People who work together.
    Team,
    /// People picked out for a purpose (a campaign's audience).
    Segment,
}

impl GroupKind {
    pub const ALL: [GroupKind; 4] = [Self::Class, Self::Cohort, Self::Team, Self::Segment];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Class => "class",
            Self::Cohort => "cohort",
            Self::Team => "team",
            Self::Segment => "segment",
        }
    }
}

impl std::str::FromStr for GroupKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub kind: GroupKind,
    pub description: Option<String>,
    /// The member who leads it (a class's teacher).
    pub leader_id: Option<Uuid>,
    /// What it teaches, for a class ("Python for beginners").
    pub course: Option<String>,
    pub tags: Vec<String>,
    /// How many people belong to it today.
    pub member_count: i64,
    /// The workspace's own fields (see `/custom-fields`), by key.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was deleted; it can be restored for 30 days, then it is purged.
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// A page of the list.
pub type GroupPage = crate::list::Page<GroupView>;

fn check(e: &mut Vec<FieldError>, description: Option<&str>, course: Option<&str>) {
    validate::optional_text(
        e,
        "description",
        description.filter(|v| !v.trim().is_empty()),
        DESCRIPTION_MAX,
    );
    validate::optional_text(
        e,
        "course",
        course.filter(|v| !v.trim().is_empty()),
        NAME_MAX,
    );
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Python beginners, Tuesday", "kind": "class", "course": "Python for beginners"})))]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    pub name: String,
    #[serde(default)]
    pub kind: GroupKind,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub leader_id: Option<Uuid>,
    /// What it teaches, for a class.
    #[serde(default)]
    pub course: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Values of the workspace's own fields, by key; checked against them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

impl Validate for CreateGroupRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "name", &self.name, NAME_MAX);
        check(e, self.description.as_deref(), self.course.as_deref());
        validate::tags(e, "tags", &self.tags);
    }
}

/// Only the fields sent change; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Python, Thursday", "leader_id": null})))]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<GroupKind>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub leader_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub course: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Values of the workspace's own fields to set, by key; `null` clears one,
    /// keys left out stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Validate for UpdateGroupRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.name {
            validate::text(e, "name", n, NAME_MAX);
        }
        check(
            e,
            self.description.clone().flatten().as_deref(),
            self.course.clone().flatten().as_deref(),
        );
        if let Some(t) = &self.tags {
            validate::tags(e, "tags", t);
        }
    }
}

/// One stay of a person in a group: a member from `joined_on`, no longer
/// from `left_on` (still a member while it is empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMemberView {
    /// The stay's id.
    pub id: Uuid,
    pub group_id: Uuid,
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub joined_on: NaiveDate,
    /// The first day they are no longer a member.
    pub left_on: Option<NaiveDate>,
    pub version: i32,
}

/// A page of a group's members.
pub type GroupMemberPage = crate::list::Page<GroupMemberView>;

/// The dates of a stay: it cannot end before it starts.
fn stay(e: &mut Vec<FieldError>, joined_on: Option<NaiveDate>, left_on: Option<NaiveDate>) {
    for (field, day) in [("joined_on", joined_on), ("left_on", left_on)] {
        if let Some(d) = day {
            if !date_in_range(d) {
                e.push(FieldError::new(
                    field,
                    FieldCode::Range,
                    "a date between the years 1900 and 2200",
                ));
            }
        }
    }
    if let (Some(j), Some(l)) = (joined_on, left_on) {
        if l < j {
            e.push(FieldError::new(
                "left_on",
                FieldCode::Range,
                "the day they left cannot come before the day they joined",
            ));
        }
    }
}

/// Dates people mean: from 1900 to 2200.
pub fn date_in_range(d: NaiveDate) -> bool {
    use chrono::Datelike;
    (1900..=2200).contains(&d.year())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "joined_on": "2026-09-01"})))]
#[serde(deny_unknown_fields)]
pub struct AddGroupMemberRequest {
    pub person_id: Uuid,
    /// Today in the workspace's time zone when left out.
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

impl Validate for AddGroupMemberRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        stay(e, self.joined_on, self.left_on);
    }
}

/// Changes a stay's dates; `left_on` set says they left, `null` that they are
/// back in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"left_on": "2027-01-31"})))]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupMemberRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_on: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub left_on: Option<Option<NaiveDate>>,
}

impl Validate for UpdateGroupMemberRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        stay(e, self.joined_on, self.left_on.flatten());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_stay_cannot_end_before_it_starts() {
        let ok = AddGroupMemberRequest {
            person_id: Uuid::nil(),
            joined_on: Some(day("2026-09-01")),
            left_on: Some(day("2026-09-01")),
        };
        assert!(ok.validate().is_ok());
        let bad = AddGroupMemberRequest {
            left_on: Some(day("2026-08-31")),
            ..ok.clone()
        };
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors[0].field, "left_on");
        let far = UpdateGroupMemberRequest {
            joined_on: Some(day("1200-01-01")),
            left_on: None,
        };
        assert_eq!(far.validate().unwrap_err()[0].field, "joined_on");
    }

    #[test]
    fn kinds_read_back_as_written() {
        for k in GroupKind::ALL {
            assert_eq!(k.as_str().parse::<GroupKind>(), Ok(k));
        }
        assert!("club".parse::<GroupKind>().is_err());
    }
}
