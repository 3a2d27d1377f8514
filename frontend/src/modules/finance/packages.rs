//! Packages of prepaid sessions: what each student bought, how much of it
//! is used (a bar per package), and the form that sells one (its invoice
//! is issued at once).

use super::{day, refused, StudentField};
use crate::api::{self, ApiError};
use crate::components::form::{field_error, FormError};
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{money, t, tf, tr};
use crate::live::Live;
use crate::modules::payments::parse_minor;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{Money, NewPackage, PackagePage, PackageView};
use rapport_domain::problem::FieldCode;
use rapport_domain::Permission;
use uuid::Uuid;

#[component]
pub fn Packages(people: LocalResource<Vec<(Uuid, String)>>) -> impl IntoView {
    let session = session::current();
    let manage = move || session.can(Permission::FinanceManage);
    let live = expect_context::<Live>();
    let list = LocalResource::new(|| async {
        api::get::<PackagePage>("/api/v1/packages?limit=100")
            .await
            .map(|p| p.data)
    });
    live.on_event(move |e| {
        // A session logged draws on a package: its count changes too.
        if e.kind.starts_with("package.")
            || e.kind.starts_with("credit_note.")
            || e.kind.starts_with("session.")
            || e.kind.starts_with("attendance.")
        {
            list.refetch();
        }
    });
    let person_name = move |id: Uuid| {
        people
            .get()
            .and_then(|l| l.into_iter().find(|(p, _)| *p == id).map(|(_, n)| n))
            .unwrap_or_default()
    };
    view! {
        <h2>{tr("finance.packages")}</h2>
        <p class="hint">{tr("finance.packages_lead")}</p>
        <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(l) if l.is_empty() => view! {
                    <p class="empty" data-test="no-packages">{tr("finance.no_packages")}</p>
                }.into_any(),
                Ok(l) => view! {
                    <table class="table dense" data-test="packages" aria-label=tr("finance.packages")>
                        <thead><tr>
                            <th scope="col">{tr("finance.student")}</th>
                            <th scope="col">{tr("finance.package")}</th>
                            <th scope="col">{tr("finance.used")}</th>
                            <th scope="col" class="num">{tr("finance.price")}</th>
                            <th scope="col">{tr("finance.invoice")}</th>
                        </tr></thead>
                        <tbody>
                            {l.into_iter().map(|p| view! { <PackageRow p=p person_name=person_name /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
        <Show when=manage>
            <SellForm people=people on_done=move || list.refetch() />
        </Show>
    }
}

#[component]
fn PackageRow(
    p: PackageView,
    person_name: impl Fn(Uuid) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let who = p.person_id;
    let share = if p.sessions > 0 {
        (f64::from(p.used) / f64::from(p.sessions) * 100.0).round() as i32
    } else {
        0
    };
    let used = tf(
        "finance.used_of",
        &[
            ("used", &p.used.to_string()),
            ("sessions", &p.sessions.to_string()),
        ],
    );
    let left = if p.cancelled {
        t("finance.package_cancelled")
    } else {
        tf("finance.left", &[("n", &p.remaining.to_string())])
    };
    let mut about = p
        .subject
        .clone()
        .unwrap_or_else(|| t("finance.any_subject"));
    if let Some(until) = p.expires_on {
        about = format!("{about} · {}", tf("finance.until", &[("day", &day(until))]));
    }
    view! {
        <tr data-package=p.id.to_string() class:muted=p.cancelled>
            <td>{move || person_name(who)}</td>
            <td>
                <div>{p.name.clone()}</div>
                <div class="hint">{about}</div>
            </td>
            <td>
                <svg class="bars meter" viewBox="0 0 100 10" role="img" aria-label=used.clone()>
                    <rect x="0" y="0" width="100" height="10" rx="3" class="track" />
                    <rect x="0" y="0" width=share.to_string() height="10" rx="3" class="bar" />
                </svg>
                <div class="hint" data-test="package-use">{used}" · "{left}</div>
            </td>
            <td class="num">{money(p.price.amount_minor, &p.price.currency)}</td>
            <td>{tf("finance.no", &[("n", &p.invoice_number.to_string())])}</td>
        </tr>
    }
}

#[component]
fn SellForm(
    people: LocalResource<Vec<(Uuid, String)>>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let person = RwSignal::new(None::<Uuid>);
    let name = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let sessions = RwSignal::new(String::from("10"));
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new(String::from("EUR"));
    let expires = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let name_error = field_error(errors, "name");
    let sessions_error = field_error(errors, "sessions");
    let amount_error = field_error(errors, "price.amount_minor");
    let currency_error = field_error(errors, "price.currency");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(person_id) = person.get_untracked() else {
            errors.set(Some(refused("person_id", FieldCode::Required)));
            return;
        };
        let Ok(count) = sessions.get_untracked().trim().parse::<i32>() else {
            errors.set(Some(refused("sessions", FieldCode::Range)));
            return;
        };
        let Some(minor) = parse_minor(&amount.get_untracked()) else {
            errors.set(Some(refused("price.amount_minor", FieldCode::Format)));
            return;
        };
        let subject = subject.get_untracked().trim().to_string();
        let body = NewPackage {
            person_id,
            name: name.get_untracked().trim().to_string(),
            subject: (!subject.is_empty()).then_some(subject),
            sessions: count,
            price: Money {
                amount_minor: minor,
                currency: currency.get_untracked().trim().to_uppercase(),
            },
            starts_on: None,
            expires_on: expires.get_untracked().parse().ok(),
            due_days: None,
        };
        spawn_local(async move {
            match api::post::<_, PackageView>("/api/v1/packages", &body).await {
                Ok(p) => {
                    errors.set(None);
                    name.set(String::new());
                    amount.set(String::new());
                    toasts.success(tf(
                        "finance.package_sold",
                        &[("n", &p.invoice_number.to_string())],
                    ));
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form card" data-form="package" on:submit=submit novalidate=true>
            <h3>{tr("finance.sell_package")}</h3>
            <p class="hint">{tr("finance.sell_package_lead")}</p>
            <div class="row">
                <StudentField id="package-person" people=people person=person errors=errors />
                <div class="field" class:invalid=move || name_error().is_some()>
                    <label for="package-name">{tr("finance.package_name")}</label>
                    <input id="package-name" required maxlength="200" placeholder=tr("finance.package_name_example")
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{move || name_error().unwrap_or_default()}</p>
                </div>
                <div class="field">
                    <label for="package-subject">{tr("finance.subject")}</label>
                    <input id="package-subject" maxlength="200"
                        prop:value=move || subject.get()
                        on:input=move |ev| subject.set(event_target_value(&ev)) />
                    <p class="hint">{tr("finance.subject_hint")}</p>
                </div>
            </div>
            <div class="row">
                <div class="field" class:invalid=move || sessions_error().is_some()>
                    <label for="package-sessions">{tr("finance.sessions")}</label>
                    <input id="package-sessions" required inputmode="numeric" size="5"
                        prop:value=move || sessions.get()
                        on:input=move |ev| sessions.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{move || sessions_error().unwrap_or_default()}</p>
                </div>
                <div class="field" class:invalid=move || amount_error().is_some()>
                    <label for="package-amount">{tr("finance.price")}</label>
                    <input id="package-amount" required inputmode="decimal" placeholder="400.00"
                        prop:value=move || amount.get()
                        on:input=move |ev| amount.set(event_target_value(&ev)) />
                    <p class="error" role="alert">{move || amount_error().unwrap_or_default()}</p>
                </div>
                <div class="field" class:invalid=move || currency_error().is_some()>
                    <label for="package-currency">{tr("finance.currency")}</label>
                    <input id="package-currency" required maxlength="3" size="4"
                        prop:value=move || currency.get()
                        on:input=move |ev| currency.set(event_target_value(&ev).to_uppercase()) />
                    <p class="error" role="alert">{move || currency_error().unwrap_or_default()}</p>
                </div>
                <div class="field">
                    <label for="package-expires">{tr("finance.expires_on")}</label>
                    <input id="package-expires" type="date"
                        prop:value=move || expires.get()
                        on:input=move |ev| expires.set(event_target_value(&ev)) />
                </div>
            </div>
            <FormError errors=errors />
            <button class="primary" type="submit" data-action="sell-package">{tr("finance.sell_package")}</button>
        </form>
    }
}
