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

/// One of today's lessons a teacher holds, and how far its register is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LessonToday {
    /// The session.
    pub id: Uuid,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub status: crate::scheduling::SessionStatus,
    /// Who takes part (named, or through a class on the day).
    pub participants: i64,
    /// Of them, those whose attendance is recorded.
    pub recorded: i64,
}

/// What a teacher may still award one of their students this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardsLeft {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub gold: i32,
    pub silver: i32,
    pub bronze: i32,
    /// What is left under the student's cap from all teachers (`null`: no
    /// cap).
    pub student_cap_left: Option<i32>,
}

/// A teacher's day: the classes they lead (with students today and
/// attendance over the last 30 days), the lessons they hold today, and
/// what they may still award each of their students this month. A
/// section whose module is off is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeachingDashboard {
    /// Today in the workspace's time zone.
    pub today: NaiveDate,
    pub classes: Vec<ClassFigures>,
    /// Earliest first; cancelled ones left out.
    pub lessons: Vec<LessonToday>,
    /// The students of their classes today, by name.
    pub awards_left: Vec<AwardsLeft>,
}

/// A class a student belongs to today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassOf {
    pub id: Uuid,
    pub name: String,
    pub course: Option<String>,
    /// The teacher.
    pub leader_id: Option<Uuid>,
}

/// One of a student's coming lessons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextLesson {
    /// The session.
    pub id: Uuid,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub location: Option<String>,
    pub host_id: Option<Uuid>,
}

/// A student's own page: their classes, their next lessons, their
/// attendance over the last 90 days, their medal balances and the last
/// medals they received. A section whose module is off is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentDashboard {
    /// The person the caller is.
    pub person_id: Uuid,
    pub first_name: String,
    pub classes: Vec<ClassOf>,
    /// At most five, earliest first.
    pub next_lessons: Vec<NextLesson>,
    /// Attendance recorded at their lessons in the last 90 days.
    pub recorded: i64,
    /// Of those, present or late.
    pub attended: i64,
    /// Medals only, by currency.
    pub balances: Vec<crate::ledger::Balance>,
    /// The last ten medal entries, newest first.
    pub recent_medals: Vec<crate::ledger::LedgerEntryView>,
}

/// A class's medal table for a month: each student of the class today
/// and the medals they earned in it (awards and attendance that stand),
/// the most gold first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leaderboard {
    pub group_id: Uuid,
    /// The first day of the month.
    pub month: NaiveDate,
    pub rows: Vec<Earner>,
}

/// A session as a dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionBrief {
    pub id: Uuid,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub status: crate::scheduling::SessionStatus,
    pub host_id: Option<Uuid>,
    /// Who takes part, by name: those the caller may see.
    pub people: Vec<String>,
    /// The same people with their ids, in the same order: whose attendance
    /// a log made from this list may record.
    #[serde(default)]
    pub participants: Vec<SessionPerson>,
    /// The session's version, which a log made from this list is based on.
    pub version: i32,
}

/// Someone who takes part in a session listed on a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPerson {
    pub id: Uuid,
    pub name: String,
}

/// A student added lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewStudent {
    pub id: Uuid,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A tutoring business's money now, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TutoringMoney {
    pub currency: String,
    /// Invoiced for this month's sessions and packages sold in it, less
    /// what was credited.
    pub revenue_this_month: i64,
    pub revenue_last_month: i64,
    /// What students owe now, all together.
    pub outstanding_minor: i64,
    /// How many owe something.
    pub debtors: i64,
}

/// A tutoring business's first page, shaped by who asks: sessions are
/// those the caller sees (a user their own; a moderator those of their
/// branches); new students for those who add them; money and no-shows for
/// those who read finance. A section the caller may not see is empty (or
/// `null`), never withheld by the page alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TutoringDashboard {
    /// Today in the workspace's time zone.
    pub today: NaiveDate,
    /// The next sessions from now, at most ten, earliest first.
    pub next: Vec<SessionBrief>,
    /// Today's sessions, earliest first (cancelled ones left out).
    pub today_sessions: Vec<SessionBrief>,
    /// Sessions of the last 30 days that have ended and are not logged yet
    /// (neither completed nor marked no-show), newest first, at most fifty.
    pub unlogged: Vec<SessionBrief>,
    /// How many there are in all.
    pub unlogged_count: i64,
    /// Sessions completed this month, and their length.
    pub completed_this_month: i64,
    pub minutes_this_month: i64,
    /// Students added in the last 30 days (at most five, newest first) and
    /// how many; `null` for who does not add students.
    pub new_students: Option<Vec<NewStudent>>,
    pub new_students_count: i64,
    /// Sessions marked no-show and students marked absent this month; for
    /// those who read finance only.
    pub no_shows: Option<i64>,
    /// For those who read finance only.
    pub money: Option<Vec<TutoringMoney>>,
}

/// What the students list and a student's panel show in tutoring beside
/// the profile: their rates (for those who see amounts), the sessions left
/// on their packages, and their next sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentSummary {
    pub person_id: Uuid,
    /// Their rates, oldest first; `null` for who sees no amounts.
    pub rates: Option<Vec<crate::finance::RateView>>,
    /// Their packages still in use (sessions left, not expired, not
    /// cancelled), oldest first; counts, no amounts.
    pub packages: Vec<PackageBalance>,
    /// Sessions left on those packages in all.
    pub sessions_left: i32,
    /// Their next sessions the caller sees (at most three), earliest first.
    pub next: Vec<NextSession>,
}

/// A package in use, as counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageBalance {
    pub id: Uuid,
    pub name: String,
    pub subject: Option<String>,
    pub sessions: i32,
    pub used: i32,
    pub remaining: i32,
    pub expires_on: Option<NaiveDate>,
}

/// A session to come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextSession {
    pub id: Uuid,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub host_id: Option<Uuid>,
    pub status: crate::scheduling::SessionStatus,
}
