//! Medals: a student's bronze, silver and gold and their history; a
//! teacher chooses a student, sees what they may still award this month
//! and awards a medal with why. Arrivals show live, with a toast for the
//! student who receives one.

use crate::api;
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    Allowance, AwardRequest, Balance, ExchangeRequest, LedgerEntryView, Medal, MedalSettings, Page,
    PersonPage,
};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

#[leptos::lazy]
fn page() -> AnyView {
    view! { <Medals /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "medals",
    label: "medals",
    section: Section::Records,
    visible: |s| s.has_module(Module::Medals) && s.can(Permission::MedalsRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

fn medal_label(m: Medal) -> String {
    t(&format!("medals.{}", m.as_str()))
}

/// A person's medals, from their balances: gold, silver, bronze.
fn counts(list: &[Balance]) -> [i64; 3] {
    [Medal::Gold, Medal::Silver, Medal::Bronze].map(|m| {
        list.iter()
            .find(|b| b.currency == m.currency())
            .map_or(0, |b| b.balance_minor)
    })
}

#[component]
fn Counters(balances: Vec<Balance>) -> impl IntoView {
    let [gold, silver, bronze] = counts(&balances);
    view! {
        <div class="medal-counters" data-test="medals">
            <div class="medal gold"><span class="count">{gold}</span><span>{tr("medals.gold")}</span></div>
            <div class="medal silver"><span class="count">{silver}</span><span>{tr("medals.silver")}</span></div>
            <div class="medal bronze"><span class="count">{bronze}</span><span>{tr("medals.bronze")}</span></div>
        </div>
    }
}

#[component]
fn Medals() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let awarding = move || session.can(Permission::MedalsAward);
    let version = RwSignal::new(0u32);
    let people = LocalResource::new(|| async {
        api::get::<PersonPage>("/api/v1/people?limit=200&sort=name")
            .await
            .map(|p| p.data)
            .unwrap_or_default()
    });
    let names = Memo::new(move |_| {
        people
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.id, format!("{} {}", p.first_name, p.last_name)))
            .collect::<HashMap<Uuid, String>>()
    });
    // A student's own record; a teacher's choice.
    let chosen = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        if !awarding() {
            if let Some(list) = people.get() {
                chosen.set(
                    list.into_iter()
                        .find(|p| p.user_id.is_some() && p.user_id == me)
                        .map(|p| p.id),
                );
            }
        }
    });
    let settings = LocalResource::new(|| async {
        api::get::<MedalSettings>("/api/v1/medals/settings")
            .await
            .ok()
    });
    let balances = LocalResource::new(move || {
        version.track();
        let who = chosen.get();
        async move {
            match who {
                Some(p) => api::get::<Vec<Balance>>(&format!("/api/v1/people/{p}/balances"))
                    .await
                    .unwrap_or_default(),
                None => vec![],
            }
        }
    });
    let allowance = LocalResource::new(move || {
        version.track();
        let who = chosen.get();
        async move {
            match (who, awarding()) {
                (Some(p), true) => {
                    api::get::<Allowance>(&format!("/api/v1/medals/allowance?person_id={p}"))
                        .await
                        .ok()
                }
                _ => None,
            }
        }
    });
    let history = LocalResource::new(move || {
        version.track();
        let who = chosen.get();
        async move {
            let filter = who.map(|p| format!("&person_id={p}")).unwrap_or_default();
            api::get::<Page<LedgerEntryView>>(&format!(
                "/api/v1/ledger?kind=medals&limit=30{filter}"
            ))
            .await
            .map(|p| p.data)
            .unwrap_or_default()
        }
    });
    live.on_event(move |e| {
        if e.kind != "ledger_entry.created" {
            return;
        }
        version.update(|v| *v += 1);
        // The student who receives a medal is told so.
        let currency = e.data["currency"].as_str().unwrap_or_default();
        let gained = e.data["amount_minor"].as_i64().unwrap_or_default() > 0;
        let person = e.data["person_id"]
            .as_str()
            .and_then(|p| p.parse::<Uuid>().ok());
        if let (false, true, Some(m)) = (awarding(), gained, Medal::of_currency(currency)) {
            if person.is_some() && person == chosen.get_untracked() {
                let reason = e.data["reason"].as_str().unwrap_or_default();
                toasts.success(tf(
                    "medals.received",
                    &[("medal", &medal_label(m)), ("reason", reason)],
                ));
                live.told();
            }
        }
    });
    let errors = RwSignal::new(None::<api::ApiError>);
    let reason = RwSignal::new(String::new());
    let award = move |medal: Medal| {
        let Some(person_id) = chosen.get_untracked() else {
            return;
        };
        let body = AwardRequest {
            person_id,
            medal,
            reason: reason.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, LedgerEntryView>("/api/v1/medals/awards", &body).await {
                Ok(_) => {
                    errors.set(None);
                    reason.set(String::new());
                    toasts.success(t("medals.awarded"));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let exchange = move || {
        let body = ExchangeRequest {
            person_id: None,
            silver: 1,
        };
        spawn_local(async move {
            match api::post::<_, LedgerEntryView>("/api/v1/medals/exchange", &body).await {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("medals.exchanged"));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="page" data-page="medals">
            <header class="page-header">
                <div>
                    <h1>{move || template_label("medals")}</h1>
                    <p class="lead">{tr("medals.lead")}</p>
                </div>
            </header>
            <Show when=awarding fallback=move || view! {
                <Show when=move || chosen.get().is_some() || people.get().is_none()
                    fallback=|| view! { <p class="empty">{tr("medals.no_person")}</p> }>
                    <h2>{tr("medals.mine")}</h2>
                </Show>
            }>
                <div class="field medal-student">
                    <label for="medal-student">{tr("medals.student")}</label>
                    <select id="medal-student" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=true>{tr("medals.choose")}</option>
                        {move || people.get().map(|list| list.into_iter().map(|p| view! {
                            <option value=p.id.to_string()>{format!("{} {}", p.first_name, p.last_name)}</option>
                        }).collect_view())}
                    </select>
                </div>
            </Show>
            <FormError errors=errors />
            <Show when=move || chosen.get().is_some()
                fallback=move || view! { <Show when=awarding><p class="empty">{tr("medals.pick")}</p></Show> }>
                <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                    {move || balances.get().map(|list| view! { <Counters balances=list /> })}
                </Suspense>
                <Show when=awarding>
                    <form class="form award" data-form="award" on:submit=move |ev| ev.prevent_default()>
                        <div class="field">
                            <label for="award-reason">{tr("medals.reason")}</label>
                            <input id="award-reason" required maxlength="500" placeholder=tr("medals.reason_hint")
                                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                        </div>
                        <div class="actions award-buttons">
                            {[Medal::Gold, Medal::Silver, Medal::Bronze].into_iter().map(|m| {
                                let left = move || allowance.get().flatten().map(|a| match m {
                                    Medal::Gold => a.gold,
                                    Medal::Silver => a.silver,
                                    Medal::Bronze => a.bronze,
                                });
                                view! {
                                    <button type="button" class=format!("medal-button {}", m.as_str())
                                        disabled=move || left() == Some(0) || reason.get().trim().is_empty()
                                        on:click=move |_| award(m)>
                                        <span>{format!("{} {}", t("medals.award"), medal_label(m))}</span>
                                        <small>{move || left().map(|n| tf("medals.left", &[("n", &n.to_string())])).unwrap_or_default()}</small>
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                    </form>
                </Show>
                <Show when=move || !awarding() && settings.get().flatten().and_then(|s| s.bronze_per_silver).is_some()>
                    <button class="exchange" on:click=move |_| exchange()>
                        {move || tf("medals.exchange", &[("n", &settings.get().flatten().and_then(|s| s.bronze_per_silver).unwrap_or_default().to_string())])}
                    </button>
                </Show>
            </Show>
            <h2>{tr("medals.history")}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
                {move || history.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{tr("medals.none")}</p> }.into_any();
                    }
                    view! {
                        <ul class="agenda medal-history" data-test="medal-history">
                            {list.into_iter().map(|e| {
                                let m = Medal::of_currency(&e.currency);
                                let who = e.person_id;
                                let sign = if e.amount_minor > 0 { "+" } else { "" };
                                view! {
                                    <li class:corrected=e.corrected_by.is_some() || e.corrects.is_some()>
                                        <span class="when">{e.created_at.format("%Y-%m-%d %H:%M").to_string()}</span>
                                        <span class="what">{move || names.with(|n| n.get(&who).cloned()).unwrap_or_default()}" — "{e.reason.clone()}</span>
                                        <span class=format!("medal-chip {}", m.map(|m| m.as_str()).unwrap_or_default())>
                                            {format!("{sign}{} {}", e.amount_minor, m.map(medal_label).unwrap_or_default())}
                                        </span>
                                        <span></span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
