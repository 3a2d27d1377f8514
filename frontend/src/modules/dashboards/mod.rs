//! What each role of a school looks at first. The admins' school at a
//! glance: figures and bars. A teacher's "Today": the
//! lessons they hold today, each register taken in a few taps ("All
//! present", then the exceptions), their classes with attendance and
//! medal tables, and the medals they may still award. A student's own
//! page: their next lessons, attendance, medals and classes. A tutoring
//! business's first page: sessions to come and to log, new students and
//! this month's money. All are chunks of their own, fetched when first
//! shown.

mod tutoring;

use crate::api::{self, ApiError};
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{self, money, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use rapport_domain::api::{
    AttendanceEntry, AttendanceStatus, AttendanceView, Balance, ClassFigures, Leaderboard,
    LessonToday, Medal, RecordAttendanceRequest, SchoolDashboard, StudentDashboard,
    TeachingDashboard,
};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

/// The teacher's day, as a page of its own.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Teaching page=true /> }.into_any()
}

/// The teacher's day, for the home page.
#[leptos::lazy]
pub fn teaching_home() -> AnyView {
    view! { <Teaching page=false /> }.into_any()
}

/// A school's figures, for its admins' home page.
#[leptos::lazy]
pub fn school_home() -> AnyView {
    view! { <SchoolOverview /> }.into_any()
}

/// A student's own page, for the home page.
#[leptos::lazy]
pub fn student_home() -> AnyView {
    view! { <Student /> }.into_any()
}

/// A tutoring business's first page, for its home page.
#[leptos::lazy]
pub fn tutoring_home() -> AnyView {
    view! { <tutoring::TutoringHome /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "today",
    label: "today",
    section: Section::Records,
    visible: |s| s.has_module(Module::Groups) && s.can(Permission::AttendanceWrite),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// `part` of `whole` as a whole percentage.
fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

fn hm(at: &chrono::DateTime<chrono::Utc>, zone: &str) -> String {
    i18n::wall_clock(at, zone).format("%H:%M").to_string()
}

/// The teacher's day: a page of its own (`page`), or a section of the home
/// page under its welcome.
#[component]
fn Teaching(page: bool) -> impl IntoView {
    let live = expect_context::<Live>();
    let day = LocalResource::new(|| async {
        api::get::<TeachingDashboard>("/api/v1/dashboards/teaching").await
    });
    live.on_event(move |e| {
        if e.kind.starts_with("attendance.") || e.kind.starts_with("session.") {
            day.refetch();
        }
    });
    view! {
        <section class=if page { "page today" } else { "today" } data-page=page.then_some("today")
            aria-label=move || template_label("today")>
            {if page {
                view! {
                    <header class="page-header">
                        <h1>{move || template_label("today")}</h1>
                        <p class="lead">{tr("today.lead")}</p>
                    </header>
                }.into_any()
            } else {
                ().into_any()
            }}
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || day.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    Ok(d) => view! {
                        <Lessons lessons=d.lessons.clone() on_saved=move || day.refetch() />
                        <Classes classes=d.classes.clone() />
                        <AwardsLeft rows=d.awards_left.clone() />
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Today's lessons, each with its register a tap away.
#[component]
fn Lessons(
    lessons: Vec<LessonToday>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let zone = session::time_zone();
    let open = RwSignal::new(
        lessons
            .iter()
            .find(|l| l.recorded < l.participants)
            .map(|l| l.id),
    );
    if lessons.is_empty() {
        return view! {
            <section class="lessons-today" aria-label=tr("today.lessons")>
                <h2>{tr("today.lessons")}</h2>
                <p class="empty">{tr("today.no_lessons")}" "<A href="/groups">{tr("today.to_classes")}</A></p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="lessons-today" aria-label=tr("today.lessons")>
            <h2>{tr("today.lessons")}</h2>
            <ul class="lesson-cards">
                {lessons.into_iter().map(|l| {
                    let id = l.id;
                    let when = format!("{}–{}", hm(&l.starts_at, &zone), hm(&l.ends_at, &zone));
                    let done = l.participants > 0 && l.recorded >= l.participants;
                    let progress = tf("today.recorded", &[("n", &l.recorded.to_string()), ("of", &l.participants.to_string())]);
                    view! {
                        <li class="card lesson" class:done=done data-lesson=l.title.clone()>
                            <div class="lesson-head">
                                <div>
                                    <h3>{l.title.clone()}</h3>
                                    <p class="muted">{when}" · "{progress}</p>
                                </div>
                                <Opener open=open id=id label="today.take_register" />
                            </div>
                            <Show when=move || open.get() == Some(id)>
                                <QuickRegister session=id on_saved=on_saved />
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// A button that opens `id` where one thing at a time is open (`open`),
/// or closes it again.
#[component]
fn Opener(
    open: RwSignal<Option<Uuid>>,
    id: Uuid,
    label: &'static str,
    #[prop(optional)] link: bool,
) -> impl IntoView {
    view! {
        <button type="button" class=if link { "link" } else { "secondary" }
            aria-expanded=move || (open.get() == Some(id)).to_string()
            on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
            {tr(label)}
        </button>
    }
}

/// A lesson's register in a few taps: each student's mark as a button
/// row, "All present" for those not marked yet, then the exceptions.
#[component]
fn QuickRegister(
    session: Uuid,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let register = LocalResource::new(move || async move {
        api::get::<Vec<AttendanceView>>(&format!("/api/v1/sessions/{session}/attendance")).await
    });
    let marks = RwSignal::new(HashMap::<Uuid, AttendanceStatus>::new());
    Effect::new(move |_| {
        if let Some(Ok(rows)) = register.get() {
            marks.set(
                rows.iter()
                    .filter_map(|a| a.status.map(|s| (a.person_id, s)))
                    .collect(),
            );
        }
    });
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let all_present = move |_| {
        let rows = register
            .get_untracked()
            .and_then(Result::ok)
            .unwrap_or_default();
        marks.update(|m| {
            for a in &rows {
                m.entry(a.person_id).or_insert(AttendanceStatus::Present);
            }
        });
    };
    let save = move |_| {
        let rows = register
            .get_untracked()
            .and_then(Result::ok)
            .unwrap_or_default();
        let records: Vec<AttendanceEntry> = marks
            .get_untracked()
            .into_iter()
            .filter_map(|(person_id, status)| {
                let was = rows.iter().find(|a| a.person_id == person_id);
                (was.and_then(|a| a.status) != Some(status)).then(|| AttendanceEntry {
                    person_id,
                    status,
                    note: was.and_then(|a| a.note.clone()),
                })
            })
            .collect();
        if records.is_empty() {
            toasts.success(t("calendar.register_saved"));
            return;
        }
        busy.set(true);
        let body = RecordAttendanceRequest { records };
        spawn_local(async move {
            match api::put::<_, Vec<AttendanceView>>(
                &format!("/api/v1/sessions/{session}/attendance"),
                &body,
            )
            .await
            {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("calendar.register_saved"));
                    register.refetch();
                    on_saved();
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        {move || register.get().map(|r| match r {
            Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
            Ok(rows) if rows.is_empty() => view! { <p class="hint">{tr("calendar.no_participants")}</p> }.into_any(),
            Ok(rows) => view! {
                <div class="quick-register" data-test="quick-register">
                    <div class="actions">
                        <button type="button" on:click=all_present>{tr("calendar.all_present")}</button>
                    </div>
                    <ul class="marks">
                        {rows.into_iter().map(|a| {
                            let p = a.person_id;
                            let name = format!("{} {}", a.first_name, a.last_name);
                            view! {
                                <li data-student=name.clone()>
                                    <span class="who">{name.clone()}</span>
                                    <span class="segmented" role="radiogroup" aria-label=name.clone()>
                                        {AttendanceStatus::ALL.into_iter().map(|s| view! {
                                            <button type="button" role="radio" class=format!("mark {}", s.as_str())
                                                aria-checked=move || (marks.with(|m| m.get(&p) == Some(&s))).to_string()
                                                on:click=move |_| marks.update(|m| { m.insert(p, s); })>
                                                {t(&format!("calendar.attendance.{}", s.as_str()))}
                                            </button>
                                        }).collect_view()}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <FormError errors=errors />
                    <button type="button" class="primary" disabled=move || busy.get() on:click=save>{tr("calendar.save_register")}</button>
                </div>
            }.into_any(),
        })}
    }
}

/// The teacher's classes: students, attendance as a bar, and each class's
/// medal table on demand.
#[component]
fn Classes(classes: Vec<ClassFigures>) -> impl IntoView {
    let shown = RwSignal::new(None::<Uuid>);
    if classes.is_empty() {
        return view! {
            <section aria-label=tr("today.classes")>
                <h2>{tr("today.classes")}</h2>
                <p class="empty">{tr("today.no_classes")}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section aria-label=tr("today.classes")>
            <h2>{tr("today.classes")}</h2>
            <ul class="class-cards">
                {classes.into_iter().map(|c| {
                    let id = c.id;
                    let rate = percent(c.attended, c.recorded);
                    let figure = if c.recorded > 0 { format!("{rate}%") } else { "—".into() };
                    view! {
                        <li class="card class" data-class=c.name.clone()>
                            <h3>{c.name.clone()}</h3>
                            <p class="muted">{if c.students == 1 { t("today.one_student") } else { tf("today.students", &[("n", &c.students.to_string())]) }}</p>
                            <svg class="bars" viewBox="0 0 240 22" role="img" aria-label=tf("today.attendance_of", &[("rate", &figure)])>
                                <rect x="0" y="2" width="200" height="18" class="track" />
                                <rect x="0" y="2" width=(rate * 2).to_string() height="18" class="bar" />
                                <text x="206" y="16" class="value">{figure.clone()}</text>
                            </svg>
                            <Opener open=shown id=id label="today.leaderboard" link=true />
                            <Show when=move || shown.get() == Some(id)>
                                <LeaderboardTable group=id />
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// A class's medal table for this month.
#[component]
pub fn LeaderboardTable(group: Uuid) -> impl IntoView {
    let board = LocalResource::new(move || async move {
        api::get::<Leaderboard>(&format!("/api/v1/groups/{group}/leaderboard")).await
    });
    view! {
        {move || board.get().map(|r| match r {
            Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
            Ok(b) if b.rows.is_empty() => view! { <p class="empty">{tr("today.board_empty")}</p> }.into_any(),
            Ok(b) => view! {
                <table class="table leaderboard" data-test="leaderboard" aria-label=tr("today.leaderboard")>
                    <thead><tr>
                        <th>"#"</th><th>{tr("today.student")}</th>
                        <th class="num">{tr("medals.gold")}</th><th class="num">{tr("medals.silver")}</th><th class="num">{tr("medals.bronze")}</th>
                    </tr></thead>
                    <tbody>
                        {b.rows.into_iter().enumerate().map(|(i, e)| view! {
                            <tr data-student=format!("{} {}", e.first_name, e.last_name)>
                                <td class="num">{i + 1}</td>
                                <td>{format!("{} {}", e.first_name, e.last_name)}</td>
                                <td class="num">{e.gold}</td><td class="num">{e.silver}</td><td class="num">{e.bronze}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}

/// What the teacher may still award each student this month.
#[component]
fn AwardsLeft(rows: Vec<rapport_domain::api::AwardsLeft>) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    view! {
        <section aria-label=tr("today.awards_left")>
            <h2>{tr("today.awards_left")}</h2>
            <p class="lead">{tr("today.awards_lead")}" "<A href="/medals">{tr("today.to_medals")}</A></p>
            <table class="table" data-test="awards-left">
                <thead><tr>
                    <th>{tr("today.student")}</th>
                    <th class="num">{tr("medals.gold")}</th><th class="num">{tr("medals.silver")}</th><th class="num">{tr("medals.bronze")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-student=format!("{} {}", r.first_name, r.last_name)>
                            <td>{format!("{} {}", r.first_name, r.last_name)}</td>
                            <td class="num">{r.gold}</td><td class="num">{r.silver}</td><td class="num">{r.bronze}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// A person's medals by kind, from their balances.
fn medal_counts(list: &[Balance]) -> [i64; 3] {
    [Medal::Gold, Medal::Silver, Medal::Bronze].map(|m| {
        list.iter()
            .find(|b| b.currency == m.currency())
            .map_or(0, |b| b.balance_minor)
    })
}

/// A student's own page: medals, attendance, next lessons, classes and
/// their medal tables. Medals arriving update it in place.
#[component]
fn Student() -> impl IntoView {
    let live = expect_context::<Live>();
    let zone = session::time_zone();
    let page = LocalResource::new(|| async {
        api::get::<StudentDashboard>("/api/v1/dashboards/student").await
    });
    let toasts = toasts();
    live.on_event(move |e| {
        if e.kind == "ledger_entry.created" {
            // A medal of their own arriving is told, as it arrives.
            let mine = page
                .get_untracked()
                .and_then(Result::ok)
                .map(|d| d.person_id.to_string());
            let gained = e.data["amount_minor"].as_i64().unwrap_or_default() > 0;
            let medal = Medal::of_currency(e.data["currency"].as_str().unwrap_or_default());
            if let (true, Some(m)) = (
                gained && mine.as_deref() == e.data["person_id"].as_str(),
                medal,
            ) {
                toasts.success(tf(
                    "medals.received",
                    &[
                        ("medal", &t(&format!("medals.{}", m.as_str()))),
                        ("reason", e.data["reason"].as_str().unwrap_or_default()),
                    ],
                ));
                live.told();
            }
        }
        if e.kind.starts_with("ledger_entry.") || e.kind.starts_with("attendance.") {
            page.refetch();
        }
    });
    let board = RwSignal::new(None::<Uuid>);
    view! {
        {move || {
            let zone = zone.clone();
            page.get().map(move |r| match r {
                // Someone who is no student of this workspace has no such page.
                Err(_) => ().into_any(),
                Ok(d) => {
                    let [gold, silver, bronze] = medal_counts(&d.balances);
                    let rate = percent(d.attended, d.recorded);
                    view! {
                        <section class="overview student-home" data-test="student-home" aria-label=t("today.mine")>
                            <ul class="cards">
                                <li class="card stat medal gold"><h3>{tr("medals.gold")}</h3><p class="figure" data-test="gold">{gold}</p></li>
                                <li class="card stat medal silver"><h3>{tr("medals.silver")}</h3><p class="figure" data-test="silver">{silver}</p></li>
                                <li class="card stat medal bronze"><h3>{tr("medals.bronze")}</h3><p class="figure" data-test="bronze">{bronze}</p></li>
                                <li class="card stat">
                                    <h3>{tr("home.attendance")}</h3>
                                    <p class="figure">{if d.recorded > 0 { format!("{rate}%") } else { "—".into() }}</p>
                                    <p class="hint">{tr("today.last_90_days")}</p>
                                </li>
                            </ul>
                            <div class="overview-charts">
                                <figure class="card chart">
                                    <figcaption>{tr("today.next_lessons")}</figcaption>
                                    {if d.next_lessons.is_empty() {
                                        view! { <p class="empty">{tr("today.no_next")}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="next-lessons" data-test="next-lessons">
                                                {d.next_lessons.iter().map(|l| view! {
                                                    <li><span class="when">{i18n::datetime(&l.starts_at, &zone)}</span>" "<span class="what">{l.title.clone()}</span></li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </figure>
                                <figure class="card chart">
                                    <figcaption>{tr("medals.history")}</figcaption>
                                    {if d.recent_medals.is_empty() {
                                        view! { <p class="empty">{tr("medals.none")}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="history" data-test="recent-medals">
                                                {d.recent_medals.iter().map(|e| {
                                                    let kind = Medal::ALL.into_iter().find(|m| m.currency() == e.currency);
                                                    let label = kind.map(|m| t(&format!("medals.{}", m.as_str()))).unwrap_or_default();
                                                    let class = kind.map(|m| format!("medal {}", m.as_str())).unwrap_or_default();
                                                    view! {
                                                        <li>
                                                            <span class=class>{format!("{:+} {label}", e.amount_minor)}</span>" "
                                                            <span class="reason">{e.reason.clone()}</span>" "
                                                            <span class="muted">{i18n::date(&e.created_at, &zone)}</span>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                    <p><A href="/store">{tr("today.to_store")}</A></p>
                                </figure>
                                <figure class="card chart">
                                    <figcaption>{tr("today.my_classes")}</figcaption>
                                    <ul class="my-classes">
                                        {d.classes.iter().map(|c| {
                                            let id = c.id;
                                            view! {
                                                <li>
                                                    <strong>{c.name.clone()}</strong>
                                                    {c.course.clone().map(|course| view! { " · "<span class="muted">{course}</span> })}
                                                    " "
                                                    <Opener open=board id=id label="today.leaderboard" link=true />
                                                    <Show when=move || board.get() == Some(id)>
                                                        <LeaderboardTable group=id />
                                                    </Show>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </figure>
                            </div>
                        </section>
                    }.into_any()
                }
            })
        }}
    }
}

/// A school's figures for its admins: cards, attendance by class as bars,
/// this month's money, and the top medal earners.
#[component]
fn SchoolOverview() -> impl IntoView {
    let figures = LocalResource::new(|| async move {
        api::get::<SchoolDashboard>("/api/v1/dashboards/school")
            .await
            .ok()
    });
    view! {
        {move || figures.get().flatten().map(|d| {
            let recorded: i64 = d.classes.iter().map(|c| c.recorded).sum();
            let attended: i64 = d.classes.iter().map(|c| c.attended).sum();
            let rows = d.classes.len().max(1);
            let height = rows * 28;
            view! {
                <section class="overview" data-test="school-overview" aria-label=t("home.overview")>
                    <ul class="cards">
                        <li class="card stat"><h3>{tr("home.students")}</h3><p class="figure" data-test="students">{d.students}</p></li>
                        <li class="card stat"><h3>{tr("home.lessons_today")}</h3><p class="figure">{d.lessons_today}</p></li>
                        <li class="card stat">
                            <h3>{tr("home.attendance")}</h3>
                            <p class="figure">{if recorded > 0 { format!("{}%", percent(attended, recorded)) } else { "—".into() }}</p>
                            <p class="hint">{tr("home.last_30_days")}</p>
                        </li>
                        {d.money.iter().map(|m| view! {
                            <li class="card stat">
                                <h3>{tr("home.owed")}</h3>
                                <p class="figure">{money(m.owed_minor, &m.currency)}</p>
                                <p class="hint">{tf("home.debtors", &[("n", &m.debtors.to_string())])}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="overview-charts">
                        <figure class="card chart">
                            <figcaption>{tr("home.attendance_by_class")}</figcaption>
                            {if d.classes.is_empty() {
                                view! { <p class="empty">{tr("home.no_classes")}</p> }.into_any()
                            } else {
                                view! {
                                    <svg class="bars" viewBox=format!("0 0 400 {height}") role="img" aria-label=t("home.attendance_by_class")>
                                        {d.classes.iter().enumerate().map(|(i, c)| {
                                            let rate = percent(c.attended, c.recorded);
                                            let y = i * 28;
                                            view! {
                                                <g data-class=c.name.clone()>
                                                    <text x="0" y=(y + 17).to_string() class="label">{c.name.clone()}</text>
                                                    <rect x="180" y=(y + 4).to_string() width="180" height="18" class="track" />
                                                    <rect x="180" y=(y + 4).to_string() width=(rate * 180 / 100).to_string() height="18" class="bar" />
                                                    <text x="366" y=(y + 17).to_string() class="value">{if c.recorded > 0 { format!("{rate}%") } else { "—".into() }}</text>
                                                </g>
                                            }
                                        }).collect_view()}
                                    </svg>
                                }.into_any()
                            }}
                        </figure>
                        {d.money.iter().map(|m| {
                            let top = m.charged_minor.max(m.paid_minor).max(1);
                            let w = |v: i64| (v * 260 / top).to_string();
                            view! {
                                <figure class="card chart" data-test="money">
                                    <figcaption>{tr("home.this_month")}</figcaption>
                                    <svg class="bars" viewBox="0 0 400 64" role="img" aria-label=t("home.this_month")>
                                        <text x="0" y="21" class="label">{t("home.charged")}</text>
                                        <rect x="100" y="8" width=w(m.charged_minor) height="18" class="bar charged" />
                                        <text x="0" y="53" class="label">{t("home.paid")}</text>
                                        <rect x="100" y="40" width=w(m.paid_minor) height="18" class="bar paid" />
                                    </svg>
                                    <p class="hint">{tf("home.charged_paid", &[("charged", &money(m.charged_minor, &m.currency)), ("paid", &money(m.paid_minor, &m.currency))])}</p>
                                </figure>
                            }
                        }).collect_view()}
                        <figure class="card chart">
                            <figcaption>{tr("home.top_earners")}</figcaption>
                            {if d.top_earners.is_empty() {
                                view! { <p class="empty">{tr("home.no_earners")}</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="earners" data-test="earners">
                                        {d.top_earners.iter().map(|e| view! {
                                            <li>
                                                <span class="who">{format!("{} {}", e.first_name, e.last_name)}</span>
                                                <span class="medal gold" title=t("home.gold")>{e.gold}</span>
                                                <span class="medal silver" title=t("home.silver")>{e.silver}</span>
                                                <span class="medal bronze" title=t("home.bronze")>{e.bronze}</span>
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                        </figure>
                    </div>
                </section>
            }
        })}
    }
}
