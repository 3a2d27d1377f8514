//! Recurrence: an iCalendar (RFC 5545) rule read as wall-clock time in an
//! IANA zone. The rule is expanded on the wall clock (as if the zone had no
//! changes), and each wall-clock start is then placed in the zone:
//!
//! - a weekly 16:00 lesson is at 16:00 on both sides of a change to or
//!   from summer time, and on the day of the change itself;
//! - a start in the hour that does not exist (02:30 on the night clocks go
//!   forward) is read with the offset before the gap, as RFC 5545 says
//!   (3.3.5): 02:30 is then 03:30 of the new time;
//! - a start in the hour that happens twice (02:30 on the night clocks go
//!   back) is its first occurrence, also as RFC 5545 says.
//!
//! Expansion is always bounded: by a window, and by [`MAX_OCCURRENCES`].

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The most occurrences one expansion makes: a daily series for a year and
/// more.
pub const MAX_OCCURRENCES: u16 = 1000;

/// How far ahead occurrences are made.
pub fn horizon() -> Duration {
    Duration::days(366)
}

/// A rule that can be expanded: its text without `UNTIL`, and `UNTIL` as an
/// instant (RFC 5545 has it in UTC when the start has a zone).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    floating: String,
    pub until: Option<DateTime<Utc>>,
}

/// Why a rule or a zone cannot be used, in words for the person who wrote it.
pub type Refusal = String;

/// The IANA zone `name`.
pub fn zone(name: &str) -> Result<Tz, Refusal> {
    name.parse::<Tz>()
        .map_err(|_| format!("{name:?} is not an IANA time zone such as Europe/Paris"))
}

/// Reads an RRULE value (`FREQ=WEEKLY;BYDAY=MO`), as sessions may repeat:
/// daily at most often, at their start time.
pub fn parse(text: &str) -> Result<Rule, Refusal> {
    let text = text.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.contains(['\n', '\r']) {
        return Err("one RRULE value, without DTSTART or other lines".into());
    }
    let mut until = None;
    let mut parts = vec![];
    let mut freq = None;
    for part in text.split(';').filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not NAME=VALUE"))?;
        let name = name.trim().to_ascii_uppercase();
        match name.as_str() {
            "UNTIL" => {
                until = Some(parse_until(value.trim())?);
                continue;
            }
            "FREQ" => freq = Some(value.trim().to_ascii_uppercase()),
            "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                return Err(format!(
                    "{name}: a session repeats at its own start time; schedule another series for another hour"
                ))
            }
            "DTSTART" | "TZID" => return Err(format!("{name}: give the start as starts_at")),
            _ => {}
        }
        parts.push(format!("{name}={}", value.trim()));
    }
    if until.is_some() && parts.iter().any(|p| p.starts_with("COUNT=")) {
        return Err("COUNT and UNTIL: give one of them, not both (RFC 5545)".into());
    }
    match freq.as_deref() {
        Some("DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => {}
        Some(f) => {
            return Err(format!(
                "FREQ={f}: sessions repeat daily at most often (DAILY, WEEKLY, MONTHLY or YEARLY)"
            ))
        }
        None => return Err("FREQ is required: DAILY, WEEKLY, MONTHLY or YEARLY".into()),
    }
    let floating = parts.join(";");
    // The library reads it whole, and checks its values against each
    // other: an unknown part or a bad value is refused.
    let any_start = rrule::Tz::UTC
        .with_ymd_and_hms(2000, 1, 3, 9, 0, 0)
        .unwrap();
    floating
        .parse::<rrule::RRule<rrule::Unvalidated>>()
        .map_err(|e| e.to_string())?
        .build(any_start)
        .map_err(|e| e.to_string())?;
    Ok(Rule { floating, until })
}

fn parse_until(value: &str) -> Result<DateTime<Utc>, Refusal> {
    // A session starts at a time, so RFC 5545 has UNTIL in UTC.
    value
        .strip_suffix('Z')
        .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y%m%dT%H%M%S").ok())
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("UNTIL={value}: a UTC time such as 20270630T000000Z"))
}

impl Rule {
    /// The rule as iCalendar writes it, `UNTIL` in UTC.
    pub fn text(&self) -> String {
        match self.until {
            Some(u) => format!("{};UNTIL={}", self.floating, u.format("%Y%m%dT%H%M%SZ")),
            None => self.floating.clone(),
        }
    }

    /// The wall-clock starts of the occurrences from `first` on, up to
    /// `limit` of them, none after `before` (wall clock), skipping `exdates`.
    fn wall_starts(
        &self,
        first: NaiveDateTime,
        after: NaiveDateTime,
        before: NaiveDateTime,
        exdates: &[NaiveDate],
        limit: u16,
    ) -> Result<Vec<NaiveDateTime>, Refusal> {
        let start = rrule::Tz::UTC.from_utc_datetime(&first);
        let set = self
            .floating
            .parse::<rrule::RRule<rrule::Unvalidated>>()
            .map_err(|e| e.to_string())?
            .build(start)
            .map_err(|e| e.to_string())?
            .after(rrule::Tz::UTC.from_utc_datetime(&after))
            .before(rrule::Tz::UTC.from_utc_datetime(&before));
        let found = set.all(limit);
        Ok(found
            .dates
            .into_iter()
            .map(|d| d.naive_utc())
            .filter(|d| !exdates.contains(&d.date()))
            .collect())
    }
}

/// The instant of wall-clock time `t` in `tz`, as RFC 5545 reads it: the
/// first of a time that happens twice; a time that does not exist with the
/// offset before the gap.
pub fn instant(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    use chrono::offset::LocalResult;
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => d.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // No gap is longer than a day: the offset a day before is the
            // one before the gap.
            let before = (1..=48)
                .filter_map(|h| tz.from_local_datetime(&(t - Duration::hours(h))).earliest())
                .next();
            match before {
                Some(b) => {
                    let offset = b.offset().fix();
                    (t - Duration::seconds(offset.local_minus_utc() as i64)).and_utc()
                }
                None => t.and_utc(),
            }
        }
    }
}

/// Wall-clock time in `tz` of instant `t`.
pub fn wall(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

use chrono::Offset;

/// The occurrences of a series whose first wall-clock start is `first` in
/// `tz`: the instants they start at, from `from` (included) to `to`
/// (excluded), at most [`MAX_OCCURRENCES`], none at or after `ends_before`
/// nor after the rule's `UNTIL`.
pub fn starts(
    rule: &Rule,
    tz: Tz,
    first: NaiveDateTime,
    exdates: &[NaiveDate],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    ends_before: Option<DateTime<Utc>>,
) -> Result<Vec<DateTime<Utc>>, Refusal> {
    // The wall clock runs at most a day away from UTC (and a gap shifts by
    // at most a day): a margin of two days, then the exact instants.
    // Only the window is expanded (the cap counts occurrences in it).
    let before = wall(tz, to) + Duration::days(2);
    let after = wall(tz, from) - Duration::days(2);
    let mut out = vec![];
    for w in rule.wall_starts(first, after, before, exdates, MAX_OCCURRENCES)? {
        let at = instant(tz, w);
        if at < from || at >= to {
            continue;
        }
        if rule.until.is_some_and(|u| at > u) || ends_before.is_some_and(|e| at >= e) {
            break;
        }
        out.push(at);
    }
    Ok(out)
}

/// How many occurrences of the rule start before `pivot`: what a series
/// split there has already used of its `COUNT`.
pub fn count_before(
    rule: &Rule,
    tz: Tz,
    first: NaiveDateTime,
    pivot: DateTime<Utc>,
) -> Result<usize, Refusal> {
    Ok(rule
        .wall_starts(
            first,
            first,
            wall(tz, pivot) + Duration::days(2),
            &[],
            u16::MAX,
        )?
        .into_iter()
        .filter(|w| instant(tz, *w) < pivot)
        .count())
}

impl Rule {
    /// The rule with `COUNT` lowered by `used` (a series split after `used`
    /// occurrences); `None` when nothing is left of it.
    pub fn less(&self, used: usize) -> Option<Rule> {
        let mut parts = vec![];
        for p in self.floating.split(';') {
            match p
                .strip_prefix("COUNT=")
                .and_then(|c| c.parse::<usize>().ok())
            {
                Some(c) if c <= used => return None,
                Some(c) => parts.push(format!("COUNT={}", c - used)),
                None => parts.push(p.to_string()),
            }
        }
        Some(Rule {
            floating: parts.join(";"),
            until: self.until,
        })
    }
}

impl Rule {
    /// The rule as iCalendar writes it for the occurrences that start
    /// before `end` (a series split or cancelled there): `COUNT` lowered to
    /// those, or `UNTIL` brought forward. `None` when none is left.
    pub fn ending_before(
        &self,
        tz: Tz,
        first: NaiveDateTime,
        end: DateTime<Utc>,
    ) -> Result<Option<String>, Refusal> {
        if self.floating.split(';').any(|p| p.starts_with("COUNT=")) {
            let before = count_before(self, tz, first, end)?;
            let mut parts = vec![];
            for p in self.floating.split(';') {
                match p
                    .strip_prefix("COUNT=")
                    .and_then(|c| c.parse::<usize>().ok())
                {
                    Some(_) if before == 0 => return Ok(None),
                    Some(c) => parts.push(format!("COUNT={}", c.min(before))),
                    None => parts.push(p.to_string()),
                }
            }
            return Ok(Some(parts.join(";")));
        }
        let last = end - Duration::seconds(1);
        let until = self.until.map_or(last, |u| u.min(last));
        if until < instant(tz, first) {
            return Ok(None);
        }
        Ok(Some(
            Rule {
                floating: self.floating.clone(),
                until: Some(until),
            }
            .text(),
        ))
    }
}

/// An offset as iCalendar writes it: `+0100`, `-0430`.
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// The lines of a `VTIMEZONE` for `tz` (RFC 5545 3.6.5), named `name`:
/// its offset at `from`, then each change of it until `to`, found from the
/// zone's own table. Standard time and summer time are told apart by the
/// zone's daylight-saving part of the offset.
pub fn vtimezone(tz: Tz, name: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    use chrono_tz::OffsetComponents;
    let at = |t: DateTime<Utc>| {
        let o = tz.offset_from_utc_datetime(&t.naive_utc());
        (o.fix().local_minus_utc(), !o.dst_offset().is_zero())
    };
    let mut out = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{name}")];
    let observance = |out: &mut Vec<String>, start: NaiveDateTime, from: i32, to: (i32, bool)| {
        let kind = if to.1 { "DAYLIGHT" } else { "STANDARD" };
        out.push(format!("BEGIN:{kind}"));
        out.push(format!("DTSTART:{}", start.format("%Y%m%dT%H%M%S")));
        out.push(format!("TZOFFSETFROM:{}", offset_text(from)));
        out.push(format!("TZOFFSETTO:{}", offset_text(to.0)));
        out.push(format!("END:{kind}"));
    };
    let mut now = at(from);
    let first = from.naive_utc() + Duration::seconds(now.0 as i64);
    observance(&mut out, first, now.0, now);
    let mut t = from;
    while t < to {
        let next = t + Duration::days(1);
        let then = at(next);
        if then != now {
            // The first second of the new offset.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if at(mid) == now {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let local = hi.naive_utc() + Duration::seconds(now.0 as i64);
            observance(&mut out, local, now.0, then);
            now = then;
        }
        t = next;
    }
    out.push("END:VTIMEZONE".to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_is_written_with_its_changes_of_offset() {
        let lines = vtimezone(
            zone("Europe/Paris").unwrap(),
            "Europe/Paris",
            at("2026-12-01T00:00:00Z"),
            at("2027-12-01T00:00:00Z"),
        );
        let text = lines.join("\n");
        // Winter, then summer from 28 March 2027 at 02:00, then winter from
        // 31 October at 03:00 (both local, before the change).
        assert!(
            text.contains(
                "BEGIN:STANDARD\nDTSTART:20261201T010000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "BEGIN:DAYLIGHT\nDTSTART:20270328T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "BEGIN:STANDARD\nDTSTART:20271031T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100"
            ),
            "{text}"
        );
        assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 1);
        let ny = vtimezone(
            zone("America/New_York").unwrap(),
            "America/New_York",
            at("2027-01-01T00:00:00Z"),
            at("2027-04-01T00:00:00Z"),
        )
        .join("\n");
        assert!(
            ny.contains("DTSTART:20270314T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400"),
            "{ny}"
        );
    }

    #[test]
    fn a_rule_ends_before_a_split() {
        let tz = zone("Europe/Paris").unwrap();
        let first = local("2027-01-04 16:00");
        // Ten Mondays, split before the fourth: three.
        let counted = parse("FREQ=WEEKLY;COUNT=10").unwrap();
        let pivot = at("2027-01-25T15:00:00Z");
        assert_eq!(
            counted.ending_before(tz, first, pivot).unwrap().as_deref(),
            Some("FREQ=WEEKLY;COUNT=3")
        );
        // Without an end: until the second before.
        let open = parse("FREQ=WEEKLY").unwrap();
        assert_eq!(
            open.ending_before(tz, first, pivot).unwrap().as_deref(),
            Some("FREQ=WEEKLY;UNTIL=20270125T145959Z")
        );
        // RFC 5545 allows one end, not both.
        assert!(parse("FREQ=WEEKLY;COUNT=3;UNTIL=20270301T000000Z").is_err());
        // Split at its very first: nothing left.
        assert_eq!(
            counted
                .ending_before(tz, first, at("2027-01-04T15:00:00Z"))
                .unwrap(),
            None
        );
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn expand(rule: &str, tz: &str, first: &str, from: &str, to: &str) -> Vec<DateTime<Utc>> {
        starts(
            &parse(rule).unwrap(),
            zone(tz).unwrap(),
            local(first),
            &[],
            at(from),
            at(to),
            None,
        )
        .unwrap()
    }

    #[test]
    fn a_weekly_lesson_stays_at_its_hour_across_summer_time_and_on_the_day_itself() {
        // Paris goes to summer time on Sunday 28 March 2027 at 02:00.
        let thursdays = expand(
            "FREQ=WEEKLY;BYDAY=TH",
            "Europe/Paris",
            "2027-03-18 16:00",
            "2027-03-01T00:00:00Z",
            "2027-04-09T00:00:00Z",
        );
        assert_eq!(
            thursdays,
            [
                at("2027-03-18T15:00:00Z"),
                at("2027-03-25T15:00:00Z"),
                at("2027-04-01T14:00:00Z"),
                at("2027-04-08T14:00:00Z"),
            ]
        );
        // On the day of the change: 16:00 is summer time already.
        let sundays = expand(
            "FREQ=WEEKLY",
            "Europe/Paris",
            "2027-03-21 16:00",
            "2027-03-01T00:00:00Z",
            "2027-04-05T00:00:00Z",
        );
        assert_eq!(
            sundays,
            [
                at("2027-03-21T15:00:00Z"),
                at("2027-03-28T14:00:00Z"),
                at("2027-04-04T14:00:00Z"),
            ]
        );
        // And back to winter time on Sunday 31 October 2027.
        let autumn = expand(
            "FREQ=WEEKLY;COUNT=2",
            "Europe/Paris",
            "2027-10-31 16:00",
            "2027-10-01T00:00:00Z",
            "2027-12-01T00:00:00Z",
        );
        assert_eq!(
            autumn,
            [at("2027-10-31T15:00:00Z"), at("2027-11-07T15:00:00Z")]
        );
    }

    #[test]
    fn the_missing_hour_is_read_before_the_gap_and_the_doubled_hour_is_its_first() {
        // 02:30 does not exist in Paris on 28 March 2027: it is 03:30 of
        // summer time (01:30 UTC), the offset before the gap.
        let spring = expand(
            "FREQ=DAILY;COUNT=3",
            "Europe/Paris",
            "2027-03-27 02:30",
            "2027-03-01T00:00:00Z",
            "2027-04-01T00:00:00Z",
        );
        assert_eq!(
            spring,
            [
                at("2027-03-27T01:30:00Z"),
                at("2027-03-28T01:30:00Z"),
                at("2027-03-29T00:30:00Z"),
            ]
        );
        // 02:30 happens twice on 31 October 2027: the first, summer time.
        let autumn = expand(
            "FREQ=DAILY;COUNT=3",
            "Europe/Paris",
            "2027-10-30 02:30",
            "2027-10-01T00:00:00Z",
            "2027-11-05T00:00:00Z",
        );
        assert_eq!(
            autumn,
            [
                at("2027-10-30T00:30:00Z"),
                at("2027-10-31T00:30:00Z"),
                at("2027-11-01T01:30:00Z"),
            ]
        );
        // New York, whose gap is at 02:00 on 14 March 2027.
        assert_eq!(
            instant(zone("America/New_York").unwrap(), local("2027-03-14 02:30")),
            at("2027-03-14T07:30:00Z")
        );
    }

    #[test]
    fn until_count_exdates_and_the_window_bound_the_expansion() {
        let rule = parse("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270118T150000Z").unwrap();
        let tz = zone("Europe/Paris").unwrap();
        let got = starts(
            &rule,
            tz,
            local("2027-01-04 16:00"),
            &[NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()],
            at("2026-01-01T00:00:00Z"),
            at("2028-01-01T00:00:00Z"),
            None,
        )
        .unwrap();
        assert_eq!(
            got,
            [at("2027-01-04T15:00:00Z"), at("2027-01-18T15:00:00Z")]
        );
        assert_eq!(rule.text(), "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270118T150000Z");
        // An endless daily rule stops at the window, and never passes the cap.
        let daily = parse("FREQ=DAILY").unwrap();
        let year = starts(
            &daily,
            tz,
            local("2027-01-01 09:00"),
            &[],
            at("2027-01-01T00:00:00Z"),
            at("2030-01-01T00:00:00Z"),
            None,
        )
        .unwrap();
        assert_eq!(year.len(), MAX_OCCURRENCES as usize);
        // Years after its start, a window still has its occurrences.
        let later = starts(
            &daily,
            tz,
            local("2027-01-01 09:00"),
            &[],
            at("2031-06-01T00:00:00Z"),
            at("2031-06-08T00:00:00Z"),
            None,
        )
        .unwrap();
        assert_eq!(later.len(), 7);
        let split = starts(
            &daily,
            tz,
            local("2027-01-01 09:00"),
            &[],
            at("2027-01-01T00:00:00Z"),
            at("2027-02-01T00:00:00Z"),
            Some(at("2027-01-05T08:00:00Z")),
        )
        .unwrap();
        assert_eq!(split.len(), 4);
        // Counting what a split has used.
        let counted = parse("FREQ=DAILY;COUNT=10").unwrap();
        let used = count_before(
            &counted,
            tz,
            local("2027-01-01 09:00"),
            at("2027-01-04T08:00:00Z"),
        )
        .unwrap();
        assert_eq!(used, 3);
        assert_eq!(counted.less(used).unwrap().text(), "FREQ=DAILY;COUNT=7");
        assert!(counted.less(10).is_none());
    }

    #[test]
    fn rules_that_are_not_for_sessions_or_not_rules_are_refused() {
        for bad in [
            "",
            "FREQ=HOURLY",
            "FREQ=MINUTELY;COUNT=3",
            "FREQ=DAILY;BYHOUR=9,17",
            "BYDAY=MO",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=WEEKLY;UNTIL=tomorrow",
            "FREQ=WEEKLY;UNTIL=20270630",
            "FREQ=WEEKLY;COUNT=-1",
            "FREQ=WEEKLY\nDTSTART:20270101T000000Z",
            "FREQ=WEEKLY;WHATEVER=1",
            "FREQ=WEEKLY;BYMONTHDAY=1",
            "nonsense",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(zone("Mars/Olympus").is_err());
        assert!(zone("Europe/Paris").is_ok());
        assert_eq!(
            parse("RRULE:FREQ=MONTHLY;BYDAY=-1FR").unwrap().text(),
            "FREQ=MONTHLY;BYDAY=-1FR"
        );
    }
}
