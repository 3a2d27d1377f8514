//! Tuition: admins see who owes what and since when, record payments
//! (with a receipt to download and mailed to the guardians), charge the
//! month and keep the fee plans; a student sees their own balance,
//! charges and receipts. Everything follows live.

use crate::api;
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{money, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use chrono::NaiveDate;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    Aging, ChargeRun, ChargeView, CreateFeePlan, DebtReport, FeePlanView, GroupPage, Money, Page,
    PaymentMethod, PaymentView, PersonPage, RecordPayment, RunCharges, UpdateFeePlan,
};
use rapport_domain::problem::{FieldCode, FieldError};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

#[leptos::lazy]
fn page() -> AnyView {
    view! { <Tuition /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "payments",
    label: "payments",
    section: Section::Records,
    visible: |s| s.has_module(Module::Payments) && s.can(Permission::PaymentsRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// An amount typed as people write it ("120", "120.5", "120,50") in minor
/// units; never through a float.
pub fn parse_minor(text: &str) -> Option<i64> {
    let text = text.trim().replace([' ', '\u{a0}'], "");
    let (whole, cents) = match text.split_once(['.', ',']) {
        Some((w, c)) => (w, c),
        None => (text.as_str(), ""),
    };
    if whole.is_empty() && cents.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
        || cents.len() > 2
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

/// What the form refuses before sending, said as the server would.
fn refused(field: &str, code: FieldCode) -> api::ApiError {
    api::invalid(vec![FieldError::new(field, code, "")])
}

/// The first day of this month, on the device's calendar.
fn this_month() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, 1).unwrap_or_default()
}

fn month_label(m: NaiveDate) -> String {
    format!("{}-{:02}", m.format("%Y"), m.format("%m"))
}

/// How old the debts are, as one bar: a part per age, widest the most owed.
#[component]
fn AgingBar(aging: Aging) -> impl IntoView {
    let parts = [
        ("a0", aging.days_0_30, "payments.age.0_30"),
        ("a31", aging.days_31_60, "payments.age.31_60"),
        ("a61", aging.days_61_90, "payments.age.61_90"),
        ("a90", aging.days_90_plus, "payments.age.90_plus"),
    ];
    let total: i64 = parts.iter().map(|p| p.1).sum::<i64>().max(1);
    let mut x = 0.0;
    let rects = parts
        .iter()
        .filter(|p| p.1 > 0)
        .map(|(class, amount, label)| {
            let w = *amount as f64 * 1000.0 / total as f64;
            let at = x;
            x += w;
            view! {
                <rect class=format!("age {class}") x=at.to_string() y="0" width=w.to_string() height="24">
                    <title>{t(label)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg class="aging-bar" viewBox="0 0 1000 24" preserveAspectRatio="none" role="img" aria-label=t("payments.aging")>
            {rects}
        </svg>
        <ul class="legend">
            {parts.iter().map(|(class, _, label)| view! {
                <li><span class=format!("swatch age {class}")></span>{t(label)}</li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn Tuition() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let manage = move || session.can(Permission::PaymentsManage);
    let version = RwSignal::new(0u32);
    live.on_event(move |e| {
        if e.kind.starts_with("payment.")
            || e.kind.starts_with("tuition_charge.")
            || e.kind.starts_with("fee_plan.")
        {
            version.update(|v| *v += 1);
        }
    });
    let debts = LocalResource::new(move || {
        version.track();
        async move { api::get::<DebtReport>("/api/v1/debts?limit=200").await.ok() }
    });
    let payments = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<Page<PaymentView>>("/api/v1/payments?limit=30")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        }
    });
    let charges = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<Page<ChargeView>>("/api/v1/charges?limit=30")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        }
    });
    let plans = LocalResource::new(move || {
        version.track();
        async move {
            if !manage() {
                return Vec::new();
            }
            api::get::<Page<FeePlanView>>("/api/v1/fee-plans?limit=200")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        }
    });
    let people = LocalResource::new(move || async move {
        api::get::<PersonPage>("/api/v1/people?limit=200")
            .await
            .map(|p| {
                p.data
                    .into_iter()
                    .map(|p| (p.id, format!("{} {}", p.first_name, p.last_name)))
                    .collect::<Vec<(Uuid, String)>>()
            })
            .unwrap_or_default()
    });
    let classes = LocalResource::new(move || async move {
        if !manage() {
            return Vec::new();
        }
        api::get::<GroupPage>("/api/v1/groups?limit=200")
            .await
            .map(|p| {
                p.data
                    .into_iter()
                    .map(|g| (g.id, g.name))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let name_of = move |id: Uuid| {
        people
            .get()
            .and_then(|l| l.iter().find(|(p, _)| *p == id).map(|(_, n)| n.clone()))
            .unwrap_or_default()
    };
    let errors = RwSignal::new(None::<api::ApiError>);
    let receipt = move |id: Uuid| {
        spawn_local(async move {
            if let Err(e) = api::download(&format!("/api/v1/payments/{id}/receipt")).await {
                errors.set(Some(e));
            }
        });
    };

    // Recording a payment.
    let payer = RwSignal::new(None::<Uuid>);
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new("USD".to_string());
    let method = RwSignal::new(PaymentMethod::Cash);
    let note = RwSignal::new(String::new());
    let record = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(person_id) = payer.get_untracked() else {
            errors.set(Some(refused("person_id", FieldCode::Required)));
            return;
        };
        let Some(minor) = parse_minor(&amount.get_untracked()) else {
            errors.set(Some(refused("amount.amount_minor", FieldCode::Format)));
            return;
        };
        let n = note.get_untracked();
        let body = RecordPayment {
            person_id,
            amount: Money {
                amount_minor: minor,
                currency: currency.get_untracked(),
            },
            method: method.get_untracked(),
            paid_on: None,
            note: (!n.trim().is_empty()).then_some(n),
        };
        spawn_local(async move {
            match api::post::<_, PaymentView>("/api/v1/payments", &body).await {
                Ok(p) => {
                    errors.set(None);
                    amount.set(String::new());
                    note.set(String::new());
                    toasts.success(tf(
                        "payments.recorded",
                        &[("n", &p.receipt_number.to_string())],
                    ));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let collect = move |person: Uuid, owed: i64, cur: String| {
        payer.set(Some(person));
        amount.set(format!("{}.{:02}", owed / 100, owed % 100));
        currency.set(cur);
        if let Some(el) = leptos::prelude::document().get_element_by_id("pay-amount") {
            use wasm_bindgen::JsCast;
            if let Ok(input) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        }
    };

    // Charging the month.
    let run_month = move |_| {
        let body = RunCharges {
            month: this_month(),
        };
        spawn_local(async move {
            match api::post::<_, ChargeRun>("/api/v1/charges/run", &body).await {
                Ok(r) => {
                    errors.set(None);
                    toasts.success(tf(
                        "payments.charged",
                        &[
                            ("n", &r.charged.to_string()),
                            ("already", &r.already.to_string()),
                        ],
                    ));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };

    // A new plan.
    let plan_name = RwSignal::new(String::new());
    let plan_amount = RwSignal::new(String::new());
    let plan_currency = RwSignal::new("USD".to_string());
    let plan_for = RwSignal::new(String::new());
    let add_plan = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(minor) = parse_minor(&plan_amount.get_untracked()) else {
            errors.set(Some(refused("amount.amount_minor", FieldCode::Format)));
            return;
        };
        let whom = plan_for.get_untracked();
        let (group_id, person_id) = match whom.split_once(':') {
            Some(("g", id)) => (id.parse().ok(), None),
            Some(("p", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        let body = CreateFeePlan {
            name: plan_name.get_untracked(),
            amount: Money {
                amount_minor: minor,
                currency: plan_currency.get_untracked(),
            },
            group_id,
            person_id,
            first_month: None,
            active: true,
        };
        spawn_local(async move {
            match api::post::<_, FeePlanView>("/api/v1/fee-plans", &body).await {
                Ok(_) => {
                    errors.set(None);
                    plan_name.set(String::new());
                    plan_amount.set(String::new());
                    toasts.success(t("payments.plan_added"));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let toggle_plan = move |p: FeePlanView| {
        let body = UpdateFeePlan {
            active: Some(!p.active),
            ..Default::default()
        };
        spawn_local(async move {
            let r =
                api::patch::<_, FeePlanView>(&format!("/api/v1/fee-plans/{}", p.id), &body).await;
            if let Err(e) = r {
                errors.set(Some(e));
            }
            version.update(|v| *v += 1);
        });
    };

    view! {
        <section class="page" data-page="payments">
            <header class="page-header">
                <div>
                    <h1>{move || template_label("payments")}</h1>
                    <p class="lead">{move || if manage() { t("payments.lead") } else { t("payments.lead_own") }}</p>
                </div>
                <Show when=manage>
                    <button class="primary" data-action="charge-month" on:click=run_month>{tr("payments.charge_month")}</button>
                </Show>
            </header>
            <FormError errors=errors />
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
                {move || debts.get().map(|report| {
                    let Some(report) = report else { return ().into_any() };
                    if report.data.is_empty() {
                        return view! { <p class="empty good" data-test="no-debts">{move || if manage() { t("payments.no_debts") } else { t("payments.no_debt_own") }}</p> }.into_any();
                    }
                    view! {
                        <div class="cards" data-test="debt-totals">
                            {report.totals.iter().map(|tot| view! {
                                <article class="card stat">
                                    <h3>{t("payments.owed")}</h3>
                                    <p class="figure">{money(tot.debt_minor, &tot.currency)}</p>
                                    <p class="hint">{tf("payments.debtors", &[("n", &tot.debtors.to_string())])}</p>
                                    <AgingBar aging=tot.aging />
                                </article>
                            }).collect_view()}
                        </div>
                        <table class="table" data-test="debtors">
                            <thead><tr>
                                <th>{tr("payments.student")}</th>
                                <th class="num">{tr("payments.owed")}</th>
                                <th class="num">{tr("payments.age.0_30")}</th>
                                <th class="num">{tr("payments.age.31_60")}</th>
                                <th class="num">{tr("payments.age.61_90")}</th>
                                <th class="num">{tr("payments.age.90_plus")}</th>
                                <th>{tr("payments.since")}</th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {report.data.into_iter().map(|d| {
                                    let (id, owed, cur) = (d.person_id, d.debt_minor, d.currency.clone());
                                    let c = d.currency.clone();
                                    let m = move |n: i64| if n == 0 { String::new() } else { money(n, &c) };
                                    view! {
                                        <tr>
                                            <td>{format!("{} {}", d.first_name, d.last_name)}</td>
                                            <td class="num strong">{money(d.debt_minor, &d.currency)}</td>
                                            <td class="num">{m(d.aging.days_0_30)}</td>
                                            <td class="num">{m(d.aging.days_31_60)}</td>
                                            <td class="num warn">{m(d.aging.days_61_90)}</td>
                                            <td class="num danger">{m(d.aging.days_90_plus)}</td>
                                            <td>{d.oldest_open_month.map(month_label)}</td>
                                            <td>
                                                <Show when=manage>
                                                    {
                                                        let cur = cur.clone();
                                                        view! { <button on:click=move |_| collect(id, owed, cur.clone())>{tr("payments.collect")}</button> }
                                                    }
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })}
            </Suspense>
            <Show when=manage>
                <form class="form card" data-form="payment" on:submit=record>
                    <h2>{tr("payments.record")}</h2>
                    <div class="row">
                        <div class="field">
                            <label for="pay-person">{tr("payments.student")}</label>
                            <select id="pay-person" required
                                prop:value=move || payer.get().map(|p| p.to_string()).unwrap_or_default()
                                on:change=move |ev| payer.set(event_target_value(&ev).parse().ok())>
                                <option value="">{tr("payments.pick_student")}</option>
                                {move || people.get().map(|list| list.into_iter().map(|(id, name)| view! {
                                    <option value=id.to_string()>{name}</option>
                                }).collect_view())}
                            </select>
                        </div>
                        <div class="field">
                            <label for="pay-amount">{tr("payments.amount")}</label>
                            <input id="pay-amount" required inputmode="decimal" placeholder="120.00"
                                prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="pay-currency">{tr("payments.currency")}</label>
                            <input id="pay-currency" required maxlength="3" size="4"
                                prop:value=move || currency.get() on:input=move |ev| currency.set(event_target_value(&ev).to_uppercase()) />
                        </div>
                        <div class="field">
                            <label for="pay-method">{tr("payments.method")}</label>
                            <select id="pay-method" on:change=move |ev| {
                                if let Ok(m) = event_target_value(&ev).parse() { method.set(m) }
                            }>
                                {PaymentMethod::ALL.iter().map(|m| view! {
                                    <option value=m.as_str() selected=*m == PaymentMethod::Cash>{t(&format!("payments.method.{}", m.as_str()))}</option>
                                }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <div class="field">
                        <label for="pay-note">{tr("payments.note")}</label>
                        <input id="pay-note" maxlength="500" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                    </div>
                    <button class="primary" type="submit">{tr("payments.record")}</button>
                </form>
            </Show>
            <h2>{move || if manage() { t("payments.recent") } else { t("payments.mine") }}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                {move || payments.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{tr("payments.no_payments")}</p> }.into_any();
                    }
                    view! {
                        <table class="table" data-test="payments">
                            <thead><tr>
                                <th>{tr("payments.receipt_no")}</th>
                                <th>{tr("payments.paid_on")}</th>
                                <th>{tr("payments.student")}</th>
                                <th class="num">{tr("payments.amount")}</th>
                                <th>{tr("payments.method")}</th>
                                <th>{tr("payments.applied_to")}</th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| {
                                    let id = p.id;
                                    let who = p.person_id;
                                    let applied = p.applied.iter().map(|a| a.description.clone()).collect::<Vec<_>>().join(", ");
                                    view! {
                                        <tr>
                                            <td>{format!("No. {}", p.receipt_number)}</td>
                                            <td>{p.paid_on.to_string()}</td>
                                            <td>{move || name_of(who)}</td>
                                            <td class="num">{money(p.amount.amount_minor, &p.amount.currency)}</td>
                                            <td>{t(&format!("payments.method.{}", p.method.as_str()))}</td>
                                            <td class="hint">{applied}{(p.advance_minor > 0).then(|| format!(" + {}", tf("payments.advance", &[("amount", &money(p.advance_minor, &p.amount.currency))])))}</td>
                                            <td><button data-action="receipt" on:click=move |_| receipt(id)>{tr("payments.receipt")}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })}
            </Suspense>
            <h2>{tr("payments.charges")}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                {move || charges.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{move || if manage() { t("payments.no_charges_admin") } else { t("payments.no_charges") }}</p> }.into_any();
                    }
                    view! {
                        <ul class="agenda" data-test="charges">
                            {list.into_iter().map(|c| {
                                let who = c.person_id;
                                view! {
                                    <li class:cancelled=c.voided_at.is_some()>
                                        <span class="when">{month_label(c.month)}</span>
                                        <span class="what">{c.description.clone()}{move || manage().then(|| format!(" — {}", name_of(who)))}</span>
                                        <span class="status">{money(c.amount.amount_minor, &c.amount.currency)}{(c.discount_percent > 0).then(|| format!(" (−{}%)", c.discount_percent))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Suspense>
            <Show when=manage>
                <h2>{tr("payments.plans")}</h2>
                <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                    {move || plans.get().map(|list| {
                        let class_names: HashMap<Uuid, String> = classes.get().unwrap_or_default().into_iter().collect();
                        if list.is_empty() {
                            return view! { <p class="empty">{tr("payments.no_plans")}</p> }.into_any();
                        }
                        view! {
                            <ul class="agenda" data-test="plans">
                                {list.into_iter().map(|p| {
                                    let whom = match (p.group_id, p.person_id) {
                                        (Some(g), _) => class_names.get(&g).cloned().unwrap_or_default(),
                                        (_, Some(s)) => name_of(s),
                                        _ => String::new(),
                                    };
                                    let whole = p.clone();
                                    view! {
                                        <li class:cancelled=!p.active>
                                            <span class="when">{tf("payments.from", &[("month", &month_label(p.first_month))])}</span>
                                            <span class="what">{format!("{} — {whom}", p.name)}</span>
                                            <span class="status">{tf("payments.per_month", &[("amount", &money(p.amount.amount_minor, &p.amount.currency))])}</span>
                                            <span class="actions">
                                                <button on:click=move |_| toggle_plan(whole.clone())>
                                                    {if p.active { t("payments.stop_plan") } else { t("payments.resume_plan") }}
                                                </button>
                                            </span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </Suspense>
                <form class="form card" data-form="fee-plan" on:submit=add_plan>
                    <h2>{tr("payments.add_plan")}</h2>
                    <div class="row">
                        <div class="field">
                            <label for="plan-name">{tr("payments.plan_name")}</label>
                            <input id="plan-name" required maxlength="200" prop:value=move || plan_name.get() on:input=move |ev| plan_name.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="plan-amount">{tr("payments.monthly")}</label>
                            <input id="plan-amount" required inputmode="decimal" placeholder="120.00" prop:value=move || plan_amount.get() on:input=move |ev| plan_amount.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label for="plan-currency">{tr("payments.currency")}</label>
                            <input id="plan-currency" required maxlength="3" size="4" prop:value=move || plan_currency.get() on:input=move |ev| plan_currency.set(event_target_value(&ev).to_uppercase()) />
                        </div>
                        <div class="field">
                            <label for="plan-for">{tr("payments.plan_for")}</label>
                            <select id="plan-for" required on:change=move |ev| plan_for.set(event_target_value(&ev))>
                                <option value="">{tr("payments.pick_whom")}</option>
                                <optgroup label=t("payments.classes")>
                                    {move || classes.get().map(|l| l.into_iter().map(|(id, n)| view! { <option value=format!("g:{id}")>{n}</option> }).collect_view())}
                                </optgroup>
                                <optgroup label=t("payments.students")>
                                    {move || people.get().map(|l| l.into_iter().map(|(id, n)| view! { <option value=format!("p:{id}")>{n}</option> }).collect_view())}
                                </optgroup>
                            </select>
                        </div>
                    </div>
                    <button class="primary" type="submit">{tr("payments.add_plan")}</button>
                </form>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_minor;

    #[test]
    fn amounts_are_read_as_people_write_them_without_floats() {
        assert_eq!(parse_minor("120"), Some(12000));
        assert_eq!(parse_minor(" 120.5 "), Some(12050));
        assert_eq!(parse_minor("1 200,05"), Some(120005));
        assert_eq!(parse_minor(".99"), Some(99));
        assert_eq!(parse_minor("0.1"), Some(10));
        assert_eq!(parse_minor("12.345"), None);
        assert_eq!(parse_minor("-5"), None);
        assert_eq!(parse_minor("abc"), None);
        assert_eq!(parse_minor(""), None);
        assert_eq!(parse_minor("99999999999999999999"), None);
    }
}
