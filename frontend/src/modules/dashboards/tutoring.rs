//! A tutoring business's first page, one call shaped by who asks: a user
//! (a tutor or a student) sees their next sessions, the ones still to log
//! (logged here with one tap) and their hours this month; a moderator
//! also today's sessions of everyone they see and the students added
//! lately; an admin also this month's revenue against last month's, what
//! is owed and the no-shows.

use super::hm;
use crate::api;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{self, money, t, tf, tr};
use crate::live::Live;
use crate::offline::{Draft, Offline, Outcome, QueuedRecord};
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use rapport_domain::api::{AttendanceStatus, SessionBrief, TutoringDashboard, TutoringMoney};

#[component]
pub fn TutoringHome() -> impl IntoView {
    let live = expect_context::<Live>();
    let board = LocalResource::new(|| async {
        api::get::<TutoringDashboard>("/api/v1/dashboards/tutoring").await
    });
    live.on_event(move |e| {
        if [
            "session.",
            "session_series.",
            "attendance.",
            "person.",
            "invoice.",
            "payment.",
            "credit_note.",
            "package.",
        ]
        .iter()
        .any(|k| e.kind.starts_with(k))
        {
            board.refetch();
        }
    });
    // Back online, or logs this device kept sent: the board as it is now.
    let offline = expect_context::<Offline>();
    Effect::new(move |before: Option<(bool, usize)>| {
        let now = (offline.online.get(), offline.logs.with(Vec::len));
        if before.is_some_and(|(online, kept)| (now.0 && !online) || now.1 < kept) {
            board.refetch();
            // And once more when things have settled (the connection just
            // back, the last of the queue sent).
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(1500).await;
                board.refetch();
            });
        }
        now
    });
    view! {
        <section class="tutoring-home" data-test="tutoring-home" aria-label=t("tutoring.home")>
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || board.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    Ok(d) => view! { <Board d=d on_logged=move || board.refetch() /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Board(
    d: TutoringDashboard,
    on_logged: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let hours = i18n::number(d.minutes_this_month as f64 / 60.0);
    view! {
        <ul class="cards">
            <li class="card stat">
                <h3>{tr("tutoring.this_month")}</h3>
                <p class="figure" data-test="hours">{tf("tutoring.hours", &[("n", &hours)])}</p>
                <p class="hint">{tf("tutoring.completed", &[("n", &d.completed_this_month.to_string())])}</p>
            </li>
            <li class="card stat">
                <h3>{tr("tutoring.to_log")}</h3>
                <p class="figure" data-test="unlogged-count">{d.unlogged_count}</p>
                <p class="hint">{tr("tutoring.last_30_days")}</p>
            </li>
            {d.new_students.is_some().then(|| view! {
                <li class="card stat">
                    <h3>{tr("tutoring.new_students")}</h3>
                    <p class="figure" data-test="new-students">{d.new_students_count}</p>
                    <p class="hint">{tr("tutoring.last_30_days")}</p>
                </li>
            })}
            {d.no_shows.map(|n| view! {
                <li class="card stat">
                    <h3>{tr("tutoring.no_shows")}</h3>
                    <p class="figure" data-test="no-shows">{n}</p>
                    <p class="hint">{tr("tutoring.this_month")}</p>
                </li>
            })}
        </ul>
        {d.money.map(|m| view! { <Money rows=m /> })}
        <div class="overview-charts">
            <Sessions title="tutoring.unlogged" test="unlogged" rows=d.unlogged.clone()
                empty="tutoring.none_unlogged" log=true on_logged=on_logged />
            <Sessions title="tutoring.today" test="today-sessions" rows=d.today_sessions.clone()
                empty="tutoring.none_today" log=false on_logged=on_logged />
            <Sessions title="tutoring.next" test="next-sessions" rows=d.next.clone()
                empty="tutoring.none_next" log=false on_logged=on_logged />
            {d.new_students.map(|list| view! {
                <figure class="card chart">
                    <figcaption>{tr("tutoring.new_students")}</figcaption>
                    {if list.is_empty() {
                        view! { <p class="empty">{tr("tutoring.none_new")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain" data-test="new-students-list">
                                {list.into_iter().map(|p| view! {
                                    <li><A href=format!("/people?open={}", p.id)>{p.name}</A>
                                        " "<span class="hint">{i18n::date(&p.created_at, &session::time_zone())}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </figure>
            })}
        </div>
    }
}

/// This month's revenue against last month's, as bars, and what is owed.
#[component]
fn Money(rows: Vec<TutoringMoney>) -> impl IntoView {
    rows.into_iter()
        .map(|m| {
            let top = m.revenue_this_month.max(m.revenue_last_month).max(1);
            let w = |v: i64| (v.max(0) * 260 / top).to_string();
            let change = if m.revenue_last_month > 0 {
                let p = (m.revenue_this_month - m.revenue_last_month) * 100 / m.revenue_last_month;
                tf("tutoring.change", &[("n", &format!("{p:+}"))])
            } else {
                String::new()
            };
            view! {
                <div class="overview-charts" data-test="tutoring-money">
                    <figure class="card chart">
                        <figcaption>{tr("tutoring.revenue")}</figcaption>
                        <svg class="bars" viewBox="0 0 400 64" role="img" aria-label=t("tutoring.revenue")>
                            <text x="0" y="21" class="label">{t("tutoring.this_month")}</text>
                            <rect x="120" y="8" width=w(m.revenue_this_month) height="18" class="bar paid" />
                            <text x="0" y="53" class="label">{t("tutoring.last_month")}</text>
                            <rect x="120" y="40" width=w(m.revenue_last_month) height="18" class="bar" />
                        </svg>
                        <p class="hint" data-test="revenue">{tf("tutoring.revenue_of", &[
                            ("this", &money(m.revenue_this_month, &m.currency)),
                            ("last", &money(m.revenue_last_month, &m.currency)),
                        ])}" "{change}</p>
                    </figure>
                    <figure class="card stat">
                        <figcaption>{tr("tutoring.outstanding")}</figcaption>
                        <p class="figure" data-test="outstanding">{money(m.outstanding_minor, &m.currency)}</p>
                        <p class="hint">{tf("tutoring.debtors", &[("n", &m.debtors.to_string())])}</p>
                        <p><A href="/finance">{tr("tutoring.to_finance")}</A></p>
                    </figure>
                </div>
            }
        })
        .collect_view()
}

/// A list of sessions; those to log can be marked held with one tap, or
/// logged with who came.
#[component]
fn Sessions(
    title: &'static str,
    test: &'static str,
    rows: Vec<SessionBrief>,
    empty: &'static str,
    log: bool,
    on_logged: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let zone = session::time_zone();
    view! {
        <figure class="card chart" data-test=test>
            <figcaption>{tr(title)}</figcaption>
            {if rows.is_empty() {
                view! { <p class="empty">{tr(empty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain sessions">
                        {rows.into_iter().map(|s| {
                            let id = s.id;
                            let when = format!(
                                "{} {}–{}",
                                i18n::date(&s.starts_at, &zone),
                                hm(&s.starts_at, &zone),
                                hm(&s.ends_at, &zone)
                            );
                            view! {
                                <li data-session=id.to_string()>
                                    <strong>{s.title.clone()}</strong>" "
                                    <span class="hint">{when}</span>
                                    {(!s.people.is_empty()).then(|| view! { <div class="hint">{s.people.join(", ")}</div> })}
                                    {log.then(|| view! { <LogSession s=s on_logged=on_logged /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </figure>
    }
}

/// How a session that has begun is logged from the home page: held with
/// one tap, or with each participant's attendance and a note. Either is
/// kept on the device first, so that a log made without a connection is
/// sent when it comes back.
#[component]
fn LogSession(
    s: SessionBrief,
    on_logged: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let offline = expect_context::<Offline>();
    let id = s.id;
    let queued = move || {
        offline
            .logs
            .with(|l| l.iter().any(|q| q.session_id == id && q.refused.is_none()))
    };
    let open = RwSignal::new(false);
    let held = RwSignal::new(true);
    let marks = RwSignal::new(
        s.participants
            .iter()
            .map(|p| (p.id, AttendanceStatus::Present, String::new()))
            .collect::<Vec<_>>(),
    );
    let brief = StoredValue::new(s);
    let send = move |completed: bool, records: Vec<QueuedRecord>| {
        let s = brief.get_value();
        spawn_local(async move {
            let draft = Draft {
                session_id: s.id,
                version: s.version,
                title: s.title,
                starts_at: s.starts_at,
                completed,
                records,
            };
            match offline.log(draft).await {
                Outcome::Sent => {
                    toasts.success(t(if completed {
                        "tutoring.logged"
                    } else {
                        "tutoring.attendance_logged"
                    }));
                    on_logged();
                }
                Outcome::Queued => toasts.success(t("tutoring.logged_offline")),
                Outcome::Refused(why) => toasts.error(why),
            }
        });
    };
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let records = marks
            .get_untracked()
            .into_iter()
            .map(|(person_id, status, note)| QueuedRecord {
                person_id,
                status,
                note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
            })
            .collect();
        open.set(false);
        send(held.get_untracked(), records);
    };
    let has_people = brief.with_value(|s| !s.participants.is_empty());
    view! {
        <Show when=move || !queued() fallback=|| view! {
            <span class="chip" data-test="queued">{tr("tutoring.queued")}</span>
        }>
            <div class="log-actions">
                <button class="secondary small" type="button" data-action="log-held"
                    on:click=move |_| send(true, Vec::new())>{tr("tutoring.mark_held")}</button>
                {has_people.then(|| view! {
                    <button class="secondary small" type="button" data-action="log-attendance"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>{tr("tutoring.who_came")}</button>
                })}
            </div>
            <Show when=move || open.get()>
                <form class="log-register" data-form="log-attendance" on:submit=save>
                    {brief.with_value(|s| s.participants.clone()).into_iter().enumerate().map(|(i, p)| {
                        let status_id = format!("log-{id}-{}", p.id);
                        let note_label = tf("tutoring.note_for", &[("name", &p.name)]);
                        view! {
                            <div class="log-person" data-person=p.id.to_string()>
                                <label for=status_id.clone()>{p.name.clone()}</label>
                                <select id=status_id data-field="status"
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        if let Some(st) = AttendanceStatus::ALL.into_iter().find(|s| s.as_str() == v) {
                                            marks.update(|m| m[i].1 = st);
                                        }
                                    }>
                                    {AttendanceStatus::ALL.into_iter().map(|st| view! {
                                        <option value=st.as_str() selected=move || marks.with(|m| m[i].1 == st)>
                                            {t(&format!("tutoring.attendance.{}", st.as_str()))}
                                        </option>
                                    }).collect_view()}
                                </select>
                                <input type="text" data-field="note" maxlength="2000"
                                    aria-label=note_label placeholder=t("tutoring.note")
                                    prop:value=move || marks.with(|m| m[i].2.clone())
                                    on:input=move |ev| { let v = event_target_value(&ev); marks.update(|m| m[i].2 = v); } />
                            </div>
                        }
                    }).collect_view()}
                    <label class="check">
                        <input type="checkbox" data-field="held" prop:checked=move || held.get()
                            on:change=move |ev| held.set(event_target_checked(&ev)) />
                        {tr("tutoring.was_held")}
                    </label>
                    <div class="actions">
                        <button class="primary small" type="submit" data-action="save-log">{tr("tutoring.save_log")}</button>
                        <button class="secondary small" type="button" on:click=move |_| open.set(false)>{tr("common.cancel")}</button>
                    </div>
                </form>
            </Show>
        </Show>
    }
}
