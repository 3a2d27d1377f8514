//! Availability, part of scheduling: when a host can be booked (weekly
//! hours in their own time zone, dates whose hours replace their
//! weekday's, time off), the workspace's rules per kind of session
//! (length, buffers, slot interval, notice, how far ahead, limits per day
//! and week), and the free slots that follow.

use crate::problem::{FieldCode, FieldError};
use crate::scheduling::SessionKind;
use crate::validate::{self, Validate};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The intervals one week can hold.
pub const WEEKLY_MAX: usize = 70;
/// The dates with their own hours one host can have.
pub const OVERRIDES_MAX: usize = 400;
/// The periods of time off one host can have.
pub const TIME_OFF_MAX: usize = 200;
/// The longest range one slot search covers, in days.
pub const SLOT_RANGE_MAX_DAYS: i64 = 62;

/// `HH:MM`, as a wall clock shows it.
pub fn wall_time(text: &str) -> Option<NaiveTime> {
    if text.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

/// From one time of day to a later one, `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// `09:00`.
    pub from: String,
    /// `12:30`: after `from`, the same day.
    pub to: String,
}

impl Interval {
    pub fn times(&self) -> Option<(NaiveTime, NaiveTime)> {
        let (a, b) = (wall_time(&self.from)?, wall_time(&self.to)?);
        (b > a).then_some((a, b))
    }
}

/// Hours on one day of every week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// 1 for Monday to 7 for Sunday (ISO 8601).
    pub weekday: u8,
    pub from: String,
    pub to: String,
}

/// A date whose hours replace its weekday's: none at all is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DateHours {
    pub date: NaiveDate,
    #[serde(default)]
    pub intervals: Vec<Interval>,
}

/// Time off: no slot in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeOff {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// When a host can be booked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityView {
    pub user_id: Uuid,
    /// The IANA zone the hours are in: the host's own.
    pub time_zone: String,
    pub weekly: Vec<WeeklyHours>,
    pub overrides: Vec<DateHours>,
    pub time_off: Vec<TimeOff>,
    /// 0 until set.
    pub version: i32,
}

/// When a person (a student) is free: the same document as a host's hours.
/// A session with them is proposed within it, clear of their other sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonAvailabilityView {
    pub person_id: Uuid,
    /// The IANA zone the hours are in (the workspace's until set).
    pub time_zone: String,
    pub weekly: Vec<WeeklyHours>,
    pub overrides: Vec<DateHours>,
    pub time_off: Vec<TimeOff>,
    /// 0 until set.
    pub version: i32,
}

/// A host's hours, all of them: they replace what was there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "time_zone": "Europe/Paris",
    "weekly": [{"weekday": 1, "from": "09:00", "to": "12:00"}, {"weekday": 1, "from": "14:00", "to": "18:00"}],
    "overrides": [{"date": "2027-05-01", "intervals": []}],
    "time_off": [{"starts_at": "2027-08-01T00:00:00Z", "ends_at": "2027-08-15T00:00:00Z", "reason": "Holidays"}]
})))]
#[serde(deny_unknown_fields)]
pub struct PutAvailabilityRequest {
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Vec<WeeklyHours>,
    #[serde(default)]
    pub overrides: Vec<DateHours>,
    #[serde(default)]
    pub time_off: Vec<TimeOff>,
}

/// Whether `list` (of one day) holds two intervals that overlap.
fn overlapping(mut list: Vec<(NaiveTime, NaiveTime)>) -> bool {
    list.sort();
    list.windows(2).any(|w| w[1].0 < w[0].1)
}

fn check_interval(
    e: &mut Vec<FieldError>,
    field: &str,
    from: &str,
    to: &str,
) -> Option<(NaiveTime, NaiveTime)> {
    match (wall_time(from), wall_time(to)) {
        (Some(a), Some(b)) if b > a => Some((a, b)),
        (Some(_), Some(_)) => {
            e.push(FieldError::new(
                format!("{field}.to"),
                FieldCode::Range,
                "must be after from, the same day",
            ));
            None
        }
        _ => {
            e.push(FieldError::new(
                field,
                FieldCode::Format,
                "times as HH:MM, such as 09:00",
            ));
            None
        }
    }
}

impl Validate for PutAvailabilityRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.time_zone.trim().is_empty() || self.time_zone.len() > 64 {
            e.push(FieldError::new(
                "time_zone",
                FieldCode::Unknown,
                "an IANA time zone such as Europe/Paris",
            ));
        }
        for (field, n, max) in [
            ("weekly", self.weekly.len(), WEEKLY_MAX),
            ("overrides", self.overrides.len(), OVERRIDES_MAX),
            ("time_off", self.time_off.len(), TIME_OFF_MAX),
        ] {
            if n > max {
                e.push(
                    FieldError::new(field, FieldCode::TooLong, format!("at most {max}"))
                        .with("max", max),
                );
            }
        }
        let mut days: Vec<Vec<(NaiveTime, NaiveTime)>> = vec![vec![]; 8];
        for (i, w) in self.weekly.iter().enumerate() {
            let field = format!("weekly.{i}");
            if !(1..=7).contains(&w.weekday) {
                e.push(
                    FieldError::new(
                        format!("{field}.weekday"),
                        FieldCode::Range,
                        "1 for Monday to 7 for Sunday",
                    )
                    .with("min", 1)
                    .with("max", 7),
                );
                continue;
            }
            if let Some(t) = check_interval(e, &field, &w.from, &w.to) {
                days[w.weekday as usize].push(t);
            }
        }
        for (d, list) in days.into_iter().enumerate() {
            if overlapping(list) {
                e.push(FieldError::new(
                    "weekly",
                    FieldCode::Invalid,
                    format!("two intervals of weekday {d} overlap"),
                ));
            }
        }
        for (i, o) in self.overrides.iter().enumerate() {
            if self.overrides[..i].iter().any(|p| p.date == o.date) {
                e.push(FieldError::new(
                    format!("overrides.{i}.date"),
                    FieldCode::Invalid,
                    "this date is given twice",
                ));
            }
            let mut list = vec![];
            for (j, iv) in o.intervals.iter().enumerate() {
                if let Some(t) =
                    check_interval(e, &format!("overrides.{i}.intervals.{j}"), &iv.from, &iv.to)
                {
                    list.push(t);
                }
            }
            if overlapping(list) {
                e.push(FieldError::new(
                    format!("overrides.{i}.intervals"),
                    FieldCode::Invalid,
                    "two intervals overlap",
                ));
            }
        }
        for (i, t) in self.time_off.iter().enumerate() {
            validate::time(e, &format!("time_off.{i}.starts_at"), &t.starts_at);
            validate::time(e, &format!("time_off.{i}.ends_at"), &t.ends_at);
            if t.ends_at <= t.starts_at {
                e.push(FieldError::new(
                    format!("time_off.{i}.ends_at"),
                    FieldCode::Range,
                    "must be after starts_at",
                ));
            }
            if let Some(r) = t.reason.as_deref().filter(|r| !r.trim().is_empty()) {
                validate::text(e, &format!("time_off.{i}.reason"), r, 200);
            }
        }
    }
}

/// How one kind of session is booked in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BookingRule {
    /// Minutes a booked session lasts, unless the search names another.
    pub duration_min: i32,
    /// Minutes the host keeps free before it.
    pub buffer_before_min: i32,
    /// Minutes the host keeps free after it.
    pub buffer_after_min: i32,
    /// Minutes between the starts of two slots offered.
    pub slot_interval_min: i32,
    /// Minutes ahead of its start a slot may be booked at the latest.
    pub min_notice_min: i32,
    /// Days ahead a slot may be booked at most (a rolling window).
    pub window_days: i32,
    /// Sessions a host takes a day at most, in their zone.
    pub max_per_day: Option<i32>,
    /// Sessions a host takes a week (Monday to Sunday) at most.
    pub max_per_week: Option<i32>,
    /// Whether the host confirms each booking.
    pub requires_confirmation: bool,
}

impl Default for BookingRule {
    fn default() -> Self {
        BookingRule {
            duration_min: 60,
            buffer_before_min: 0,
            buffer_after_min: 0,
            slot_interval_min: 30,
            min_notice_min: 120,
            window_days: 60,
            max_per_day: None,
            max_per_week: None,
            requires_confirmation: false,
        }
    }
}

impl Validate for BookingRule {
    fn check(&self, e: &mut Vec<FieldError>) {
        for (field, v, min, max) in [
            ("duration_min", self.duration_min, 5, 1440),
            ("buffer_before_min", self.buffer_before_min, 0, 1440),
            ("buffer_after_min", self.buffer_after_min, 0, 1440),
            ("slot_interval_min", self.slot_interval_min, 5, 1440),
            ("min_notice_min", self.min_notice_min, 0, 525_600),
            ("window_days", self.window_days, 1, 730),
            ("max_per_day", self.max_per_day.unwrap_or(1), 1, 100),
            ("max_per_week", self.max_per_week.unwrap_or(1), 1, 500),
        ] {
            if !(min..=max).contains(&v) {
                e.push(
                    FieldError::new(field, FieldCode::Range, format!("from {min} to {max}"))
                        .with("min", min)
                        .with("max", max),
                );
            }
        }
    }
}

/// The rule of one kind of session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingRuleView {
    pub kind: SessionKind,
    #[serde(flatten)]
    pub rule: BookingRule,
}

/// A member who can be booked: they have set their hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookableHost {
    pub user_id: Uuid,
    pub name: String,
    pub time_zone: String,
}

/// How long before its sessions a workspace reminds of them, in minutes
/// (0: no reminders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    pub lead_min: i32,
}

impl Validate for ReminderSettings {
    fn check(&self, e: &mut Vec<FieldError>) {
        if !(0..=10_080).contains(&self.lead_min) {
            e.push(
                FieldError::new(
                    "lead_min",
                    FieldCode::Range,
                    "from 0 to 10,080 minutes (a week)",
                )
                .with("min", 0)
                .with("max", 10_080),
            );
        }
    }
}

/// A free slot of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &impl Validate) -> Vec<String> {
        let mut e = vec![];
        r.check(&mut e);
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn hours_are_wall_times_in_order_that_never_overlap() {
        let ok = PutAvailabilityRequest {
            time_zone: "Europe/Paris".into(),
            weekly: vec![
                WeeklyHours {
                    weekday: 1,
                    from: "09:00".into(),
                    to: "12:00".into(),
                },
                WeeklyHours {
                    weekday: 1,
                    from: "12:00".into(),
                    to: "18:00".into(),
                },
            ],
            overrides: vec![DateHours {
                date: NaiveDate::from_ymd_opt(2027, 5, 1).unwrap(),
                intervals: vec![],
            }],
            time_off: vec![],
        };
        assert!(fields(&ok).is_empty());
        let mut bad = ok.clone();
        bad.weekly.push(WeeklyHours {
            weekday: 1,
            from: "11:00".into(),
            to: "13:00".into(),
        });
        bad.weekly.push(WeeklyHours {
            weekday: 8,
            from: "11:00".into(),
            to: "13:00".into(),
        });
        bad.weekly.push(WeeklyHours {
            weekday: 2,
            from: "9:00".into(),
            to: "13:00".into(),
        });
        bad.weekly.push(WeeklyHours {
            weekday: 3,
            from: "13:00".into(),
            to: "13:00".into(),
        });
        assert_eq!(
            fields(&bad),
            ["weekly.3.weekday", "weekly.4", "weekly.5.to", "weekly"]
        );
        assert_eq!(wall_time("24:00"), None);
    }
}
