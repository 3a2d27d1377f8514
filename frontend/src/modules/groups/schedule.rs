//! A class's weekly schedule: the series its lessons come from, said as
//! people say them ("Every Tuesday, 16:00–17:30"), its next lessons, and a
//! form to add a weekly lesson. The lessons are scheduling's sessions of
//! the class: its members on each lesson's day take part.

use crate::api::{self, ApiError};
use crate::components::form::FormError;
use crate::components::toast::toasts;
use crate::i18n::{self, t, tf, tr};
use crate::live::Live;
use crate::session;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    CreateSessionRequest, Recurrence, SeriesView, SessionKind, SessionPage, SessionStatus,
    SessionView,
};
use rapport_domain::problem::{FieldCode, FieldError};
use rapport_domain::Permission;
use uuid::Uuid;

/// How far ahead the next lessons are read.
const AHEAD_DAYS: i64 = 70;

/// The lessons of `group` from now on, and the series they come from.
async fn load(group: Uuid) -> Result<(Vec<SessionView>, Vec<SeriesView>), ApiError> {
    let now = i18n::now();
    let at = |d: chrono::DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let page = api::get::<SessionPage>(&format!(
        "/api/v1/sessions?group_id={group}&from={}&to={}&limit=200",
        at(now),
        at(now + Duration::days(AHEAD_DAYS))
    ))
    .await?;
    let mut ids: Vec<Uuid> = page.data.iter().filter_map(|s| s.series_id).collect();
    ids.sort();
    ids.dedup();
    let mut series = Vec::new();
    for id in ids {
        series.push(api::get::<SeriesView>(&format!("/api/v1/sessions/series/{id}")).await?);
    }
    Ok((page.data, series))
}

/// What a series' rule says, as people say it.
fn rule_text(s: &SeriesView, zone: &str) -> String {
    let parts: Vec<(&str, &str)> = s
        .rrule
        .split(';')
        .filter_map(|p| p.split_once('='))
        .collect();
    let get = |k: &str| parts.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let day = i18n::weekday(s.starts_local.weekday());
    let from = s.starts_local.format("%H:%M").to_string();
    let to = (s.starts_local + Duration::minutes(s.duration_min as i64))
        .format("%H:%M")
        .to_string();
    let key = match (get("FREQ"), get("INTERVAL").unwrap_or("1")) {
        (Some("WEEKLY"), "1") => "groups.every_week",
        (Some("WEEKLY"), "2") => "groups.every_other_week",
        (Some("DAILY"), _) => "groups.every_day",
        (Some("MONTHLY"), _) => "groups.every_month",
        _ => "groups.repeating",
    };
    let mut text = tf(key, &[("day", &day), ("from", &from), ("to", &to)]);
    let end = s.ends_before.or_else(|| {
        get("UNTIL").and_then(|u| {
            NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%SZ")
                .ok()
                .map(|n| n.and_utc())
        })
    });
    if let Some(end) = end {
        text.push_str(&tf("groups.until", &[("date", &i18n::date(&end, zone))]));
    }
    text
}

/// The class's schedule and next lessons; with `editable` and the right to
/// schedule, a form to add a weekly lesson led by `leader`.
#[component]
pub fn Schedule(group: Uuid, name: String, leader: Option<Uuid>, editable: bool) -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let zone = session::time_zone();
    let lessons = LocalResource::new(move || load(group));
    live.on_event(move |e| {
        if e.kind.starts_with("session.") {
            lessons.refetch();
        }
    });
    let may_add = editable && session.can(Permission::SessionsWrite);
    let adding = RwSignal::new(false);
    let zone2 = zone.clone();
    view! {
        <section class="schedule" aria-label=tr("groups.schedule")>
            <h3>{tr("groups.schedule")}</h3>
            {move || {
                let zone = zone2.clone();
                lessons.get().map(move |r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    Ok((list, series)) if list.is_empty() && series.is_empty() => view! {
                        <p class="muted">{tr("groups.schedule_empty")}</p>
                    }.into_any(),
                    Ok((list, series)) => {
                        let rules = series.iter().map(|s| rule_text(s, &zone)).collect::<Vec<_>>();
                        let next = list
                            .into_iter()
                            .filter(|s| s.status != SessionStatus::Cancelled)
                            .take(5)
                            .map(|s| {
                                let when = i18n::datetime(&s.starts_at, &zone);
                                view! { <li>{when}</li> }
                            })
                            .collect_view();
                        view! {
                            <ul class="rules">
                                {rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                            </ul>
                            <h4>{tr("groups.next_lessons")}</h4>
                            <ul class="next-lessons">{next}</ul>
                        }.into_any()
                    }
                })
            }}
            <Show when=move || may_add>
                {
                    let name = name.clone();
                    let zone = zone.clone();
                    move || if adding.get() {
                        view! {
                            <WeeklyLesson group=group name=name.clone() leader=leader zone=zone.clone()
                                on_done=move || { adding.set(false); lessons.refetch(); } />
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="secondary" on:click=move |_| adding.set(true)>
                                {tr("groups.add_lesson")}
                            </button>
                        }.into_any()
                    }
                }
            </Show>
        </section>
    }
}

/// The first day on or after `from` that is a `day`.
fn first_on(from: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead =
        (7 + day.num_days_from_monday() as i64 - from.weekday().num_days_from_monday() as i64) % 7;
    from + Duration::days(ahead)
}

/// A form for a weekly lesson of the class: the day, the hours, from when
/// and until when.
#[component]
fn WeeklyLesson(
    group: Uuid,
    name: String,
    leader: Option<Uuid>,
    zone: String,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let today = i18n::wall_clock(&i18n::now(), &zone).date();
    let day = RwSignal::new(today.weekday());
    let from = RwSignal::new("16:00".to_string());
    let to = RwSignal::new("17:30".to_string());
    let starts = RwSignal::new(today.format("%Y-%m-%d").to_string());
    let until = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let zone = StoredValue::new(zone);
    let name = StoredValue::new(name);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let zone = zone.get_value();
        let bad = |field: &str| api::invalid(vec![FieldError::new(field, FieldCode::Format, "")]);
        let Ok(start) = NaiveDate::parse_from_str(&starts.get_untracked(), "%Y-%m-%d") else {
            errors.set(Some(bad("starts_on")));
            return;
        };
        let first = first_on(start, day.get_untracked());
        let wall = |time: String| {
            NaiveDateTime::parse_from_str(&format!("{first} {time}"), "%Y-%m-%d %H:%M")
                .ok()
                .map(|w| i18n::instant(w, &zone))
        };
        let (Some(starts_at), Some(ends_at)) =
            (wall(from.get_untracked()), wall(to.get_untracked()))
        else {
            errors.set(Some(bad("ends_at")));
            return;
        };
        let mut rrule = "FREQ=WEEKLY".to_string();
        if let Some(last) = NaiveDate::parse_from_str(&until.get_untracked(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
        {
            let end = i18n::instant(last, &zone);
            rrule.push_str(&format!(";UNTIL={}", end.format("%Y%m%dT%H%M%SZ")));
        }
        let body = CreateSessionRequest {
            kind: SessionKind::Lesson,
            title: name.get_value(),
            starts_at,
            ends_at,
            host_id: leader,
            group_ids: vec![group],
            recurrence: Some(Recurrence {
                rrule,
                time_zone: Some(zone),
                exdates: vec![],
            }),
            ..Default::default()
        };
        busy.set(true);
        errors.set(None);
        spawn_local(async move {
            match api::post::<_, SessionView>("/api/v1/sessions", &body).await {
                Ok(_) => {
                    toasts.success(t("groups.lesson_added"));
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let error_of =
        move |field: &'static str| move || errors.with(|e| e.as_ref().and_then(|e| e.field(field)));
    const DAYS: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    view! {
        <form class="card form" data-form="weekly-lesson" on:submit=submit novalidate=true
            aria-label=tr("groups.add_lesson")>
            <div class="row">
                <div class="field">
                    <label for="lesson-day">{tr("groups.lesson_day")}</label>
                    <select id="lesson-day" on:change=move |ev| {
                        if let Some(d) = DAYS.get(event_target_value(&ev).parse::<usize>().unwrap_or(0)) {
                            day.set(*d);
                        }
                    }>
                        {DAYS.into_iter().enumerate().map(|(i, d)| view! {
                            <option value=i.to_string() selected=move || day.get() == d>{i18n::weekday(d)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="lesson-from">{tr("calendar.from")}</label>
                    <input id="lesson-from" type="time" required prop:value=move || from.get()
                        on:input=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="lesson-to">{tr("calendar.to")}</label>
                    <input id="lesson-to" type="time" required prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{error_of("ends_at")}</p>
                </div>
            </div>
            <div class="row">
                <div class="field">
                    <label for="lesson-starts">{tr("groups.lesson_starts")}</label>
                    <input id="lesson-starts" type="date" required prop:value=move || starts.get()
                        on:input=move |ev| starts.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{error_of("starts_on")}</p>
                </div>
                <div class="field">
                    <label for="lesson-until">{tr("calendar.until")}</label>
                    <input id="lesson-until" type="date" prop:value=move || until.get()
                        on:input=move |ev| until.set(event_target_value(&ev)) />
                    <p class="hint">{tr("calendar.until_hint")}</p>
                </div>
            </div>
            <FormError errors=errors />
            <button class="primary" type="submit" disabled=move || busy.get()>{tr("groups.add_lesson")}</button>
        </form>
    }
}
