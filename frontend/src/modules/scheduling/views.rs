//! The calendar's views of a span of days: the time grid of a day or a week
//! (a line for now, a click on an empty slot to schedule, a drag to move or
//! resize with the clash shown while dragging), the month, and the agenda
//! that phones show.

use super::{day_label, hm, instant, local, now, today_in, FIRST_HOUR, HOUR_PX, LAST_HOUR};
use crate::i18n::{self, t, tf};
use chrono::Utc;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use leptos::prelude::*;
use rapport_domain::api::{SessionStatus, SessionView};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// How the calendar shows its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Day,
    Week,
    Month,
    Agenda,
}

/// The days an agenda shows at once.
const AGENDA_DAYS: i64 = 14;
/// Drags move by quarter hours.
const SNAP_MIN: i64 = 15;
/// The browser's memory of the view chosen last.
const VIEW_KEY: &str = "rapport.calendar.view";

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Day, Mode::Week, Mode::Month, Mode::Agenda];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Day => "day",
            Mode::Week => "week",
            Mode::Month => "month",
            Mode::Agenda => "agenda",
        }
    }

    fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> String {
        t(match self {
            Mode::Day => "calendar.view.day",
            Mode::Week => "calendar.view.week",
            Mode::Month => "calendar.view.month",
            Mode::Agenda => "calendar.view.agenda",
        })
    }

    pub fn previous(self) -> String {
        t(match self {
            Mode::Day => "calendar.previous_day",
            Mode::Week => "calendar.previous",
            Mode::Month => "calendar.previous_month",
            Mode::Agenda => "calendar.earlier",
        })
    }

    pub fn next(self) -> String {
        t(match self {
            Mode::Day => "calendar.next_day",
            Mode::Week => "calendar.next",
            Mode::Month => "calendar.next_month",
            Mode::Agenda => "calendar.later",
        })
    }

    pub fn empty(self) -> String {
        t(match self {
            Mode::Day => "calendar.empty_day",
            Mode::Week => "calendar.empty",
            Mode::Month => "calendar.empty_month",
            Mode::Agenda => "calendar.empty_agenda",
        })
    }

    /// The first day shown around `anchor`, and how many.
    pub fn span(self, anchor: NaiveDate) -> (NaiveDate, i64) {
        match self {
            Mode::Day => (anchor, 1),
            Mode::Week => (super::monday(anchor), 7),
            Mode::Month => {
                let first = anchor.with_day(1).unwrap_or(anchor);
                let last = first + Months::new(1) - Duration::days(1);
                let start = super::monday(first);
                let end = super::monday(last) + Duration::days(7);
                (start, (end - start).num_days())
            }
            Mode::Agenda => (anchor, AGENDA_DAYS),
        }
    }

    /// The anchor one step back or on.
    pub fn step(self, anchor: NaiveDate, forward: bool) -> NaiveDate {
        let days = match self {
            Mode::Day => 1,
            Mode::Week => 7,
            Mode::Agenda => AGENDA_DAYS,
            Mode::Month => {
                let first = anchor.with_day(1).unwrap_or(anchor);
                return if forward {
                    first + Months::new(1)
                } else {
                    first - Months::new(1)
                };
            }
        };
        anchor + Duration::days(if forward { days } else { -days })
    }

    /// The view this browser chose last; else the agenda on a phone and the
    /// week elsewhere.
    pub fn initial() -> Mode {
        let window = web_sys::window();
        let remembered = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(VIEW_KEY).ok().flatten())
            .and_then(|v| Mode::parse(&v));
        if let Some(v) = remembered {
            return v;
        }
        let width = window
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .unwrap_or(1024.0);
        if width < 720.0 {
            Mode::Agenda
        } else {
            Mode::Week
        }
    }

    pub fn remember(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(VIEW_KEY, self.as_str());
        }
    }
}

/// The span's title: a day, a week's first and last day, a month.
pub fn span_label(view: Mode, anchor: NaiveDate) -> String {
    let (start, days) = view.span(anchor);
    let at = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    match view {
        Mode::Day => long_day(anchor),
        Mode::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            locale_date(first, &[("month", "long"), ("year", "numeric")])
        }
        Mode::Week | Mode::Agenda => format!(
            "{} – {}",
            i18n::date(&at(start), "UTC"),
            i18n::date(&at(start + Duration::days(days - 1)), "UTC")
        ),
    }
}

fn locale_date(day: NaiveDate, parts: &[(&str, &str)]) -> String {
    let opts = js_sys::Object::new();
    for (k, v) in parts.iter().chain(&[("timeZone", "UTC")]) {
        let _ = js_sys::Reflect::set(&opts, &(*k).into(), &(*v).into());
    }
    let at = day.and_time(NaiveTime::MIN).and_utc();
    super::js_date(&at)
        .to_locale_date_string(i18n::lang().code(), &opts)
        .into()
}

fn long_day(day: NaiveDate) -> String {
    locale_date(
        day,
        &[
            ("weekday", "long"),
            ("day", "numeric"),
            ("month", "long"),
            ("year", "numeric"),
        ],
    )
}

/// A session moved or resized by dragging, as the wall clock shows it.
#[derive(Debug, Clone)]
pub struct Moved {
    pub id: Uuid,
    pub version: i32,
    pub in_series: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A drag under way.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    id: Uuid,
    /// The bottom edge is dragged: the end moves, the start stays.
    resize: bool,
    x: i32,
    y: i32,
    /// A day column's width, in pixels.
    width: f64,
    days: i64,
    minutes: i64,
    /// Let go: the change is on its way, and it shows until the calendar
    /// reloads.
    done: bool,
}

impl Drag {
    fn moved(&self) -> bool {
        self.days != 0 || self.minutes != 0
    }

    /// Where the session would be, on the wall clock.
    fn place(&self, start: NaiveDateTime, end: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        let shift = Duration::days(self.days) + Duration::minutes(self.minutes);
        if self.resize {
            let end =
                (end + Duration::minutes(self.minutes)).max(start + Duration::minutes(SNAP_MIN));
            (start, end)
        } else {
            (start + shift, end + shift)
        }
    }
}

/// Whether `s`, placed at `start`..`end`, would meet another session of its
/// host in `list`.
fn clashes(
    list: &[SessionView],
    s: &SessionView,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    s.host_id.is_some()
        && list.iter().any(|o| {
            o.id != s.id
                && o.host_id == s.host_id
                && o.status != SessionStatus::Cancelled
                && o.starts_at < end
                && start < o.ends_at
        })
}

/// A drag of `minutes` and `days` kept within what is shown: the hours of
/// the grid (a resize never shorter than a quarter hour) and its columns
/// (`col` of `columns`). A session already outside the hours moves freely.
fn within(
    minutes: i64,
    days: i64,
    resize: bool,
    (start, end): (NaiveDateTime, NaiveDateTime),
    (col, columns): (i64, i64),
) -> (i64, i64) {
    let days = days.clamp(-col, (columns - 1 - col).max(-col));
    let s = start.hour() as i64 * 60 + start.minute() as i64;
    let e = s + (end - start).num_minutes();
    let (first, last) = (FIRST_HOUR as i64 * 60, LAST_HOUR as i64 * 60);
    let (lo, hi) = if resize {
        (s + SNAP_MIN - e, last - e)
    } else {
        (first - s, last - e)
    };
    let minutes = if lo <= hi {
        minutes.clamp(lo, hi)
    } else {
        minutes
    };
    (minutes, days)
}

/// Minutes after the first hour shown, within the day shown.
fn minutes_shown(t: NaiveDateTime) -> f64 {
    let total = (LAST_HOUR - FIRST_HOUR) as f64 * 60.0;
    (t.hour() as f64 * 60.0 + t.minute() as f64 - FIRST_HOUR as f64 * 60.0).clamp(0.0, total)
}

/// Days side by side, hours down, each session placed at its time.
#[component]
pub fn TimeGrid(
    start: NaiveDate,
    days: i64,
    list: Vec<SessionView>,
    zone: String,
    open: RwSignal<Option<Uuid>>,
    names: LocalResource<HashMap<Uuid, String>>,
    /// May the caller schedule and move sessions.
    editable: bool,
    /// Whether a session is being dragged: the calendar waits to reload.
    dragging: RwSignal<bool>,
    on_slot: impl Fn(NaiveDateTime) + Copy + Send + Sync + 'static,
    on_move: impl Fn(Moved) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let total = (LAST_HOUR - FIRST_HOUR) as f64 * HOUR_PX;
    let drag = RwSignal::new(None::<Drag>);
    let dragged = StoredValue::new(false);
    let all = StoredValue::new(list.clone());
    let zone_v = StoredValue::new(zone.clone());
    // The line for now moves with the clock.
    let clock = RwSignal::new(now());
    if let Ok(h) =
        set_interval_with_handle(move || clock.set(now()), std::time::Duration::from_secs(60))
    {
        on_cleanup(move || h.clear());
    }
    let columns_shown = days;
    let columns = (0..days)
        .map(|d| {
            let day = start + Duration::days(d);
            let (col, columns) = (d, columns_shown);
            let events = list
                .iter()
                .filter(|s| local(&s.starts_at, &zone).date() == day)
                .map(|s| {
                    let s = s.clone();
                    let (start, end) = (local(&s.starts_at, &zone), local(&s.ends_at, &zone));
                    let id = s.id;
                    let host = s.host_id;
                    let status = s.status;
                    let movable = editable && status != SessionStatus::Cancelled;
                    let label = format!("{} {}–{}", s.title, hm(start), hm(end));
                    let title = s.title.clone();
                    let mine = move || drag.get().filter(|d| d.id == id);
                    let placed = move || match mine() {
                        Some(d) => d.place(start, end),
                        None => (start, end),
                    };
                    let top = move || {
                        let (a, _) = placed();
                        let shift = mine().map_or(0.0, |d| d.days as f64 * d.width);
                        (minutes_shown(a) * HOUR_PX / 60.0, shift)
                    };
                    let height = move || {
                        let (a, b) = placed();
                        ((b - a).num_minutes() as f64 * HOUR_PX / 60.0).max(18.0)
                    };
                    let when = move || {
                        let (a, b) = placed();
                        format!("{}–{}", hm(a), hm(b))
                    };
                    let session = StoredValue::new(s.clone());
                    let clash = move || {
                        mine().filter(Drag::moved).is_some_and(|_| {
                            let (a, b) = placed();
                            let z = zone_v.get_value();
                            all.with_value(|l| session.with_value(|s| clashes(l, s, instant(a, &z), instant(b, &z))))
                        })
                    };
                    let down = move |ev: leptos::ev::PointerEvent| {
                        // One move at a time: another waits until the
                        // calendar shows where the last one went.
                        if !movable || ev.button() != 0 || dragging.get_untracked() {
                            return;
                        }
                        let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
                            return;
                        };
                        let width = el
                            .closest(".day-body")
                            .ok()
                            .flatten()
                            .map_or(0.0, |c| c.get_bounding_client_rect().width());
                        let resize = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .is_some_and(|t| t.class_list().contains("resize"));
                        let _ = el.set_pointer_capture(ev.pointer_id());
                        dragged.set_value(false);
                        dragging.set(true);
                        drag.set(Some(Drag {
                            id,
                            resize,
                            x: ev.client_x(),
                            y: ev.client_y(),
                            width,
                            days: 0,
                            minutes: 0,
                            done: false,
                        }));
                    };
                    let over = move |ev: leptos::ev::PointerEvent| {
                        drag.maybe_update(|d| {
                            let Some(d) = d.as_mut().filter(|d| d.id == id && !d.done) else {
                                return false;
                            };
                            let dy = (ev.client_y() - d.y) as f64;
                            let dx = (ev.client_x() - d.x) as f64;
                            let minutes = ((dy / HOUR_PX * 60.0) / SNAP_MIN as f64).round() as i64 * SNAP_MIN;
                            let days = if d.resize || d.width <= 0.0 { 0 } else { (dx / d.width).round() as i64 };
                            let (minutes, days) = within(minutes, days, d.resize, (start, end), (col, columns));
                            let changed = (minutes, days) != (d.minutes, d.days);
                            d.minutes = minutes;
                            d.days = days;
                            changed
                        });
                    };
                    let up = move |_: leptos::ev::PointerEvent| {
                        let Some(mut d) = drag.get_untracked().filter(|d| d.id == id && !d.done) else {
                            return;
                        };
                        if !d.moved() {
                            drag.set(None);
                            dragging.set(false);
                            return;
                        }
                        dragged.set_value(true);
                        d.done = true;
                        drag.set(Some(d));
                        let (a, b) = d.place(start, end);
                        let z = zone_v.get_value();
                        session.with_value(|s| {
                            on_move(Moved {
                                id,
                                version: s.version,
                                in_series: s.series_id.is_some(),
                                starts_at: instant(a, &z),
                                ends_at: instant(b, &z),
                            })
                        });
                    };
                    let cancel = move |_: leptos::ev::PointerEvent| {
                        if drag.get_untracked().is_some_and(|d| d.id == id && !d.done) {
                            drag.set(None);
                            dragging.set(false);
                        }
                    };
                    view! {
                        <button
                            class="event"
                            class:cancelled=status == SessionStatus::Cancelled
                            class:pending=status == SessionStatus::Pending
                            class:done=matches!(status, SessionStatus::Completed | SessionStatus::NoShow)
                            class:selected=move || open.get() == Some(id)
                            class:dragging=move || mine().is_some_and(|d| d.moved())
                            class:clash=clash
                            class:movable=movable
                            data-drag=move || match mine() {
                                None => "",
                                Some(d) if d.done => "sent",
                                Some(d) if d.moved() => "moving",
                                Some(_) => "pressed",
                            }
                            data-kind=s.kind.as_str()
                            data-status=s.status.as_str()
                            style:top=move || format!("{:.0}px", top().0)
                            style:height=move || format!("{:.0}px", height())
                            style:transform=move || {
                                let (_, shift) = top();
                                if shift == 0.0 { String::new() } else { format!("translateX({shift:.0}px)") }
                            }
                            aria-label=label
                            on:pointerdown=down
                            on:pointermove=over
                            on:pointerup=up
                            on:pointercancel=cancel
                            on:lostpointercapture=cancel
                            on:click=move |_| {
                                if dragged.get_value() {
                                    dragged.set_value(false);
                                    return;
                                }
                                open.set(Some(id));
                            }
                        >
                            <span class="event-title">{title}</span>
                            <span class="event-time">{when}</span>
                            <span class="event-host">{move || host.and_then(|h| names.get().and_then(|n| n.get(&h).cloned())).unwrap_or_default()}</span>
                            <Show when=move || movable>
                                <span class="resize" aria-hidden="true"></span>
                            </Show>
                        </button>
                    }
                })
                .collect_view();
            // On the day it is now: past midnight the line moves on to the
            // next column.
            let now_at = move || {
                let z = zone_v.get_value();
                let n = local(&clock.get(), &z);
                let shown = n.hour() >= FIRST_HOUR && n.hour() < LAST_HOUR;
                (n.date() == day && shown).then(|| minutes_shown(n) * HOUR_PX / 60.0)
            };
            let pick = move |ev: leptos::ev::MouseEvent| {
                if !editable || ev.target() != ev.current_target() {
                    return;
                }
                let minute = FIRST_HOUR as i64 * 60 + ((ev.offset_y() as f64 / HOUR_PX * 60.0) / 30.0).floor() as i64 * 30;
                let at = day.and_time(NaiveTime::MIN) + Duration::minutes(minute);
                on_slot(at);
            };
            view! {
                <div class="day" class:today=move || local(&clock.get(), &zone_v.get_value()).date() == day data-day=day.format("%Y-%m-%d").to_string()>
                    <div class="day-head">{day_label(day)}</div>
                    <div class="day-body" class:pickable=editable style:height=format!("{total:.0}px") on:click=pick
                        title=move || if editable { t("calendar.pick_slot") } else { String::new() }>
                        {events}
                        {move || now_at().map(|top| view! { <div class="now-line" aria-hidden="true" style:top=format!("{top:.0}px")></div> })}
                    </div>
                </div>
            }
        })
        .collect_view();
    let hours = (FIRST_HOUR..LAST_HOUR)
        .map(|h| view! { <div class="hour">{format!("{h:02}:00")}</div> })
        .collect_view();
    view! {
        <div class="calendar" data-view=if days == 1 { "day" } else { "week" }>
            <div class="hours"><div class="day-head"></div>{hours}</div>
            <div class="week" style:grid-template-columns=format!("repeat({days}, minmax(5.25rem, 1fr))")>{columns}</div>
        </div>
    }
}

/// The sessions of each day of `list`, in order, by the wall clock of `zone`.
fn by_day<'a>(list: &'a [SessionView], zone: &str) -> BTreeMap<NaiveDate, Vec<&'a SessionView>> {
    let mut out: BTreeMap<NaiveDate, Vec<&SessionView>> = BTreeMap::new();
    for s in list {
        out.entry(local(&s.starts_at, zone).date())
            .or_default()
            .push(s);
    }
    for v in out.values_mut() {
        v.sort_by_key(|s| s.starts_at);
    }
    out
}

/// The sessions a month cell shows before "more".
const MONTH_CHIPS: usize = 3;

/// A month's weeks, each day with its first sessions.
#[component]
pub fn MonthGrid(
    anchor: NaiveDate,
    list: Vec<SessionView>,
    zone: String,
    open: RwSignal<Option<Uuid>>,
    /// Opens one day.
    on_day: impl Fn(NaiveDate) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (start, days) = Mode::Month.span(anchor);
    let today = today_in(&zone);
    let mut grouped = by_day(&list, &zone);
    let heads = (0..7)
        .map(|d| view! { <div class="month-head">{locale_date(start + Duration::days(d), &[("weekday", "short")])}</div> })
        .collect_view();
    let cells = (0..days)
        .map(|d| {
            let day = start + Duration::days(d);
            let sessions = grouped.remove(&day).unwrap_or_default();
            let more = sessions.len().saturating_sub(MONTH_CHIPS);
            let chips = sessions
                .into_iter()
                .take(MONTH_CHIPS)
                .map(|s| {
                    let id = s.id;
                    let at = hm(local(&s.starts_at, &zone));
                    view! {
                        <button
                            class="chip-event"
                            class:cancelled=s.status == SessionStatus::Cancelled
                            class:pending=s.status == SessionStatus::Pending
                            class:done=matches!(s.status, SessionStatus::Completed | SessionStatus::NoShow)
                            data-kind=s.kind.as_str()
                            on:click=move |_| open.set(Some(id))
                        >
                            <span class="event-time">{at}</span>" "{s.title.clone()}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="month-day" class:today=day == today class:outside=day.month() != anchor.month()
                    data-day=day.format("%Y-%m-%d").to_string()>
                    <button class="month-date" aria-label=long_day(day) on:click=move |_| on_day(day)>{day.day()}</button>
                    {chips}
                    {(more > 0).then(|| view! {
                        <button class="link month-more" on:click=move |_| on_day(day)>
                            {tf("calendar.more", &[("count", &more.to_string())])}
                        </button>
                    })}
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="month" data-view="month">
            {heads}
            {cells}
        </div>
    }
}

/// The sessions of the coming days as a list, day by day: the calendar on a
/// phone.
#[component]
pub fn Agenda(
    list: Vec<SessionView>,
    zone: String,
    open: RwSignal<Option<Uuid>>,
    names: LocalResource<HashMap<Uuid, String>>,
) -> impl IntoView {
    let today = today_in(&zone);
    let days = by_day(&list, &zone)
        .into_iter()
        .map(|(day, sessions)| {
            let rows = sessions
                .into_iter()
                .map(|s| {
                    let id = s.id;
                    let host = s.host_id;
                    let (a, b) = (local(&s.starts_at, &zone), local(&s.ends_at, &zone));
                    view! {
                        <li>
                            <button
                                class="agenda-item"
                                class:cancelled=s.status == SessionStatus::Cancelled
                                class:pending=s.status == SessionStatus::Pending
                                class:done=matches!(s.status, SessionStatus::Completed | SessionStatus::NoShow)
                                data-kind=s.kind.as_str()
                                on:click=move |_| open.set(Some(id))
                            >
                                <span class="agenda-time"><span>{hm(a)}</span><span class="agenda-end">{hm(b)}</span></span>
                                <span class="agenda-title">{s.title.clone()}</span>
                                <span class="agenda-meta">
                                    {super::kind_label(s.kind)}
                                    {move || host.and_then(|h| names.get().and_then(|n| n.get(&h).cloned())).map(|n| format!(" · {n}")).unwrap_or_default()}
                                </span>
                                <span class="badge" data-status=s.status.as_str()>{super::status_label(s.status)}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="agenda-day" class:today=day == today>
                    <h3>{long_day(day)}</h3>
                    <ul>{rows}</ul>
                </section>
            }
        })
        .collect_view();
    view! { <div class="agenda-list" data-view="agenda">{days}</div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn spans_cover_whole_weeks_of_the_month() {
        // December 2026 begins on a Tuesday and ends on a Thursday.
        let (start, days) = Mode::Month.span(d("2026-12-17"));
        assert_eq!(start, d("2026-11-30"));
        assert_eq!(days, 35);
        // February 2027 begins on a Monday: four weeks.
        assert_eq!(Mode::Month.span(d("2027-02-10")), (d("2027-02-01"), 28));
        assert_eq!(Mode::Week.span(d("2026-12-03")), (d("2026-11-30"), 7));
        assert_eq!(Mode::Day.span(d("2026-12-03")), (d("2026-12-03"), 1));
    }

    #[test]
    fn steps_go_by_the_view() {
        assert_eq!(Mode::Month.step(d("2026-01-31"), true), d("2026-02-01"));
        assert_eq!(Mode::Month.step(d("2026-03-31"), false), d("2026-02-01"));
        assert_eq!(Mode::Week.step(d("2026-12-03"), false), d("2026-11-26"));
        assert_eq!(Mode::Day.step(d("2026-12-31"), true), d("2027-01-01"));
    }

    #[test]
    fn a_drag_stays_within_the_hours_and_the_days_shown() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let (a, b) = (at("2026-12-03 16:00"), at("2026-12-03 17:00"));
        // Up to the first hour, down to the last; not past the last column.
        assert_eq!(within(-600, 0, false, (a, b), (3, 7)), (-540, 0));
        assert_eq!(within(600, 5, false, (a, b), (3, 7)), (240, 3));
        // A day view has one column: no day to move to.
        assert_eq!(within(0, 1, false, (a, b), (0, 1)), (0, 0));
        assert_eq!(within(0, -1, false, (a, b), (0, 1)), (0, 0));
        // A resize keeps a quarter hour.
        assert_eq!(within(-120, 0, true, (a, b), (3, 7)), (-45, 0));
    }

    #[test]
    fn a_drag_moves_both_ends_and_a_resize_only_the_end() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let mut drag = Drag {
            id: Uuid::nil(),
            resize: false,
            x: 0,
            y: 0,
            width: 100.0,
            days: 1,
            minutes: 45,
            done: false,
        };
        let (a, b) = (at("2026-12-03 16:00"), at("2026-12-03 17:00"));
        assert_eq!(
            drag.place(a, b),
            (at("2026-12-04 16:45"), at("2026-12-04 17:45"))
        );
        drag.resize = true;
        drag.minutes = -60;
        // Never shorter than a quarter of an hour.
        assert_eq!(drag.place(a, b), (a, at("2026-12-03 16:15")));
    }
}
