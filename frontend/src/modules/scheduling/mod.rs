//! The calendar: a week of sessions in the workspace's time zone, a form to
//! schedule one (the server refuses a host booked twice), and a panel with
//! a session's details, its register and cancelling.

use crate::api::{self, ApiError};
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{self, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::offline::{Draft, Offline, Outcome, QueuedRecord};
use crate::session;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    ApplyTo, AttendanceEntry, AttendanceStatus, AttendanceView, CancelSessionRequest,
    CreateSessionRequest, DateHours, GroupPage, GroupView, PersonPage, PersonView,
    PutAvailabilityRequest, RecordAttendanceRequest, Recurrence, SessionKind, SessionPage,
    SessionStatus, SessionView, Slot, TimeOff, UpdateSessionRequest, WeeklyHours,
};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

pub mod booking;
mod views;

use views::{span_label, Agenda, Mode, MonthGrid, Moved, TimeGrid};

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Calendar /> }.into_any()
}

/// The module's page and its link, named in the template's words.
pub const ENTRY: Entry = Entry {
    path: "scheduling",
    label: "calendar",
    section: Section::Records,
    visible: |s| s.has_module(Module::Scheduling) && s.can(Permission::SessionsRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// The first and the last hour a day shows.
const FIRST_HOUR: u32 = 7;
const LAST_HOUR: u32 = 21;
/// Pixels an hour takes (as `.calendar .hour` in the style sheet).
const HOUR_PX: f64 = 48.0;

fn js_date(at: &DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ))
}

use crate::i18n::{instant, now, wall_clock as local};

/// Monday of the week of `day`.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

fn day_label(day: NaiveDate) -> String {
    let opts = js_sys::Object::new();
    for (k, v) in [
        ("weekday", "short"),
        ("day", "numeric"),
        ("month", "short"),
        ("timeZone", "UTC"),
    ] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    }
    let at = day.and_time(NaiveTime::MIN).and_utc();
    js_date(&at)
        .to_locale_date_string(i18n::lang().code(), &opts)
        .into()
}

/// A member's or a person's hours, as the editor reads them.
#[derive(Clone, serde::Deserialize)]
struct Hours {
    time_zone: String,
    weekly: Vec<WeeklyHours>,
    overrides: Vec<DateHours>,
    time_off: Vec<TimeOff>,
    /// What a save is on condition of (0 until set).
    version: i32,
}

fn hm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

fn kind_label(k: SessionKind) -> String {
    t(&format!("calendar.kind.{}", k.as_str()))
}

fn status_label(s: SessionStatus) -> String {
    t(&format!("calendar.status.{}", s.as_str()))
}

fn attendance_label(s: AttendanceStatus) -> String {
    t(&format!("calendar.attendance.{}", s.as_str()))
}

fn today_in(zone: &str) -> NaiveDate {
    local(&now(), zone).date()
}

#[component]
pub fn Calendar() -> impl IntoView {
    let session = session::current();
    view! {
        <Show
            when=move || session.has_module(Module::Scheduling) && session.can(Permission::SessionsRead)
            fallback=|| view! { <crate::pages::errors::NotFound /> }
        >
            <CalendarPage />
        </Show>
    }
}

#[component]
fn CalendarPage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let zone = StoredValue::new(session::time_zone());
    let view_as = RwSignal::new(Mode::initial());
    let anchor = RwSignal::new(today_in(&zone.get_value()));
    let version = RwSignal::new(0u32);
    // The branch shown (all when none), where the workspace has branches.
    let branch = RwSignal::new(None::<Uuid>);
    let branches = crate::modules::branches::open_branches();
    let sessions = LocalResource::new(move || {
        version.track();
        let (start, days) = view_as.get().span(anchor.get());
        let of = branch.get();
        async move {
            let z = zone.get_value();
            let from = instant(start.and_time(NaiveTime::MIN), &z);
            let to = instant((start + Duration::days(days)).and_time(NaiveTime::MIN), &z);
            between(from, to, of).await
        }
    });
    // While a session is dragged the calendar is not drawn again under the
    // pointer: changes heard meanwhile reload it once the drag ends.
    let dragging = RwSignal::new(false);
    let stale = StoredValue::new(false);
    live.on_event(move |e| {
        // A session's changes, and a series' (`session_series.*`).
        if e.kind.starts_with("session") || e.kind.starts_with("attendance.") {
            if dragging.get_untracked() {
                stale.set_value(true);
            } else {
                version.update(|v| *v += 1);
            }
        }
    });
    // What the grid draws: the last list loaded for the span shown. A list
    // that arrives while a session is dragged is not drawn (the grid would
    // be drawn again under the pointer and the drag lost): it is fetched
    // again once the drag ends.
    type Drawn = (
        Mode,
        NaiveDate,
        Option<Uuid>,
        Result<Vec<SessionView>, ApiError>,
    );
    let drawn = RwSignal::new(None::<Drawn>);
    Effect::new(move |_| {
        let Some(r) = sessions.get() else {
            return;
        };
        if dragging.get_untracked() {
            stale.set_value(true);
        } else {
            drawn.set(Some((
                view_as.get_untracked(),
                anchor.get_untracked(),
                branch.get_untracked(),
                r,
            )));
        }
    });
    Effect::new(move |_| {
        if !dragging.get() && stale.get_value() {
            stale.set_value(false);
            version.update(|v| *v += 1);
        }
    });
    let names = crate::components::members::member_names();
    let open = RwSignal::new(None::<Uuid>);
    let adding = RwSignal::new(false);
    let slot = RwSignal::new(None::<NaiveDateTime>);
    let editing_hours = RwSignal::new(false);
    let can_write = move || session.can(Permission::SessionsWrite);
    let mine_path = move || {
        session
            .me
            .with_untracked(|m| {
                m.as_ref()
                    .map(|m| format!("/api/v1/availability/{}", m.user.id))
            })
            .unwrap_or_default()
    };
    let reload = move || version.update(|v| *v += 1);
    let toasts = toasts();
    let title = move || template_label("calendar");
    let pick_slot = move |at: NaiveDateTime| {
        slot.set(Some(at));
        adding.set(true);
    };
    let moved = move |m: Moved| {
        let body = UpdateSessionRequest {
            starts_at: Some(m.starts_at),
            ends_at: Some(m.ends_at),
            apply_to: m.in_series.then_some(ApplyTo::This),
            ..Default::default()
        };
        spawn_local(async move {
            let path = format!("/api/v1/sessions/{}", m.id);
            match api::patch_at::<_, SessionView>(&path, m.version, &body).await {
                Ok(_) => toasts.success(t("calendar.moved")),
                Err(e) => toasts.error(e.message()),
            }
            dragging.set(false);
            reload();
        });
    };
    let choose = move |v: Mode| {
        v.remember();
        view_as.set(v);
    };
    view! {
        <section class="page" data-page="calendar">
            <header class="page-header with-actions">
                <div>
                    <h1>{title}</h1>
                    <p class="lead">{move || tf("calendar.lead", &[("zone", &zone.get_value())])}</p>
                </div>
                <Show when=can_write>
                    <button on:click=move |_| editing_hours.update(|a| *a = !*a)>{tr("hours.mine")}</button>
                    <button class="primary" on:click=move |_| { slot.set(None); adding.update(|a| *a = !*a) }>{tr("calendar.add")}</button>
                </Show>
            </header>
            <Show when=move || editing_hours.get()>
                <HoursEditor path=mine_path() on_done=move || editing_hours.set(false) />
            </Show>
            {move || adding.get().then(|| {
                let at = slot.get();
                let day = at.map_or_else(|| anchor.get_untracked(), |a| a.date());
                view! {
                    <NewSession zone=zone.get_value() day=day at=at on_done=move |s: SessionView| {
                        adding.set(false);
                        let z = zone.get_value();
                        anchor.set(local(&s.starts_at, &z).date());
                        open.set(Some(s.id));
                        reload();
                    } />
                }
            })}
            <div class="toolbar calendar-nav">
                <button on:click=move |_| anchor.update(|a| *a = view_as.get_untracked().step(*a, false))
                    aria-label=move || view_as.get().previous()>"‹"</button>
                <button on:click=move |_| anchor.set(today_in(&zone.get_value()))>{tr("calendar.today")}</button>
                <button on:click=move |_| anchor.update(|a| *a = view_as.get_untracked().step(*a, true))
                    aria-label=move || view_as.get().next()>"›"</button>
                <strong class="calendar-range" data-test="week">{move || span_label(view_as.get(), anchor.get())}</strong>
                <Show when=move || branches.get().is_some_and(|b| !b.is_empty())>
                    <select aria-label=tr("branches.filter") data-filter="branch"
                        on:change=move |ev| branch.set(event_target_value(&ev).parse().ok())>
                        <option value="">{tr("branches.any")}</option>
                        {move || branches.get().unwrap_or_default().into_iter().map(|b| view! {
                            <option value=b.id.to_string()>{b.name}</option>
                        }).collect_view()}
                    </select>
                </Show>
                <div class="view-switch" role="group" aria-label=tr("calendar.view")>
                    {Mode::ALL.into_iter().map(|v| view! {
                        <button aria-pressed=move || (view_as.get() == v).to_string() data-view=v.as_str()
                            on:click=move |_| choose(v)>{move || v.label()}</button>
                    }).collect_view()}
                </div>
            </div>
            <div class="split">
                // No `Suspense`: a reload never takes the grid away (a
                // press that lands while it is away would be lost); the
                // skeleton shows only until the first list arrives.
                {move || drawn.get().filter(|(v, a, b, _)| *v == view_as.get() && *a == anchor.get() && *b == branch.get()).map(|(v, a, _, r)| match r {
                        Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                        Ok(list) => {
                            let empty = list.is_empty().then(|| view! { <p class="empty">{v.empty()}</p> });
                            let body = match v {
                                Mode::Day | Mode::Week => {
                                    let (start, days) = v.span(a);
                                    view! {
                                        <TimeGrid start=start days=days list=list zone=zone.get_value() open=open names=names
                                            editable=can_write() dragging=dragging on_slot=pick_slot on_move=moved />
                                    }.into_any()
                                }
                                Mode::Month => view! {
                                    <MonthGrid anchor=a list=list zone=zone.get_value() open=open
                                        on_day=move |d| { anchor.set(d); view_as.set(Mode::Day) } />
                                }.into_any(),
                                Mode::Agenda => view! {
                                    <Agenda list=list zone=zone.get_value() open=open names=names />
                                }.into_any(),
                            };
                            view! { <div class="calendar-body" data-dragging=move || dragging.get().to_string()>{body}{empty}</div> }.into_any()
                        }
                    }).unwrap_or_else(|| view! { <Skeleton lines=8 /> }.into_any())}
                {move || open.get().map(|id| view! {
                    <SessionPanel id=id zone=zone.get_value() names=names
                        on_close=move || open.set(None) on_changed=reload />
                })}
            </div>
        </section>
    }
}

/// The sessions that meet `from`..`to`, every page of them (a month of a
/// busy school is more than one).
async fn between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    branch: Option<Uuid>,
) -> Result<Vec<SessionView>, ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    // Bounded: 2,000 sessions is more than any month of one workspace.
    for _ in 0..10 {
        let mut path = format!(
            "/api/v1/sessions?limit=200&from={}&to={}",
            api::enc(&from.to_rfc3339()),
            api::enc(&to.to_rfc3339())
        );
        if let Some(b) = branch {
            path.push_str(&format!("&branch_id={b}"));
        }
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", api::enc(c)));
        }
        let page = api::get::<SessionPage>(&path).await?;
        out.extend(page.data);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The form to schedule a session in the workspace's time zone.
#[component]
fn NewSession(
    zone: String,
    day: NaiveDate,
    /// The slot picked on the calendar, when one was.
    at: Option<NaiveDateTime>,
    on_done: impl Fn(SessionView) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let date = RwSignal::new(
        at.map_or_else(|| day.max(today_in(&zone)), |a| a.date())
            .format("%Y-%m-%d")
            .to_string(),
    );
    let (start, end) = match at {
        Some(a) => (a.time(), (a + Duration::hours(1)).time()),
        None => (
            NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
        ),
    };
    let from = RwSignal::new(start.format("%H:%M").to_string());
    let to = RwSignal::new(end.format("%H:%M").to_string());
    // The form opens where it can be seen, ready for a title.
    let first = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = first.get() {
            el.scroll_into_view_with_bool(false);
            let _ = el.focus();
        }
    });
    let host = RwSignal::new(me.map(|m| m.to_string()).unwrap_or_default());
    let picked = RwSignal::new(Vec::<Uuid>::new());
    let classes_picked = RwSignal::new(Vec::<Uuid>::new());
    let repeat = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let with_groups = session.has_module(Module::Groups) && session.can(Permission::GroupsRead);
    let groups = LocalResource::new(move || async move {
        if with_groups {
            api::get::<GroupPage>("/api/v1/groups?limit=200&sort=name")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let toasts = toasts();
    let zone = StoredValue::new(zone);
    let names = crate::components::members::member_names();
    let people = LocalResource::new(|| async {
        api::get::<PersonPage>("/api/v1/people?limit=200&sort=name")
            .await
            .map(|p| p.data)
            .unwrap_or_default()
    });
    // Times that suit both the host and the first person picked on that
    // day (within when they are free, clear of their other sessions).
    let suggested = LocalResource::new(move || {
        let (h, who, day) = (host.get(), picked.get().first().copied(), date.get());
        let (a, b) = (from.get(), to.get());
        let kind = Some(kind.get())
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| SessionKind::default().as_str().to_string());
        async move {
            let who = who?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?;
            let (a, b) = (
                NaiveTime::parse_from_str(&a, "%H:%M").ok()?,
                NaiveTime::parse_from_str(&b, "%H:%M").ok()?,
            );
            let minutes = (b - a).num_minutes();
            if h.is_empty() || minutes <= 0 {
                return None;
            }
            let z = zone.get_value();
            let start = instant(day.and_time(NaiveTime::MIN), &z);
            let end = instant((day + Duration::days(1)).and_time(NaiveTime::MIN), &z);
            let path = format!(
                "/api/v1/availability/slots?host_id={h}&person_id={who}&from={}&to={}&duration={minutes}&kind={kind}",
                api::enc(&start.to_rfc3339()),
                api::enc(&end.to_rfc3339()),
            );
            api::get::<Vec<Slot>>(&path).await.ok()
        }
    });
    // Whether the time chosen is one of them (none found: nothing to say).
    let suits = move || {
        let z = zone.get_value();
        suggested.get().flatten().is_none_or(|list| {
            list.is_empty()
                || list.iter().any(|s| {
                    hm(local(&s.starts_at, &z)) == from.get()
                        && hm(local(&s.ends_at, &z)) == to.get()
                })
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let wall = |time: &str| {
            NaiveDateTime::parse_from_str(
                &format!("{} {time}", date.get_untracked()),
                "%Y-%m-%d %H:%M",
            )
            .ok()
            .map(|w| instant(w, &zone.get_value()))
        };
        let (Some(starts_at), Some(ends_at)) =
            (wall(&from.get_untracked()), wall(&to.get_untracked()))
        else {
            errors.set(Some(api::invalid(vec![
                rapport_domain::problem::FieldError::new(
                    "ends_at",
                    rapport_domain::problem::FieldCode::Format,
                    t("calendar.bad_time"),
                ),
            ])));
            return;
        };
        let body = CreateSessionRequest {
            kind: kind.get_untracked().parse().unwrap_or_default(),
            title: title.get_untracked(),
            starts_at,
            ends_at,
            host_id: host.get_untracked().parse().ok(),
            participant_ids: picked.get_untracked(),
            group_ids: classes_picked.get_untracked(),
            recurrence: recurrence(
                &repeat.get_untracked(),
                &until.get_untracked(),
                &zone.get_value(),
            ),
            ..Default::default()
        };
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, SessionView>("/api/v1/sessions", &body).await {
                Ok(s) => {
                    errors.set(None);
                    toasts.success(t("calendar.scheduled"));
                    on_done(s);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let error_of =
        move |field: &'static str| move || errors.with(|e| e.as_ref().and_then(|e| e.field(field)));
    view! {
        <form class="card form" data-form="new-session" on:submit=submit>
            <div class="field">
                <label for="session-title">{tr("calendar.title")}</label>
                <input id="session-title" node_ref=first required prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                <p class="error" role="alert">{error_of("title")}</p>
            </div>
            <div class="row">
                <div class="field">
                    <label for="session-kind">{tr("calendar.kind")}</label>
                    <select id="session-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        {SessionKind::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=k == SessionKind::default()>{move || kind_label(k)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="session-date">{tr("calendar.date")}</label>
                    <input id="session-date" type="date" required prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="session-from">{tr("calendar.from")}</label>
                    <input id="session-from" type="time" required prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="session-to">{tr("calendar.to")}</label>
                    <input id="session-to" type="time" required prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{error_of("ends_at")}</p>
                </div>
            </div>
            <div class="row">
                <div class="field">
                    <label for="session-repeat">{tr("calendar.repeat")}</label>
                    <select id="session-repeat" on:change=move |ev| repeat.set(event_target_value(&ev))>
                        <option value="" selected=true>{tr("calendar.repeat.never")}</option>
                        <option value="daily">{tr("calendar.repeat.daily")}</option>
                        <option value="weekly">{tr("calendar.repeat.weekly")}</option>
                        <option value="fortnightly">{tr("calendar.repeat.fortnightly")}</option>
                        <option value="monthly">{tr("calendar.repeat.monthly")}</option>
                    </select>
                    <p class="error" role="alert">{error_of("recurrence.rrule")}</p>
                </div>
                <Show when=move || !repeat.get().is_empty()>
                    <div class="field">
                        <label for="session-until">{tr("calendar.until")}</label>
                        <input id="session-until" type="date" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) />
                        <p class="hint">{tr("calendar.until_hint")}</p>
                    </div>
                </Show>
            </div>
            <div class="row">
                <div class="field">
                    <label for="session-host">{tr("calendar.host")}</label>
                    <select id="session-host" on:change=move |ev| host.set(event_target_value(&ev))>
                        {move || names.get().map(|n| {
                            let mut n: Vec<(Uuid, String)> = n.into_iter().collect();
                            n.sort_by(|a, b| a.1.cmp(&b.1));
                            n.into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=host.get_untracked() == id.to_string()>{name}</option>
                            }).collect_view()
                        })}
                    </select>
                    <p class="error" role="alert">{error_of("host_id")}</p>
                </div>
                <div class="field">
                    <label for="session-people">{tr("calendar.participants")}</label>
                    <select id="session-people" multiple size="4" on:change=move |ev| picked.set(picked_ids(&ev))>
                        {move || people.get().map(|p| p.into_iter().map(|p: PersonView| view! {
                            <option value=p.id.to_string()>{format!("{} {}", p.first_name, p.last_name)}</option>
                        }).collect_view())}
                    </select>
                </div>
            </div>
            {move || suggested.get().flatten().map(|list| {
                let z = zone.get_value();
                view! {
                    <div class="field suggestions" data-test="suggested">
                        <p class="hint">{if list.is_empty() { t("calendar.no_suggestion") } else { t("calendar.suggested") }}</p>
                        <div class="chips">
                            {list.into_iter().take(12).map(|s| {
                                let (a, b) = (hm(local(&s.starts_at, &z)), hm(local(&s.ends_at, &z)));
                                let label = format!("{a}–{b}");
                                let (pa, pb) = (a.clone(), b.clone());
                                view! {
                                    <button type="button" class="chip toggle"
                                        aria-pressed=move || (from.get() == pa && to.get() == pb).to_string()
                                        on:click=move |_| { from.set(a.clone()); to.set(b.clone()); }>{label}</button>
                                }
                            }).collect_view()}
                        </div>
                        <Show when=move || !suits()>
                            <p class="warning" role="status" data-test="clash">{tr("calendar.does_not_suit")}</p>
                        </Show>
                    </div>
                }
            })}
            <Show when=move || with_groups>
                <div class="field">
                    <label for="session-groups">{move || template_label("groups")}</label>
                    <select id="session-groups" multiple size="3" on:change=move |ev| classes_picked.set(picked_ids(&ev))>
                        {move || groups.get().map(|g| g.into_iter().map(|g: GroupView| view! {
                            <option value=g.id.to_string()>{g.name}</option>
                        }).collect_view())}
                    </select>
                    <p class="hint">{tr("calendar.groups_hint")}</p>
                </div>
            </Show>
            <FormError errors=errors />
            <button class="primary" type="submit" disabled=move || busy.get()>{tr("calendar.schedule")}</button>
        </form>
    }
}

/// How a new session repeats, chosen as calendar users say it: until the
/// end of `until` (a date in `zone`) when one is given.
fn recurrence(repeat: &str, until: &str, zone: &str) -> Option<Recurrence> {
    let freq = match repeat {
        "daily" => "FREQ=DAILY",
        "weekly" => "FREQ=WEEKLY",
        "fortnightly" => "FREQ=WEEKLY;INTERVAL=2",
        "monthly" => "FREQ=MONTHLY",
        _ => return None,
    };
    let mut rrule = freq.to_string();
    if let Some(last) = NaiveDate::parse_from_str(until, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
    {
        let end = instant(last, zone);
        rrule.push_str(&format!(";UNTIL={}", end.format("%Y%m%dT%H%M%SZ")));
    }
    Some(Recurrence {
        rrule,
        time_zone: Some(zone.to_string()),
        exdates: vec![],
    })
}

fn apply_to(v: &str) -> ApplyTo {
    match v {
        "following" => ApplyTo::Following,
        "all" => ApplyTo::All,
        _ => ApplyTo::This,
    }
}

/// The signed-in member's weekly hours, when they can be booked: several
/// intervals a day, in their own time zone. Dates with their own hours and
/// time off are kept as they are.
#[component]
pub fn HoursEditor(
    /// Where the hours are read and put: a member's
    /// (`/api/v1/availability/{user_id}`) or a person's
    /// (`/api/v1/people/{id}/availability`).
    path: String,
    #[prop(default = "hours.title")] title: &'static str,
    #[prop(default = "hours.hint")] hint: &'static str,
    #[prop(default = "hours.save")] save_label: &'static str,
    #[prop(default = "hours.saved")] saved: &'static str,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let rows = RwSignal::new(Vec::<(u8, String, String)>::new());
    let zone = RwSignal::new(session::time_zone());
    let kept = StoredValue::new(None::<Hours>);
    let errors = RwSignal::new(None::<ApiError>);
    let toasts = toasts();
    let path = StoredValue::new(path);
    let loaded =
        LocalResource::new(move || async move { api::get::<Hours>(&path.get_value()).await.ok() });
    Effect::new(move |_| {
        if let Some(Some(v)) = loaded.get() {
            zone.set(v.time_zone.clone());
            rows.set(
                v.weekly
                    .iter()
                    .map(|w| (w.weekday, w.from.clone(), w.to.clone()))
                    .collect(),
            );
            kept.set_value(Some(v));
        }
    });
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        // Only over the hours read (the dates and time off kept as they
        // are), and only if no one changed them meanwhile.
        let Some(v) = kept.get_value() else {
            return;
        };
        let version = v.version;
        let v = Some(v);
        let body = PutAvailabilityRequest {
            time_zone: zone.get_untracked(),
            weekly: rows
                .get_untracked()
                .into_iter()
                .map(|(weekday, from, to)| WeeklyHours { weekday, from, to })
                .collect(),
            overrides: v.as_ref().map(|v| v.overrides.clone()).unwrap_or_default(),
            time_off: v.map(|v| v.time_off).unwrap_or_default(),
        };
        spawn_local(async move {
            match api::put_at::<_, Hours>(&path.get_value(), version, &body).await {
                Ok(h) => {
                    kept.set_value(Some(h));
                    errors.set(None);
                    toasts.success(t(saved));
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let day_name = |d: u8| {
        // 4 January 2027 is a Monday.
        let date = NaiveDate::from_ymd_opt(2027, 1, 3 + d as u32).unwrap_or_default();
        day_label(date)
            .split([',', ' '])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    view! {
        <form class="card form hours" data-form="hours" on:submit=save>
            <h2>{tr(title)}</h2>
            <p class="hint">{tr(hint)}</p>
            <div class="field">
                <label for="hours-zone">{tr("hours.zone")}</label>
                <input id="hours-zone" required prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev)) />
            </div>
            {(1u8..=7).map(|d| view! {
                <div class="hours-day" data-weekday=d>
                    <span class="hours-name">{day_name(d)}</span>
                    <div class="hours-intervals">
                        {move || rows.get().into_iter().enumerate().filter(|(_, r)| r.0 == d).map(|(i, (_, from, to))| view! {
                            <span class="hours-interval">
                                <input type="time" aria-label=tr("calendar.from") prop:value=from
                                    on:input=move |ev| rows.update(|r| r[i].1 = event_target_value(&ev)) />
                                "–"
                                <input type="time" aria-label=tr("calendar.to") prop:value=to
                                    on:input=move |ev| rows.update(|r| r[i].2 = event_target_value(&ev)) />
                                <button type="button" class="link" aria-label=tr("hours.remove")
                                    on:click=move |_| rows.update(|r| { r.remove(i); })>"×"</button>
                            </span>
                        }).collect_view()}
                        <button type="button" class="link" on:click=move |_| rows.update(|r| r.push((d, "09:00".into(), "17:00".into())))>{tr("hours.add")}</button>
                    </div>
                </div>
            }).collect_view()}
            <FormError errors=errors />
            <div class="actions">
                <button type="button" on:click=move |_| on_done()>{tr("common.cancel")}</button>
                <button class="primary" type="submit" disabled=move || loaded.get().flatten().is_none()>{tr(save_label)}</button>
            </div>
        </form>
    }
}

/// The ids of the options picked in a `<select multiple>`.
fn picked_ids(ev: &leptos::ev::Event) -> Vec<Uuid> {
    let el: web_sys::HtmlSelectElement = event_target(ev);
    let opts = el.selected_options();
    (0..opts.length())
        .filter_map(|i| opts.item(i))
        .filter_map(|o| o.get_attribute("value"))
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// A session's details, its register and cancelling.
#[component]
fn SessionPanel(
    id: Uuid,
    zone: String,
    names: LocalResource<HashMap<Uuid, String>>,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let version = RwSignal::new(0u32);
    let found = LocalResource::new(move || {
        version.track();
        async move { api::get::<SessionView>(&format!("/api/v1/sessions/{id}")).await }
    });
    let register = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<Vec<AttendanceView>>(&format!("/api/v1/sessions/{id}/attendance"))
                .await
                .unwrap_or_default()
        }
    });
    let marks = RwSignal::new(HashMap::<Uuid, AttendanceStatus>::new());
    Effect::new(move |_| {
        if let Some(rows) = register.get() {
            marks.set(
                rows.iter()
                    .filter_map(|a| a.status.map(|s| (a.person_id, s)))
                    .collect(),
            );
        }
    });
    let errors = RwSignal::new(None::<ApiError>);
    let reason = RwSignal::new(String::new());
    let applies = RwSignal::new(String::from("this"));
    let in_series = RwSignal::new(false);
    let move_date = RwSignal::new(String::new());
    let move_from = RwSignal::new(String::new());
    let move_to = RwSignal::new(String::new());
    let toasts = toasts();
    let zone = StoredValue::new(zone);
    Effect::new(move |_| {
        if let Some(Ok(s)) = found.get() {
            let z = zone.get_value();
            let (start, end) = (local(&s.starts_at, &z), local(&s.ends_at, &z));
            in_series.set(s.series_id.is_some());
            move_date.set(start.format("%Y-%m-%d").to_string());
            move_from.set(hm(start));
            move_to.set(hm(end));
        }
    });
    let apply = move || {
        in_series
            .get_untracked()
            .then(|| apply_to(&applies.get_untracked()))
    };
    let move_it = move |ev: SubmitEvent| {
        ev.prevent_default();
        let z = zone.get_value();
        let wall = |time: String| {
            NaiveDateTime::parse_from_str(
                &format!("{} {time}", move_date.get_untracked()),
                "%Y-%m-%d %H:%M",
            )
            .ok()
            .map(|w| instant(w, &z))
        };
        let body = UpdateSessionRequest {
            starts_at: wall(move_from.get_untracked()),
            ends_at: wall(move_to.get_untracked()),
            apply_to: apply(),
            ..Default::default()
        };
        spawn_local(async move {
            match api::patch::<_, SessionView>(&format!("/api/v1/sessions/{id}"), &body).await {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("calendar.moved"));
                    version.update(|v| *v += 1);
                    on_changed();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let may_mark = move || {
        session.can(Permission::AttendanceWrite)
            || (session
                .me
                .with(|m| m.as_ref().map(|m| m.workspace.template))
                == Some(rapport_domain::Template::Tutoring))
    };
    // Without a connection, a register or a completion is kept on this
    // device as a log of the session as it was shown, and sent when the
    // connection is back (or refused then, with its reason, if the session
    // changed meanwhile).
    let offline = expect_context::<Offline>();
    let queued = move |completion: bool| offline.waits(id, completion);
    let queued_here = move || queued(false);
    // What was kept here sent: the session and its register as they are now.
    Effect::new(move |was: Option<bool>| {
        let now = queued_here();
        if was == Some(true) && !now {
            version.update(|v| *v += 1);
            on_changed();
        }
        now
    });
    let keep = move |completed: bool, records: Vec<AttendanceEntry>| {
        let Some(Ok(s)) = found.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let draft = Draft {
                session_id: id,
                version: s.version,
                title: s.title,
                starts_at: s.starts_at,
                completed,
                records: records.into_iter().map(QueuedRecord::from).collect(),
            };
            // (The panel may be closed by the time the log is kept.)
            match offline.log(draft).await {
                Outcome::Queued => {
                    errors.try_set(None);
                    toasts.success(t("calendar.saved_offline"));
                }
                Outcome::Sent => {
                    errors.try_set(None);
                    toasts.success(t(if completed {
                        "calendar.completed"
                    } else {
                        "calendar.register_saved"
                    }));
                    version.try_update(|v| *v += 1);
                    on_changed();
                }
                Outcome::Refused(why) => toasts.error(why),
            }
        });
    };
    let save = move |_| {
        // Only the lines that changed, each with the note it has: saving
        // the register never wipes a note or records a correction of a line
        // nobody touched.
        let recorded = register.get_untracked().unwrap_or_default();
        let records = marks
            .get_untracked()
            .into_iter()
            .filter_map(|(person_id, status)| {
                let was = recorded.iter().find(|a| a.person_id == person_id);
                if was.and_then(|a| a.status) == Some(status) {
                    return None;
                }
                Some(AttendanceEntry {
                    person_id,
                    status,
                    note: was.and_then(|a| a.note.clone()),
                })
            })
            .collect();
        if !offline.online.get_untracked() {
            keep(false, records);
            return;
        }
        let body = RecordAttendanceRequest { records };
        spawn_local(async move {
            match api::put::<_, Vec<AttendanceView>>(
                &format!("/api/v1/sessions/{id}/attendance"),
                &body,
            )
            .await
            {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("calendar.register_saved"));
                    version.update(|v| *v += 1);
                    on_changed();
                }
                Err(e) if e.status == 0 => keep(false, body.records),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let confirm = move || {
        spawn_local(async move {
            match api::post_empty::<SessionView>(&format!("/api/v1/sessions/{id}/confirm")).await {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("calendar.confirmed"));
                    version.update(|v| *v += 1);
                    on_changed();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let complete = move || {
        if !offline.online.get_untracked() {
            keep(true, Vec::new());
            return;
        }
        spawn_local(async move {
            match api::post_empty::<SessionView>(&format!("/api/v1/sessions/{id}/complete")).await {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("calendar.completed"));
                    version.update(|v| *v += 1);
                    on_changed();
                }
                Err(e) if e.status == 0 => keep(true, Vec::new()),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let cancel = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = CancelSessionRequest {
            reason: reason.get_untracked(),
            apply_to: apply(),
        };
        spawn_local(async move {
            match api::post::<_, SessionView>(&format!("/api/v1/sessions/{id}/cancel"), &body).await
            {
                Ok(_) => {
                    errors.set(None);
                    version.update(|v| *v += 1);
                    on_changed();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <aside class="panel card" data-panel="session" aria-label=tr("people.details")>
            <button class="close" aria-label=tr("common.close") on:click=move |_| on_close()>"×"</button>
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || found.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    Ok(s) => {
                        let z = zone.get_value();
                        let start = local(&s.starts_at, &z);
                        let end = local(&s.ends_at, &z);
                        let host = s.host_id;
                        let cancelled = s.status == SessionStatus::Cancelled;
                        let pending = s.status == SessionStatus::Pending;
                        let begun = s.starts_at - Duration::minutes(30) <= now();
                        let held = s.status == SessionStatus::Scheduled && s.starts_at <= now();
                        view! {
                            <h2>{s.title.clone()}</h2>
                            <dl class="facts">
                                <dt>{tr("calendar.when")}</dt>
                                <dd>{format!("{} {}–{}", start.format("%Y-%m-%d"), hm(start), hm(end))}</dd>
                                <dt>{tr("calendar.kind")}</dt>
                                <dd>{kind_label(s.kind)}</dd>
                                <dt>{tr("calendar.host")}</dt>
                                <dd>{move || host.and_then(|h| names.get().and_then(|n| n.get(&h).cloned())).unwrap_or_else(|| "—".into())}</dd>
                                <dt>{tr("calendar.status")}</dt>
                                <dd data-test="status">{status_label(s.status)}</dd>
                                {s.series_id.map(|_| view! { <dt>{tr("calendar.repeat")}</dt><dd data-test="series">{if s.exception { tr("calendar.series_exception") } else { tr("calendar.series_member") }}</dd> })}
                                {s.cancel_reason.clone().map(|r| view! { <dt>{tr("calendar.reason")}</dt><dd>{r}</dd> })}
                                {s.fee.clone().map(|f| view! { <dt>{tr("calendar.fee")}</dt><dd>{i18n::money(f.amount_minor, &f.currency)}</dd> })}
                                {s.location.clone().map(|l| view! { <dt>{tr("calendar.location")}</dt><dd>{l}</dd> })}
                                {s.online_url.clone().map(|u| { let text = u.clone(); view! { <dt>{tr("calendar.online")}</dt><dd><a href=u rel="noopener noreferrer" target="_blank">{text}</a></dd> } })}
                            </dl>
                            <h3>{tr("calendar.register")}</h3>
                            <Show when=move || !cancelled fallback=|| view! { <p class="hint">{tr("calendar.no_register")}</p> }>
                                <Show when=move || register.get().is_some_and(|r| !r.is_empty()) fallback=|| view! { <p class="hint">{tr("calendar.no_participants")}</p> }>
                                    <table class="register" data-test="register">
                                        <tbody>
                                            {move || register.get().unwrap_or_default().into_iter().map(|a| {
                                                let p = a.person_id;
                                                view! {
                                                    <tr>
                                                        <td>{format!("{} {}", a.first_name, a.last_name)}</td>
                                                        <td>
                                                            <select aria-label=tr("calendar.came") disabled=move || !may_mark() || !begun
                                                                on:change=move |ev| {
                                                                    let v = event_target_value(&ev);
                                                                    marks.update(|m| match AttendanceStatus::ALL.into_iter().find(|s| s.as_str() == v) {
                                                                        Some(s) => { m.insert(p, s); }
                                                                        None => { m.remove(&p); }
                                                                    });
                                                                }>
                                                                <option value="" selected=move || !marks.with(|m| m.contains_key(&p))>"—"</option>
                                                                {AttendanceStatus::ALL.into_iter().map(|s| view! {
                                                                    <option value=s.as_str() selected=move || marks.with(|m| m.get(&p) == Some(&s))>{attendance_label(s)}</option>
                                                                }).collect_view()}
                                                            </select>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    <Show when=move || may_mark() && begun fallback=|| view! { <p class="hint">{tr("calendar.register_later")}</p> }>
                                        <div class="actions">
                                            <button on:click=move |_| {
                                                let all = register.get_untracked().unwrap_or_default();
                                                marks.update(|m| for a in &all { m.insert(a.person_id, AttendanceStatus::Present); });
                                            }>{tr("calendar.all_present")}</button>
                                            <button class="primary" on:click=save>{tr("calendar.save_register")}</button>
                                        </div>
                                    </Show>
                                </Show>
                            </Show>
                            <Show when=queued_here>
                                <p class="hint" role="status" data-test="queued">{tr("calendar.queued")}</p>
                            </Show>
                            <Show when=move || held && may_mark() && !queued(true)>
                                <button class="primary" data-test="complete" on:click=move |_| complete()>{tr("calendar.mark_completed")}</button>
                            </Show>
                            <Show when=move || pending && session.can(Permission::SessionsWrite)>
                                <button class="primary" data-test="confirm" on:click=move |_| confirm()>{tr("calendar.confirm")}</button>
                            </Show>
                            <Show when=move || !cancelled && session.can(Permission::SessionsWrite)>
                                <Show when=move || in_series.get()>
                                    <div class="field" data-test="apply-to">
                                        <label for="apply-to">{tr("calendar.apply_to")}</label>
                                        <select id="apply-to" on:change=move |ev| applies.set(event_target_value(&ev))>
                                            <option value="this" selected=true>{tr("calendar.apply.this")}</option>
                                            <option value="following">{tr("calendar.apply.following")}</option>
                                            <option value="all">{tr("calendar.apply.all")}</option>
                                        </select>
                                    </div>
                                </Show>
                                <form class="form move" data-form="move-session" on:submit=move_it>
                                    <div class="row">
                                        <div class="field">
                                            <label for="move-date">{tr("calendar.date")}</label>
                                            <input id="move-date" type="date" required prop:value=move || move_date.get() on:input=move |ev| move_date.set(event_target_value(&ev)) />
                                        </div>
                                        <div class="field">
                                            <label for="move-from">{tr("calendar.from")}</label>
                                            <input id="move-from" type="time" required prop:value=move || move_from.get() on:input=move |ev| move_from.set(event_target_value(&ev)) />
                                        </div>
                                        <div class="field">
                                            <label for="move-to">{tr("calendar.to")}</label>
                                            <input id="move-to" type="time" required prop:value=move || move_to.get() on:input=move |ev| move_to.set(event_target_value(&ev)) />
                                        </div>
                                    </div>
                                    <button type="submit">{tr("calendar.move")}</button>
                                </form>
                                <form class="form cancel" on:submit=cancel>
                                    <div class="field">
                                        <label for="cancel-reason">{tr("calendar.reason")}</label>
                                        <input id="cancel-reason" required prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                                    </div>
                                    <button class="danger" type="submit">{tr("calendar.cancel")}</button>
                                </form>
                            </Show>
                            <FormError errors=errors />
                        }.into_any()
                    }
                })}
            </Suspense>
        </aside>
    }
}
