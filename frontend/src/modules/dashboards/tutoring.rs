//! A tutoring business's first page, one call shaped by who asks: a user
//! (a tutor or a student) sees their next sessions, the ones still to log
//! (held with one tap, or with who came) and their hours this month; a moderator
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
use rapport_domain::api::{
    AttendanceStatus, AttendanceView, SessionBrief, TutoringDashboard, TutoringMoney,
    ATTENDANCE_NOTE_MAX,
};
use uuid::Uuid;

#[component]
pub fn TutoringHome() -> impl IntoView {
    let live = expect_context::<Live>();
    let board = LocalResource::new(|| async {
        api::get::<TutoringDashboard>("/api/v1/dashboards/tutoring").await
    });
    // Read again when something changes, unless a form is open: then when
    // the last one closes.
    let editing = Editing {
        open: RwSignal::new(0),
    };
    provide_context(editing);
    let stale = RwSignal::new(false);
    // (Called late too, by a timer: the page may be gone by then.)
    let refresh = move || match editing.open.try_get_untracked() {
        Some(0) => board.refetch(),
        Some(_) => {
            stale.try_set(true);
        }
        None => {}
    };
    Effect::new(move |_| {
        if editing.open.get() == 0 && stale.get_untracked() {
            stale.set(false);
            board.refetch();
        }
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
            refresh();
        }
    });
    // Back online, or logs this device kept sent: the board as it is now.
    let offline = expect_context::<Offline>();
    Effect::new(move |before: Option<(bool, usize)>| {
        let now = (offline.online.get(), offline.logs.with(Vec::len));
        if before.is_some_and(|(online, kept)| (now.0 && !online) || now.1 < kept) {
            refresh();
            // And once more when things have settled (the connection just
            // back, the last of the queue sent).
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(1500).await;
                refresh();
            });
        }
        now
    });
    view! {
        <section class="tutoring-home" data-test="tutoring-home" aria-label=t("tutoring.home")>
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || board.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    Ok(d) => view! { <Board d=d on_logged=refresh /> }.into_any(),
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

/// Forms open on the home page: the board waits for them to close before
/// it is read again, so that nobody's choices vanish under them.
#[derive(Clone, Copy)]
struct Editing {
    open: RwSignal<usize>,
}

/// One participant's line in the home page's register.
#[derive(Clone, PartialEq)]
struct Line {
    person_id: Uuid,
    status: Option<AttendanceStatus>,
    note: String,
    /// As the register held it when the form opened.
    was: Option<(AttendanceStatus, Option<String>)>,
}

impl Line {
    /// What to send of the line: only a line chosen and changed.
    fn record(&self) -> Option<QueuedRecord> {
        let status = self.status?;
        let note = Some(self.note.trim().to_string()).filter(|n| !n.is_empty());
        if self.was.as_ref() == Some(&(status, note.clone())) {
            return None;
        }
        Some(QueuedRecord {
            person_id: self.person_id,
            status,
            note,
        })
    }
}

/// How a session that has begun is logged from the home page: held with
/// one tap, or with who came and a note. Either is kept on the device
/// first, so that a log made without a connection is sent when it comes
/// back. The register opens as the session holds it (or as this device
/// last read it), and only the lines changed are sent.
#[component]
fn LogSession(
    s: SessionBrief,
    on_logged: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let offline = expect_context::<Offline>();
    let editing = expect_context::<Editing>();
    let id = s.id;
    let waiting = move |completion: bool| offline.waits(id, completion);
    let open = RwSignal::new(false);
    let held = RwSignal::new(true);
    let lines = RwSignal::new(
        s.participants
            .iter()
            .map(|p| Line {
                person_id: p.id,
                status: None,
                note: String::new(),
                was: None,
            })
            .collect::<Vec<_>>(),
    );
    let brief = StoredValue::new(s);
    // (After a log is sent, the row may be gone.)
    let set_open = move |now: bool| {
        if open.try_get_untracked().is_some_and(|was| was != now) {
            open.try_set(now);
            editing
                .open
                .try_update(|n| *n = if now { *n + 1 } else { n.saturating_sub(1) });
        }
    };
    // (The page itself may be gone first: then there is nothing to tell.)
    on_cleanup(move || {
        if open.try_get_untracked() == Some(true) {
            editing.open.try_update(|n| *n = n.saturating_sub(1));
        }
    });
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
                    set_open(false);
                    toasts.success(t(if completed {
                        "tutoring.logged"
                    } else {
                        "tutoring.attendance_logged"
                    }));
                    on_logged();
                }
                Outcome::Queued => {
                    set_open(false);
                    toasts.success(t("tutoring.logged_offline"));
                }
                Outcome::Refused(why) => toasts.error(why),
            }
        });
    };
    // The register as the session holds it, when it can be read (without
    // a connection, as this device last read it, if it did).
    let load = move || {
        spawn_local(async move {
            let Ok(rows) =
                api::get::<Vec<AttendanceView>>(&format!("/api/v1/sessions/{id}/attendance")).await
            else {
                return;
            };
            lines.update(|ls| {
                for l in ls.iter_mut() {
                    if let Some((st, note)) = rows
                        .iter()
                        .find(|a| a.person_id == l.person_id)
                        .and_then(|a| a.status.map(|st| (st, a.note.clone())))
                    {
                        l.status = Some(st);
                        l.note = note.clone().unwrap_or_default();
                        l.was = Some((st, note));
                    }
                }
            });
        });
    };
    let toggle = move |_| {
        let now = !open.get_untracked();
        set_open(now);
        if now {
            load();
        }
    };
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let records = lines.with_untracked(|ls| ls.iter().filter_map(Line::record).collect());
        send(held.get_untracked(), records);
    };
    let form_id = format!("log-{id}");
    let has_people = brief.with_value(|s| !s.participants.is_empty());
    let line = move |i: usize, f: &dyn Fn(&mut Line)| {
        lines.update(|ls| {
            if let Some(l) = ls.get_mut(i) {
                f(l)
            }
        })
    };
    view! {
        <Show when=move || waiting(false)>
            <span class="chip" role="status" data-test="queued">{tr("tutoring.queued")}</span>
        </Show>
        <Show when=move || !waiting(true)>
            <div class="log-actions">
                <button class="secondary small" type="button" data-action="log-held"
                    on:click=move |_| send(true, Vec::new())>{tr("tutoring.mark_held")}</button>
                {has_people.then(|| view! {
                    <button class="secondary small" type="button" data-action="log-attendance"
                        aria-expanded=move || open.get().to_string() aria-controls=form_id.clone()
                        on:click=toggle>{tr("tutoring.who_came")}</button>
                })}
            </div>
            <Show when=move || open.get()>
                <form class="log-register" id=format!("log-{id}") data-form="log-attendance" on:submit=save>
                    {brief.with_value(|s| s.participants.clone()).into_iter().enumerate().map(|(i, p)| {
                        let status_id = format!("log-{id}-{}", p.id);
                        let note_label = tf("tutoring.note_for", &[("name", &p.name)]);
                        let status_of = move || lines.with(|ls| ls.get(i).and_then(|l| l.status));
                        view! {
                            <div class="log-person" data-person=p.id.to_string()>
                                <label for=status_id.clone()>{p.name.clone()}</label>
                                <select id=status_id data-field="status"
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let st = AttendanceStatus::ALL.into_iter().find(|s| s.as_str() == v);
                                        line(i, &|l| l.status = st);
                                    }>
                                    <option value="" selected=move || status_of().is_none()>"—"</option>
                                    {AttendanceStatus::ALL.into_iter().map(|st| view! {
                                        <option value=st.as_str() selected=move || status_of() == Some(st)>
                                            {move || t(&format!("tutoring.attendance.{}", st.as_str()))}
                                        </option>
                                    }).collect_view()}
                                </select>
                                <input type="text" data-field="note" maxlength=ATTENDANCE_NOTE_MAX.to_string()
                                    aria-label=note_label placeholder=move || t("tutoring.note")
                                    prop:value=move || lines.with(|ls| ls.get(i).map(|l| l.note.clone()).unwrap_or_default())
                                    on:input=move |ev| { let v = event_target_value(&ev); line(i, &|l| l.note = v.clone()); } />
                            </div>
                        }
                    }).collect_view()}
                    <button class="secondary small" type="button" data-action="all-present"
                        on:click=move |_| lines.update(|ls| for l in ls.iter_mut() {
                            l.status.get_or_insert(AttendanceStatus::Present);
                        })>{tr("tutoring.all_present")}</button>
                    <label class="check">
                        <input type="checkbox" data-field="held" prop:checked=move || held.get()
                            on:change=move |ev| held.set(event_target_checked(&ev)) />
                        {tr("tutoring.was_held")}
                    </label>
                    <div class="actions">
                        <button class="primary small" type="submit" data-action="save-log">{tr("tutoring.save_log")}</button>
                        <button class="secondary small" type="button" on:click=move |_| set_open(false)>{tr("common.cancel")}</button>
                    </div>
                </form>
            </Show>
        </Show>
    }
}
