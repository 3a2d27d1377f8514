//! Dashboards: the figures a role looks at first, read in one call.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A class and how many students it has today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassFigures {
    pub id: Uuid,
    pub name: String,
    /// The teacher.
    pub leader_id: Option<Uuid>,
    /// Enrolled today.
    pub students: i64,
    /// Attendance recorded in the last 30 days (one line per student and lesson).
    pub recorded: i64,
    /// Of those, present or late.
    pub attended: i64,
}

/// Money in one currency this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyFigures {
    pub currency: String,
    /// Charged for this month (waived charges left out).
    pub charged_minor: i64,
    /// Paid this month.
    pub paid_minor: i64,
    /// Owed now, by everyone.
    pub owed_minor: i64,
    /// How many owe something.
    pub debtors: i64,
}

/// A student's medals earned this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Earner {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub gold: i64,
    pub silver: i64,
    pub bronze: i64,
}

/// A school's figures for its admins: enrolment, attendance by class over
/// the last 30 days, this month's money and the month's top medal earners.
/// A section of a module the workspace has not switched on is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchoolDashboard {
    /// Today in the workspace's time zone.
    pub today: NaiveDate,
    /// The first day of this month.
    pub month: NaiveDate,
    /// Students enrolled in at least one class today.
    pub students: i64,
    /// Lessons today (not cancelled).
    pub lessons_today: i64,
    pub classes: Vec<ClassFigures>,
    pub money: Vec<MoneyFigures>,
    /// At most five, the most gold first.
    pub top_earners: Vec<Earner>,
}
