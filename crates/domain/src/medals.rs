//! Medals: bronze, silver and gold on the ledger, awarded by teachers within
//! monthly limits, and a bronze for each lesson a student is present at.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest reason of an award.
pub const AWARD_REASON_MAX: usize = 500;
/// The highest limit a workspace may set.
pub const LIMIT_MAX: i32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Medal {
    Bronze,
    Silver,
    Gold,
}

impl Medal {
    pub const ALL: [Medal; 3] = [Medal::Bronze, Medal::Silver, Medal::Gold];

    /// Its currency on the ledger.
    pub fn currency(self) -> &'static str {
        match self {
            Medal::Bronze => "MEDAL_BRONZE",
            Medal::Silver => "MEDAL_SILVER",
            Medal::Gold => "MEDAL_GOLD",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Medal::Bronze => "bronze",
            Medal::Silver => "silver",
            Medal::Gold => "gold",
        }
    }

    pub fn of_currency(c: &str) -> Option<Medal> {
        Medal::ALL.into_iter().find(|m| m.currency() == c)
    }
}

/// How a workspace gives medals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "attendance_bronze": true, "gold_per_month": 1, "silver_per_month": 2,
    "bronze_per_month": 5, "student_cap_per_month": 10, "bronze_per_silver": 10
})))]
#[serde(deny_unknown_fields)]
pub struct MedalSettings {
    /// A bronze for each lesson a student is present at (once per lesson,
    /// however often its register is saved; taken back when corrected).
    pub attendance_bronze: bool,
    /// How many of each medal one teacher may award one student in a
    /// calendar month (in the workspace's time zone).
    pub gold_per_month: i32,
    pub silver_per_month: i32,
    pub bronze_per_month: i32,
    /// How many medals of any kind a student may be awarded in a month, by
    /// all teachers together (`null`: no cap).
    pub student_cap_per_month: Option<i32>,
    /// How many bronze a student exchanges for one silver (`null`: no
    /// exchange).
    pub bronze_per_silver: Option<i32>,
}

impl Default for MedalSettings {
    fn default() -> Self {
        MedalSettings {
            attendance_bronze: true,
            gold_per_month: 1,
            silver_per_month: 2,
            bronze_per_month: 5,
            student_cap_per_month: None,
            bronze_per_silver: None,
        }
    }
}

impl MedalSettings {
    /// How many of `medal` one teacher may award one student in a month.
    pub fn per_month(&self, medal: Medal) -> i32 {
        match medal {
            Medal::Bronze => self.bronze_per_month,
            Medal::Silver => self.silver_per_month,
            Medal::Gold => self.gold_per_month,
        }
    }
}

impl Validate for MedalSettings {
    fn check(&self, e: &mut Vec<FieldError>) {
        let limits = [
            ("gold_per_month", Some(self.gold_per_month), 0),
            ("silver_per_month", Some(self.silver_per_month), 0),
            ("bronze_per_month", Some(self.bronze_per_month), 0),
            ("student_cap_per_month", self.student_cap_per_month, 0),
            ("bronze_per_silver", self.bronze_per_silver, 2),
        ];
        for (field, v, min) in limits {
            if v.is_some_and(|v| !(min..=LIMIT_MAX).contains(&v)) {
                e.push(
                    FieldError::new(
                        field,
                        FieldCode::Range,
                        format!("from {min} to {LIMIT_MAX}"),
                    )
                    .with("min", min)
                    .with("max", LIMIT_MAX),
                );
            }
        }
    }
}

/// A medal given by hand, with why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "medal": "gold",
    "reason": "Finished the robot arm"
})))]
#[serde(deny_unknown_fields)]
pub struct AwardRequest {
    pub person_id: Uuid,
    pub medal: Medal,
    pub reason: String,
}

impl Validate for AwardRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, AWARD_REASON_MAX);
    }
}

/// What the caller may still award a student this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allowance {
    pub person_id: Uuid,
    pub gold: i32,
    pub silver: i32,
    pub bronze: i32,
    /// Left under the student's overall cap, when there is one.
    pub student_cap_left: Option<i32>,
}

/// Bronze exchanged for silver, at the workspace's rate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"silver": 1})))]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    /// Whose medals: a student's own when left out; staff name the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// How many silver to get.
    pub silver: i32,
}

impl Validate for ExchangeRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if !(1..=100).contains(&self.silver) {
            e.push(
                FieldError::new("silver", FieldCode::Range, "from 1 to 100")
                    .with("min", 1)
                    .with("max", 100),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_keep_to_their_ranges() {
        assert!(MedalSettings::default().validate().is_ok());
        let bad = MedalSettings {
            gold_per_month: -1,
            bronze_per_silver: Some(1),
            ..Default::default()
        };
        let fields: Vec<String> = bad
            .validate()
            .expect_err("refused")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["gold_per_month", "bronze_per_silver"]);
        assert_eq!(Medal::of_currency("MEDAL_GOLD"), Some(Medal::Gold));
        assert_eq!(MedalSettings::default().per_month(Medal::Silver), 2);
    }
}
