//! In tutoring, the students list shows beside each profile their rate
//! (for who sees amounts), the sessions left on their packages and their
//! next session; a student's panel shows all their rates, packages and
//! next sessions. Read a page of students at once.

use crate::api;
use crate::i18n::{self, t, tf, tr};
use crate::session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{RateUnit, RateView, StudentSummary};
use rapport_domain::{Module, Template};
use std::collections::HashMap;
use uuid::Uuid;

/// Whether the list is a tutoring business's students (with their sessions).
pub fn shown() -> bool {
    let s = session::current();
    s.me.with(|m| m.as_ref().map(|m| m.workspace.template)) == Some(Template::Tutoring)
        && s.has_module(Module::Scheduling)
}

/// Whether the caller sees amounts (an admin).
fn sees_money() -> bool {
    session::current().can(rapport_domain::Permission::FinanceRead)
}

/// The summaries of `ids`, by person.
pub async fn summaries(ids: Vec<Uuid>) -> HashMap<Uuid, StudentSummary> {
    let mut all = HashMap::new();
    for chunk in ids.chunks(100) {
        let q = chunk
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(list) =
            api::get::<Vec<StudentSummary>>(&format!("/api/v1/student-summaries?ids={q}")).await
        {
            all.extend(list.into_iter().map(|s| (s.person_id, s)));
        }
    }
    all
}

/// The summaries of the list's rows, read again as the rows change.
pub fn of_rows(
    rows: RwSignal<Vec<rapport_domain::api::PersonView>>,
) -> RwSignal<HashMap<Uuid, StudentSummary>> {
    let found = RwSignal::new(HashMap::new());
    Effect::new(move |_| {
        let ids: Vec<Uuid> = rows.with(|r| r.iter().map(|p| p.id).collect());
        if ids.is_empty() || !shown() {
            return;
        }
        spawn_local(async move { found.set(summaries(ids).await) });
    });
    found
}

fn rate_text(r: &RateView) -> String {
    let amount = i18n::money(r.amount.amount_minor, &r.amount.currency);
    match r.unit {
        RateUnit::Hour => tf("people.per_hour", &[("amount", &amount)]),
        RateUnit::Session => tf("people.per_session", &[("amount", &amount)]),
    }
}

/// The list's headers of these columns.
#[component]
pub fn Headers() -> impl IntoView {
    view! {
        <Show when=sees_money>
            <th scope="col">{tr("people.rate")}</th>
        </Show>
        <th scope="col">{tr("people.sessions_left")}</th>
        <th scope="col">{tr("people.next_session")}</th>
    }
}

/// One row's cells.
#[component]
pub fn Cells(id: Uuid, found: RwSignal<HashMap<Uuid, StudentSummary>>) -> impl IntoView {
    let zone = session::time_zone();
    let summary = move || found.with(|f| f.get(&id).cloned());
    view! {
        <Show when=sees_money>
            <td data-test="rate">{move || summary().and_then(|s| s.rates).map(|r| match r.as_slice() {
                [] => String::new(),
                [one] => rate_text(one),
                [first, rest @ ..] => format!("{} +{}", rate_text(first), rest.len()),
            }).unwrap_or_default()}</td>
        </Show>
        <td data-test="sessions-left">{move || summary().filter(|s| !s.packages.is_empty()).map(|s| s.sessions_left.to_string()).unwrap_or_default()}</td>
        <td data-test="next-session">{move || summary().and_then(|s| s.next.first().map(|n| format!("{} · {}", i18n::datetime(&n.starts_at, &zone), n.title))).unwrap_or_default()}</td>
    }
}

/// A student's panel: their rates, packages and next sessions.
#[component]
pub fn Panel(id: Uuid) -> impl IntoView {
    let zone = session::time_zone();
    let summary = LocalResource::new(move || async move { summaries(vec![id]).await.remove(&id) });
    view! {
        <section class="student-tutoring" data-test="student-tutoring" aria-label=tr("people.sessions_packages")>
            <h3>{tr("people.sessions_packages")}</h3>
            {move || summary.get().flatten().map(|s| {
                let zone = zone.clone();
                view! {
                    {s.rates.map(|rates| view! {
                        <p><strong>{tr("people.rate")}": "</strong>
                            {if rates.is_empty() { t("people.no_rate") } else { rates.iter().map(|r| {
                                let mut text = rate_text(r);
                                if let Some(subject) = &r.subject {
                                    text.push_str(&format!(" ({subject})"));
                                }
                                text
                            }).collect::<Vec<_>>().join(", ") }}
                        </p>
                    })}
                    <p data-test="packages-left"><strong>{tr("people.sessions_left")}": "</strong>
                        {if s.packages.is_empty() { t("people.no_package") } else {
                            s.packages.iter().map(|p| tf("people.package_left", &[
                                ("name", &p.name), ("left", &p.remaining.to_string()), ("of", &p.sessions.to_string()),
                            ])).collect::<Vec<_>>().join(", ")
                        }}
                    </p>
                    <p><strong>{tr("people.next_sessions")}</strong></p>
                    {if s.next.is_empty() {
                        view! { <p class="empty">{tr("people.no_next")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain" data-test="next-sessions">
                                {s.next.into_iter().map(|n| view! {
                                    <li>{i18n::datetime(&n.starts_at, &zone)}" · "{n.title}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            })}
        </section>
    }
}
