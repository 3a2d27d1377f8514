//! Free slots: generated day by day in the host's zone, on the wall clock
//! (never by adding 24 hours, so a day of a change to or from summer time
//! has its own hours), then kept when they fit in the hours, clear of the
//! host's sessions with both sides' buffers, of time off, of the notice and
//! the window, and under the limits per day and week.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rapport_domain::api::Slot;
use std::collections::HashMap;

/// When a host can be booked, read.
pub struct Hours {
    pub tz: Tz,
    /// By ISO weekday (1 Monday to 7 Sunday).
    pub weekly: HashMap<u32, Vec<(NaiveTime, NaiveTime)>>,
    pub overrides: HashMap<NaiveDate, Vec<(NaiveTime, NaiveTime)>>,
    pub time_off: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Hours {
    /// Whether `start`..`end` lies within one interval of its day, clear of
    /// time off.
    pub fn holds(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        let d = start.with_timezone(&self.tz).date_naive();
        let intervals = self
            .overrides
            .get(&d)
            .or_else(|| self.weekly.get(&d.weekday().number_from_monday()));
        let within = intervals.is_some_and(|list| {
            list.iter().any(|(a, b)| {
                end_at(self.tz, d.and_time(*a)) <= start && end <= end_at(self.tz, d.and_time(*b))
            })
        });
        within && !self.time_off.iter().any(|(s, e)| start < *e && *s < end)
    }
}

/// How the kind of session is booked.
pub struct Rules {
    pub duration: Duration,
    pub before: Duration,
    pub after: Duration,
    pub interval: Duration,
    pub notice: Duration,
    pub window: Duration,
    pub per_day: Option<usize>,
    pub per_week: Option<usize>,
}

impl Rules {
    /// What `rule` says, with slots of `duration` minutes when given.
    pub fn of(rule: &rapport_domain::api::BookingRule, duration: Option<i32>) -> Rules {
        let m = |n: i32| Duration::minutes(n as i64);
        Rules {
            duration: m(duration.unwrap_or(rule.duration_min)),
            before: m(rule.buffer_before_min),
            after: m(rule.buffer_after_min),
            interval: m(rule.slot_interval_min),
            notice: m(rule.min_notice_min),
            window: Duration::days(rule.window_days as i64),
            per_day: rule.max_per_day.map(|n| n as usize),
            per_week: rule.max_per_week.map(|n| n as usize),
        }
    }
}

/// A session the host holds: start, end, buffers before and after.
pub type Held = (DateTime<Utc>, DateTime<Utc>, Duration, Duration);

/// The first instant of wall-clock time `t` in `tz`; `None` in a gap.
fn at(tz: Tz, t: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => Some(d.with_timezone(&Utc)),
        LocalResult::Ambiguous(d, _) => Some(d.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The end of wall-clock time `t` as an instant: a time in a gap is the
/// instant the gap ends.
fn end_at(tz: Tz, t: chrono::NaiveDateTime) -> DateTime<Utc> {
    at(tz, t).unwrap_or_else(|| super::recurrence::instant(tz, t))
}

/// Monday of the ISO week of `d`.
fn week_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// The free slots of a host from `from` to `to`, at `now`.
pub fn slots(
    h: &Hours,
    r: &Rules,
    held: &[Held],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let local = |t: DateTime<Utc>| t.with_timezone(&h.tz).date_naive();
    let mut per_day: HashMap<NaiveDate, usize> = HashMap::new();
    let mut per_week: HashMap<NaiveDate, usize> = HashMap::new();
    for (s, ..) in held {
        let d = local(*s);
        *per_day.entry(d).or_default() += 1;
        *per_week.entry(week_of(d)).or_default() += 1;
    }
    let earliest = from.max(now + r.notice);
    let latest = to.min(now + r.window);
    let mut out = vec![];
    let (first, last) = (local(from) - Duration::days(1), local(to));
    let mut day = first;
    while day <= last {
        let d = day;
        day = day.succ_opt().unwrap_or(day + Duration::days(1));
        if r.per_day
            .is_some_and(|m| per_day.get(&d).copied().unwrap_or(0) >= m)
            || r.per_week
                .is_some_and(|m| per_week.get(&week_of(d)).copied().unwrap_or(0) >= m)
        {
            continue;
        }
        let intervals = h
            .overrides
            .get(&d)
            .or_else(|| h.weekly.get(&d.weekday().number_from_monday()))
            .cloned()
            .unwrap_or_default();
        for (a, b) in intervals {
            let close = end_at(h.tz, d.and_time(b));
            let mut t = d.and_time(a);
            let stop = d.and_time(b);
            while t < stop {
                let wall = t;
                t += r.interval;
                let Some(start) = at(h.tz, wall) else {
                    continue; // the hour that does not exist
                };
                let end = start + r.duration;
                if end > close || start < earliest || start > latest || end > to {
                    continue;
                }
                let clashes = held.iter().any(|(s, e, b, a)| {
                    // Both sides' buffers.
                    start - r.before < *e + *a && *s - *b < end + r.after
                });
                let off = h.time_off.iter().any(|(s, e)| start < *e && *s < end);
                if !clashes && !off {
                    out.push(Slot {
                        starts_at: start,
                        ends_at: end,
                    });
                }
            }
        }
    }
    out.sort_by_key(|s| s.starts_at);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn hm(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn paris(weekly: &[(u32, &str, &str)]) -> Hours {
        let mut w: HashMap<u32, Vec<(NaiveTime, NaiveTime)>> = HashMap::new();
        for (d, a, b) in weekly {
            w.entry(*d).or_default().push((hm(a), hm(b)));
        }
        Hours {
            tz: "Europe/Paris".parse().unwrap(),
            weekly: w,
            overrides: HashMap::new(),
            time_off: vec![],
        }
    }

    #[test]
    fn hours_hold_a_time_within_one_interval_of_its_day_clear_of_time_off() {
        // Monday 7 December 2026: Paris is an hour ahead of UTC.
        let mut h = paris(&[(1, "14:00", "16:00")]);
        assert!(h.holds(t("2026-12-07T13:00:00Z"), t("2026-12-07T14:00:00Z")));
        assert!(h.holds(t("2026-12-07T14:00:00Z"), t("2026-12-07T15:00:00Z")));
        assert!(!h.holds(t("2026-12-07T14:30:00Z"), t("2026-12-07T15:30:00Z")));
        assert!(!h.holds(t("2026-12-07T12:30:00Z"), t("2026-12-07T13:30:00Z")));
        assert!(!h.holds(t("2026-12-08T13:00:00Z"), t("2026-12-08T14:00:00Z")));
        h.time_off
            .push((t("2026-12-07T13:30:00Z"), t("2026-12-07T13:45:00Z")));
        assert!(!h.holds(t("2026-12-07T13:00:00Z"), t("2026-12-07T14:00:00Z")));
        // A date with hours of its own replaces its weekday's.
        h.overrides.insert(
            NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            vec![(hm("09:00"), hm("10:00"))],
        );
        assert!(h.holds(t("2026-12-14T08:00:00Z"), t("2026-12-14T09:00:00Z")));
        assert!(!h.holds(t("2026-12-14T13:00:00Z"), t("2026-12-14T14:00:00Z")));
    }

    fn rules() -> Rules {
        Rules {
            duration: Duration::minutes(60),
            before: Duration::zero(),
            after: Duration::zero(),
            interval: Duration::minutes(30),
            notice: Duration::zero(),
            window: Duration::days(3650),
            per_day: None,
            per_week: None,
        }
    }

    fn starts(v: &[Slot]) -> Vec<String> {
        v.iter()
            .map(|s| s.starts_at.format("%m-%d %H:%M").to_string())
            .collect()
    }

    const NOW: &str = "2027-01-01T00:00:00Z";

    #[test]
    fn slots_follow_the_hours_in_the_hosts_zone_and_keep_clear_of_sessions_and_buffers() {
        // Monday 4 January 2027, 09:00–12:00 in Paris (UTC+1).
        let h = paris(&[(1, "09:00", "12:00")]);
        let all = slots(
            &h,
            &rules(),
            &[],
            t("2027-01-04T00:00:00Z"),
            t("2027-01-05T00:00:00Z"),
            t(NOW),
        );
        assert_eq!(
            starts(&all),
            [
                "01-04 08:00",
                "01-04 08:30",
                "01-04 09:00",
                "01-04 09:30",
                "01-04 10:00"
            ]
        );
        // A session 10:00–10:30 local with 15 minutes after it, and our
        // own 15 minutes before: 09:30 and 10:00 local clash, and 10:30
        // too (its buffer runs into the session's); 09:00 ends as it
        // starts, and 11:00 begins as its buffer ends.
        let held = [(
            t("2027-01-04T09:00:00Z"),
            t("2027-01-04T09:30:00Z"),
            Duration::zero(),
            Duration::minutes(15),
        )];
        let r = Rules {
            before: Duration::minutes(15),
            ..rules()
        };
        let free = slots(
            &h,
            &r,
            &held,
            t("2027-01-04T00:00:00Z"),
            t("2027-01-05T00:00:00Z"),
            t(NOW),
        );
        assert_eq!(starts(&free), ["01-04 08:00", "01-04 10:00"]);
        // Notice and window.
        let r = Rules {
            notice: Duration::hours(2),
            ..rules()
        };
        let soon = slots(
            &h,
            &r,
            &[],
            t("2027-01-04T00:00:00Z"),
            t("2027-01-05T00:00:00Z"),
            t("2027-01-04T07:00:00Z"),
        );
        assert_eq!(starts(&soon), ["01-04 09:00", "01-04 09:30", "01-04 10:00"]);
        let r = Rules {
            window: Duration::hours(2),
            ..rules()
        };
        let near = slots(
            &h,
            &r,
            &[],
            t("2027-01-04T00:00:00Z"),
            t("2027-01-05T00:00:00Z"),
            t("2027-01-04T07:00:00Z"),
        );
        assert_eq!(starts(&near), ["01-04 08:00", "01-04 08:30", "01-04 09:00"]);
    }

    #[test]
    fn a_day_of_summer_time_has_its_own_hours_and_no_slot_in_the_missing_one() {
        // Sunday 28 March 2027: 02:00 becomes 03:00 in Paris.
        let h = paris(&[(7, "01:00", "04:00"), (7, "16:00", "17:00")]);
        let all = slots(
            &h,
            &rules(),
            &[],
            t("2027-03-27T00:00:00Z"),
            t("2027-03-29T00:00:00Z"),
            t(NOW),
        );
        // 01:00 and 01:30 CET; 02:00 and 02:30 do not exist; 03:00 CEST
        // ends at 04:00 CEST, the interval's end; 16:00 is summer time.
        assert_eq!(
            starts(&all),
            ["03-28 00:00", "03-28 00:30", "03-28 01:00", "03-28 14:00"]
        );
        // And the week after, every Sunday still at 16:00 local.
        let later = slots(
            &h,
            &rules(),
            &[],
            t("2027-04-04T12:00:00Z"),
            t("2027-04-05T00:00:00Z"),
            t(NOW),
        );
        assert_eq!(starts(&later), ["04-04 14:00"]);
    }

    #[test]
    fn overrides_time_off_and_limits_per_day_and_week() {
        let mut h = paris(&[(1, "09:00", "11:00"), (2, "09:00", "11:00")]);
        // Monday 4 January replaced by an afternoon; Tuesday 5 off.
        h.overrides.insert(
            NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            vec![(hm("14:00"), hm("15:00"))],
        );
        h.overrides
            .insert(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap(), vec![]);
        let all = slots(
            &h,
            &rules(),
            &[],
            t("2027-01-04T00:00:00Z"),
            t("2027-01-13T00:00:00Z"),
            t(NOW),
        );
        assert_eq!(
            starts(&all),
            [
                "01-04 13:00",
                "01-11 08:00",
                "01-11 08:30",
                "01-11 09:00",
                "01-12 08:00",
                "01-12 08:30",
                "01-12 09:00"
            ]
        );
        // Time off on Monday 11.
        h.time_off
            .push((t("2027-01-11T00:00:00Z"), t("2027-01-12T00:00:00Z")));
        let r = Rules {
            per_week: Some(1),
            ..rules()
        };
        // One session held on Wednesday 13: that week is full.
        let held = [(
            t("2027-01-13T15:00:00Z"),
            t("2027-01-13T16:00:00Z"),
            Duration::zero(),
            Duration::zero(),
        )];
        let limited = slots(
            &h,
            &r,
            &held,
            t("2027-01-04T00:00:00Z"),
            t("2027-01-13T00:00:00Z"),
            t(NOW),
        );
        assert_eq!(starts(&limited), ["01-04 13:00"]);
        let r = Rules {
            per_day: Some(1),
            ..rules()
        };
        let held = [(
            t("2027-01-12T13:00:00Z"),
            t("2027-01-12T14:00:00Z"),
            Duration::zero(),
            Duration::zero(),
        )];
        let daily = slots(
            &h,
            &r,
            &held,
            t("2027-01-12T00:00:00Z"),
            t("2027-01-13T00:00:00Z"),
            t(NOW),
        );
        assert!(daily.is_empty(), "{:?}", starts(&daily));
    }
}
