//! Finance, for a tutoring business: reports of revenue, tutor cost and
//! margin by month, student, tutor or branch, with what each tutor earned
//! in a month; the invoices built from completed sessions, with their
//! credit notes and the payments against them; and the rates students pay
//! and tutors earn, and the packages of prepaid sessions students buy.
//! Everything follows live.

mod packages;

use crate::api::{self, ApiError};
use crate::components::form::{field_error, FormError};
use crate::components::layout::template_label;
use crate::components::paged::Paged;
use crate::components::toast::{toasts, Toasts};
use crate::components::ui::Skeleton;
use crate::i18n::{self, money, t, tf, tr};
use crate::live::Live;
use crate::modules::payments::parse_minor;
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use crate::session;
use chrono::{Datelike, NaiveDate, NaiveTime};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    CreditLine, CreditNoteView, FinanceReport, InvoicePage, InvoiceRun, InvoiceView, Money,
    NewCreditNote, NewPayRate, NewRate, PayRatePage, PayRateView, PaymentMethod, PaymentView,
    PayoutReport, PersonPage, RatePage, RateUnit, RateView, RecordPayment, ReportBy, ReportRow,
    RunInvoices, Unpriced,
};
use rapport_domain::problem::{FieldCode, FieldError};
use rapport_domain::validate::Validate;
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Finance /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "finance",
    label: "finance",
    section: Section::Records,
    visible: |s| s.has_module(Module::Finance) && s.can(Permission::FinanceRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// The events that change what the page shows.
fn touches_money(kind: &str) -> bool {
    [
        "invoice.",
        "credit_note.",
        "payment.",
        "rate.",
        "pay_rate.",
        "package.",
    ]
    .iter()
    .any(|k| kind.starts_with(k))
}

/// What the form refuses before sending, said as the server would.
fn refused(field: &str, code: FieldCode) -> ApiError {
    api::invalid(vec![FieldError::new(field, code, "")])
}

/// Today, on the device's calendar.
fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// The first day of this month.
fn this_month() -> NaiveDate {
    let d = today();
    d.with_day(1).unwrap_or(d)
}

/// A month as a `<input type="month">` holds it: `2026-11`.
fn month_input(m: NaiveDate) -> String {
    m.format("%Y-%m").to_string()
}

/// The first day of the month an `<input type="month">` holds.
fn parse_month(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").ok()
}

/// A day in the language.
fn day(d: NaiveDate) -> String {
    i18n::date(&d.and_time(NaiveTime::MIN).and_utc(), "UTC")
}

/// Minutes as hours, to the tenth.
fn hours(minutes: i64) -> String {
    i18n::number((minutes as f64 / 6.0).round() / 10.0)
}

/// The margin as a share of the revenue, or a dash without revenue.
fn margin_rate(margin: i64, revenue: i64) -> String {
    if revenue <= 0 {
        return "—".into();
    }
    let rate = (margin as f64 * 1000.0 / revenue as f64).round() / 10.0;
    tf("finance.percent", &[("n", &i18n::number(rate))])
}

/// Minor units as an amount field holds them: `120.50`.
fn plain(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn by_str(by: ReportBy) -> &'static str {
    match by {
        ReportBy::Month => "month",
        ReportBy::Student => "student",
        ReportBy::Tutor => "tutor",
        ReportBy::Branch => "branch",
    }
}

fn by_label(by: ReportBy) -> String {
    match by {
        ReportBy::Month => t("finance.by.month"),
        ReportBy::Student => t("finance.by.student"),
        ReportBy::Tutor => t("finance.by.tutor"),
        ReportBy::Branch => t("finance.by.branch"),
    }
}

const BY: [ReportBy; 4] = [
    ReportBy::Month,
    ReportBy::Student,
    ReportBy::Tutor,
    ReportBy::Branch,
];

fn unit_label(u: RateUnit) -> String {
    match u {
        RateUnit::Hour => t("finance.unit.hour"),
        RateUnit::Session => t("finance.unit.session"),
    }
}

/// A rate as said: "40,00 € an hour".
fn per_unit(unit: &str, amount_minor: i64, currency: &str) -> String {
    let amount = money(amount_minor, currency);
    match unit {
        "hour" => tf("finance.per_hour", &[("amount", &amount)]),
        "session" => tf("finance.per_session", &[("amount", &amount)]),
        "package" => t("finance.unit.package"),
        _ => t("finance.unit.fee"),
    }
}

/// An invoice's state: paid, overdue, or open (a class and its message).
fn status_of(inv: &InvoiceView, today: NaiveDate) -> (&'static str, &'static str) {
    if inv.open_minor <= 0 {
        ("paid", "finance.status.paid")
    } else if inv.due_on < today {
        ("overdue", "finance.status.overdue")
    } else {
        ("open", "finance.status.open")
    }
}

/// Fetches one of the API's PDFs and hands it to the browser.
fn download(toasts: Toasts, path: String) {
    spawn_local(async move {
        if let Err(e) = api::download(&path).await {
            toasts.error(e.message());
        }
    });
}

/// Names by id, sorted by name, for a picker.
fn sorted(names: HashMap<Uuid, String>) -> Vec<(Uuid, String)> {
    let mut list: Vec<(Uuid, String)> = names.into_iter().collect();
    list.sort_by_key(|a| a.1.to_lowercase());
    list
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Reports,
    Invoices,
    Packages,
    Rates,
}

#[component]
fn Finance() -> impl IntoView {
    view! {
        <Guard permission=Permission::FinanceRead>
            <FinancePage />
        </Guard>
    }
}

#[component]
fn FinancePage() -> impl IntoView {
    let tab = RwSignal::new(Tab::Reports);
    // The students, by name, for the lists and the pickers.
    let people = LocalResource::new(move || async move {
        let mut list = api::get::<PersonPage>("/api/v1/people?limit=200")
            .await
            .map(|p| {
                p.data
                    .into_iter()
                    .map(|p| (p.id, p.name()))
                    .collect::<Vec<(Uuid, String)>>()
            })
            .unwrap_or_default();
        list.sort_by_key(|a| a.1.to_lowercase());
        list
    });
    let tutors = crate::components::members::member_names();
    let tab_button = move |which: Tab, label: &'static str, test: &'static str| {
        view! {
            <button role="tab" class="tab" type="button" data-test=test
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)>{tr(label)}</button>
        }
    };
    view! {
        <section class="page" data-page="finance">
            <header class="page-header">
                <div>
                    <h1>{move || template_label("finance")}</h1>
                    <p class="lead">{tr("finance.lead")}</p>
                </div>
            </header>
            <div class="tabs" role="tablist" aria-label=tr("finance.sections")>
                {tab_button(Tab::Reports, "finance.tab.reports", "tab-reports")}
                {tab_button(Tab::Invoices, "finance.tab.invoices", "tab-invoices")}
                {tab_button(Tab::Packages, "finance.tab.packages", "tab-packages")}
                {tab_button(Tab::Rates, "finance.tab.rates", "tab-rates")}
            </div>
            {move || match tab.get() {
                Tab::Reports => view! { <Reports on_invoices=move || tab.set(Tab::Invoices) /> }.into_any(),
                Tab::Invoices => view! { <Invoices people=people on_rates=move || tab.set(Tab::Rates) /> }.into_any(),
                Tab::Packages => view! { <packages::Packages people=people /> }.into_any(),
                Tab::Rates => view! { <Rates people=people tutors=tutors /> }.into_any(),
            }}
        </section>
    }
}

// Reports ---------------------------------------------------------------

#[component]
fn Reports(on_invoices: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let live = expect_context::<Live>();
    let by = RwSignal::new(ReportBy::Month);
    let to = RwSignal::new(this_month());
    let from = RwSignal::new(this_month() - chrono::Months::new(11));
    let report = LocalResource::new(move || {
        let path = format!(
            "/api/v1/finance/report?by={}&from={}&to={}",
            by_str(by.get()),
            from.get(),
            to.get()
        );
        async move { api::get::<FinanceReport>(&path).await }
    });
    live.on_event(move |e| {
        if touches_money(&e.kind) {
            report.refetch();
        }
    });
    // A span never ends before it starts: moving one end moves the other.
    let set_from = move |v: String| {
        if let Some(m) = parse_month(&v) {
            from.set(m);
            if to.get_untracked() < m {
                to.set(m);
            }
        }
    };
    let set_to = move |v: String| {
        if let Some(m) = parse_month(&v) {
            to.set(m);
            if from.get_untracked() > m {
                from.set(m);
            }
        }
    };
    view! {
        <div class="toolbar" data-form="report">
            <label for="report-by">{tr("finance.group_by")}</label>
            <select id="report-by" data-test="report-by"
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(b) = BY.into_iter().find(|b| by_str(*b) == v) {
                        by.set(b);
                    }
                }>
                {BY.into_iter().map(|b| view! {
                    <option value=by_str(b) selected=move || by.get() == b>{move || by_label(b)}</option>
                }).collect_view()}
            </select>
            <label for="report-from">{tr("finance.from")}</label>
            <input id="report-from" type="month" prop:value=move || month_input(from.get())
                on:change=move |ev| set_from(event_target_value(&ev)) />
            <label for="report-to">{tr("finance.to")}</label>
            <input id="report-to" type="month" prop:value=move || month_input(to.get())
                on:change=move |ev| set_to(event_target_value(&ev)) />
        </div>
        <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
            {move || report.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(r) if r.rows.is_empty() => view! {
                    <div class="empty" data-test="no-report">
                        <p>{tr("finance.report_empty")}</p>
                        <button class="secondary" type="button" data-action="to-invoices"
                            on:click=move |_| on_invoices()>{tr("finance.go_invoices")}</button>
                    </div>
                }.into_any(),
                Ok(r) => view! { <ReportView report=r /> }.into_any(),
            })}
        </Suspense>
        <Payouts />
    }
}

/// A report's totals as cards, its rows as bars and as a table.
#[component]
fn ReportView(report: FinanceReport) -> impl IntoView {
    let by = report.by;
    // The server names rows in English: months and "no tutor" are said
    // here in the app's language.
    let label = move |row: &ReportRow| -> String {
        match (by, &row.key) {
            (ReportBy::Month, Some(k)) => k
                .parse::<NaiveDate>()
                .map(i18n::month_name)
                .unwrap_or_else(|_| row.label.clone()),
            (ReportBy::Tutor, None) => t("finance.no_tutor"),
            (ReportBy::Branch, None) => t("finance.no_branch"),
            _ => row.label.clone(),
        }
    };
    // The chart is of the currency with the most revenue.
    let currency = report
        .totals
        .iter()
        .max_by_key(|t| t.revenue_minor)
        .map(|t| t.currency.clone())
        .unwrap_or_default();
    let mut charted: Vec<&ReportRow> = report
        .rows
        .iter()
        .filter(|r| r.currency == currency)
        .collect();
    if by == ReportBy::Month {
        charted.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        charted.truncate(12);
    }
    let bars: Vec<(String, i64, i64)> = charted
        .into_iter()
        .map(|r| (label(r), r.revenue_minor, r.cost_minor))
        .collect();
    let several = report.totals.len() > 1;
    let row_view = move |r: &ReportRow, total: bool| {
        let c = r.currency.clone();
        let loss = r.margin_minor < 0;
        let name = if total {
            if several {
                format!("{} ({})", t("finance.total"), c)
            } else {
                t("finance.total")
            }
        } else {
            label(r)
        };
        view! {
            <tr>
                <td>{name}</td>
                <td class="num">{r.sessions}</td>
                <td class="num">{hours(r.minutes)}</td>
                <td class="num">{money(r.revenue_minor, &c)}</td>
                <td class="num">{money(r.cost_minor, &c)}</td>
                <td class="num strong" class:danger=loss>{money(r.margin_minor, &c)}</td>
                <td class="num" class:danger=loss>{margin_rate(r.margin_minor, r.revenue_minor)}</td>
            </tr>
        }
    };
    view! {
        <ul class="cards" data-test="finance-totals">
            {report.totals.iter().map(|tot| {
                let c = tot.currency.clone();
                view! {
                    <li class="card stat" data-test="revenue">
                        <h3>{tr("finance.revenue")}</h3>
                        <p class="figure">{money(tot.revenue_minor, &c)}</p>
                    </li>
                    <li class="card stat" data-test="cost">
                        <h3>{tr("finance.cost")}</h3>
                        <p class="figure">{money(tot.cost_minor, &c)}</p>
                    </li>
                    <li class="card stat" data-test="margin">
                        <h3>{tr("finance.margin")}</h3>
                        <p class="figure">{money(tot.margin_minor, &c)}</p>
                        <p class="hint">{tf("finance.margin_of", &[("rate", &margin_rate(tot.margin_minor, tot.revenue_minor))])}</p>
                    </li>
                    <li class="card stat" data-test="sessions">
                        <h3>{tr("finance.sessions")}</h3>
                        <p class="figure">{tot.sessions}</p>
                        <p class="hint">{tf("finance.hours_of", &[("hours", &hours(tot.minutes))])}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
        <RevenueChart rows=bars currency=currency />
        <div class="table-scroll">
            <table class="table dense" data-test="finance-report" aria-label=tr("finance.tab.reports")>
                <thead><tr>
                    <th scope="col">{by_label(by)}</th>
                    <th scope="col" class="num">{tr("finance.sessions")}</th>
                    <th scope="col" class="num">{tr("finance.hours")}</th>
                    <th scope="col" class="num">{tr("finance.revenue")}</th>
                    <th scope="col" class="num">{tr("finance.cost")}</th>
                    <th scope="col" class="num">{tr("finance.margin")}</th>
                    <th scope="col" class="num">{tr("finance.margin_rate")}</th>
                </tr></thead>
                <tbody>
                    {report.rows.iter().map(|r| row_view(r, false)).collect_view()}
                </tbody>
                <tfoot>
                    {report.totals.iter().map(|r| row_view(r, true)).collect_view()}
                </tfoot>
            </table>
        </div>
    }
}

/// Revenue and tutor cost of each row, as pairs of bars, in one currency.
#[component]
fn RevenueChart(rows: Vec<(String, i64, i64)>, currency: String) -> impl IntoView {
    let top = rows.iter().map(|r| r.1.max(r.2)).max().unwrap_or(0).max(1);
    let width = move |v: i64| (v.max(0) * 230 / top).to_string();
    let height = rows.len() * 34 + 4;
    let short = |s: &str| {
        if s.chars().count() > 22 {
            format!("{}…", s.chars().take(21).collect::<String>())
        } else {
            s.to_string()
        }
    };
    view! {
        <figure class="card chart" data-test="finance-chart">
            <figcaption>{tr("finance.chart")}</figcaption>
            <svg class="bars" viewBox=format!("0 0 480 {height}") role="img" aria-label=t("finance.chart")>
                {rows.into_iter().enumerate().map(|(i, (label, revenue, cost))| {
                    let y = i * 34;
                    view! {
                        <g>
                            <text x="0" y=(y + 21).to_string() class="label">{short(&label)}<title>{label.clone()}</title></text>
                            <rect x="150" y=(y + 4).to_string() width=width(revenue) height="12" class="bar revenue">
                                <title>{format!("{}: {}", t("finance.revenue"), money(revenue, &currency))}</title>
                            </rect>
                            <rect x="150" y=(y + 18).to_string() width=width(cost) height="12" class="bar cost">
                                <title>{format!("{}: {}", t("finance.cost"), money(cost, &currency))}</title>
                            </rect>
                            <text x="386" y=(y + 15).to_string() class="value">{money(revenue, &currency)}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <ul class="legend">
                <li><span class="swatch revenue"></span>{tr("finance.revenue")}</li>
                <li><span class="swatch cost"></span>{tr("finance.cost")}</li>
            </ul>
        </figure>
    }
}

/// What each tutor earned in a month.
#[component]
fn Payouts() -> impl IntoView {
    let live = expect_context::<Live>();
    let month = RwSignal::new(this_month());
    let payouts = LocalResource::new(move || {
        let path = format!("/api/v1/finance/payouts?month={}", month.get());
        async move { api::get::<PayoutReport>(&path).await }
    });
    live.on_event(move |e| {
        if touches_money(&e.kind) {
            payouts.refetch();
        }
    });
    view! {
        <h2>{tr("finance.payouts")}</h2>
        <p class="hint">{tr("finance.payouts_lead")}</p>
        <div class="toolbar">
            <label for="payout-month">{tr("finance.month")}</label>
            <input id="payout-month" type="month" prop:value=move || month_input(month.get())
                on:change=move |ev| {
                    if let Some(m) = parse_month(&event_target_value(&ev)) {
                        month.set(m);
                    }
                } />
        </div>
        <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
            {move || payouts.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(p) if p.rows.is_empty() => view! { <p class="empty">{tr("finance.no_payouts")}</p> }.into_any(),
                Ok(p) => view! {
                    <table class="table dense" data-test="finance-payouts" aria-label=tr("finance.payouts")>
                        <thead><tr>
                            <th scope="col">{tr("finance.tutor")}</th>
                            <th scope="col" class="num">{tr("finance.sessions")}</th>
                            <th scope="col" class="num">{tr("finance.hours")}</th>
                            <th scope="col" class="num">{tr("finance.pay")}</th>
                            <th scope="col"></th>
                        </tr></thead>
                        <tbody>
                            {p.rows.into_iter().map(|r| view! {
                                <tr data-tutor=r.name.clone()>
                                    <td>{r.name.clone()}</td>
                                    <td class="num">{r.sessions}</td>
                                    <td class="num">{hours(r.minutes)}</td>
                                    <td class="num strong">{r.currency.as_deref().map(|c| money(r.pay_minor, c)).unwrap_or_else(|| "—".into())}</td>
                                    <td>
                                        {(r.unpriced > 0).then(|| view! {
                                            <span class="chip warn" data-test="no-pay-rate">{tf("finance.unpriced_sessions", &[("n", &r.unpriced.to_string())])}</span>
                                        })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

// Invoices --------------------------------------------------------------

#[component]
fn Invoices(
    people: LocalResource<Vec<(Uuid, String)>>,
    on_rates: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let manage = move || session.can(Permission::FinanceManage);
    let live = expect_context::<Live>();
    let toasts = toasts();
    let tz = StoredValue::new(session::time_zone());
    let list = Paged::<InvoicePage>::new(|| "/api/v1/invoices?limit=50".to_string());
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    live.on_event(move |e| {
        if touches_money(&e.kind) {
            list.load(false);
        }
    });
    let name_of = move |id: Uuid| {
        people
            .get()
            .and_then(|l| l.into_iter().find(|(p, _)| *p == id).map(|(_, n)| n))
            .unwrap_or_default()
    };
    let open = RwSignal::new(None::<Uuid>);

    // Invoicing a month.
    let run_month = RwSignal::new(month_input(this_month()));
    let run_errors = RwSignal::new(None::<ApiError>);
    let month_error = field_error(run_errors, "month");
    let unpriced = RwSignal::new(Vec::<Unpriced>::new());
    // What a preview drafted, shown until the month is invoiced.
    let draft = RwSignal::new(None::<InvoiceRun>);
    let send_run = move |preview: bool| {
        let Some(month) = parse_month(&run_month.get_untracked()) else {
            run_errors.set(Some(refused("month", FieldCode::Required)));
            return;
        };
        let body = RunInvoices {
            month: Some(month),
            person_id: None,
            due_days: None,
            preview,
        };
        spawn_local(async move {
            match api::post::<_, InvoiceRun>("/api/v1/invoices/run", &body).await {
                Ok(r) if r.preview => {
                    run_errors.set(None);
                    unpriced.set(r.unpriced.clone());
                    draft.set(Some(r));
                }
                Ok(r) => {
                    run_errors.set(None);
                    draft.set(None);
                    toasts.success(tf(
                        "finance.issued",
                        &[("n", &r.invoices.len().to_string())],
                    ));
                    unpriced.set(r.unpriced);
                }
                Err(e) => {
                    draft.set(None);
                    run_errors.set(Some(e));
                }
            }
            list.load(false);
        });
    };
    let run = move |ev: SubmitEvent| {
        ev.prevent_default();
        send_run(false);
    };

    view! {
        <Show when=manage>
            <form class="form card" data-form="run-invoices" on:submit=run novalidate=true>
                <h2>{tr("finance.run")}</h2>
                <p class="hint">{tr("finance.run_lead")}</p>
                <div class="field" class:invalid=move || month_error().is_some()>
                    <label for="run-month">{tr("finance.month")}</label>
                    <input id="run-month" type="month" required
                        prop:value=move || run_month.get()
                        on:input=move |ev| {
                            run_month.set(event_target_value(&ev));
                            draft.set(None);
                        } />
                    <p class="error" role="alert">{move || month_error().unwrap_or_default()}</p>
                </div>
                <FormError errors=run_errors />
                <div class="actions">
                    <button class="secondary" type="button" data-action="preview-invoices"
                        on:click=move |_| send_run(true)>{tr("finance.preview_button")}</button>
                    <button class="primary" type="submit" data-action="run-invoices">{tr("finance.run_button")}</button>
                </div>
            </form>
        </Show>
        {move || draft.get().map(|d| view! { <Draft run=d name_of=name_of /> })}
        {move || (!unpriced.with(Vec::is_empty)).then(|| view! {
            <div class="notice warn card" role="status" data-test="unpriced">
                <p>{tr("finance.unpriced")}</p>
                <ul>
                    {unpriced.get().into_iter().map(|u| {
                        let who = u.person_id;
                        view! {
                            <li>{format!("{} — {}", u.title, i18n::date(&u.starts_at, &tz.get_value()))}" ("{move || name_of(who)}")"</li>
                        }
                    }).collect_view()}
                </ul>
                <button class="secondary small" type="button" data-action="to-rates" on:click=move |_| on_rates()>{tr("finance.to_rates")}</button>
            </div>
        })}
        <h2>{tr("finance.invoices")}</h2>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        <div class="split">
            <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=4 /> }>
                <Show when=move || rows.with(|r| !r.is_empty())
                    fallback=|| view! { <p class="empty" data-test="no-invoices">{tr("finance.no_invoices")}</p> }>
                    <div class="table-scroll">
                        <table class="table dense" data-test="invoices" aria-label=tr("finance.invoices")>
                            <thead><tr>
                                <th scope="col">{tr("finance.number")}</th>
                                <th scope="col">{tr("finance.student")}</th>
                                <th scope="col">{tr("finance.month")}</th>
                                <th scope="col">{tr("finance.issued_on")}</th>
                                <th scope="col">{tr("finance.due_on")}</th>
                                <th scope="col" class="num">{tr("finance.total")}</th>
                                <th scope="col" class="num">{tr("finance.credited")}</th>
                                <th scope="col" class="num">{tr("finance.open")}</th>
                                <th scope="col">{tr("finance.state")}</th>
                                <th scope="col"><span class="visually-hidden">{tr("finance.pdf")}</span></th>
                            </tr></thead>
                            <tbody>
                                {move || {
                                    let today = today();
                                    rows.get().into_iter().map(|inv| {
                                        let id = inv.id;
                                        let who = inv.person_id;
                                        let (state, state_key) = status_of(&inv, today);
                                        let c = inv.total.currency.clone();
                                        let number = inv.number.to_string();
                                        view! {
                                            <tr data-invoice=number.clone() class:open=move || open.get() == Some(id)
                                                on:click=move |_| open.set(Some(id))>
                                                <td><button class="link" type="button" on:click=move |_| open.set(Some(id))>{tf("finance.no", &[("n", &number)])}</button></td>
                                                <td>{move || name_of(who)}</td>
                                                <td>{inv.month.map(i18n::month_name).unwrap_or_else(|| t("finance.on_demand"))}</td>
                                                <td>{day(inv.issued_on)}</td>
                                                <td>{day(inv.due_on)}</td>
                                                <td class="num">{money(inv.total.amount_minor, &c)}</td>
                                                <td class="num">{(inv.credited_minor > 0).then(|| money(inv.credited_minor, &c))}</td>
                                                <td class="num strong">{money(inv.open_minor, &c)}</td>
                                                <td><span class=format!("pill status-{state}") data-test="invoice-status">{t(state_key)}</span></td>
                                                <td>
                                                    <button class="secondary small" type="button" data-action="invoice-pdf"
                                                        on:click=move |ev| {
                                                            ev.stop_propagation();
                                                            download(toasts, format!("/api/v1/invoices/{id}/pdf"));
                                                        }>{tr("finance.pdf")}</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()
                                }}
                            </tbody>
                        </table>
                    </div>
                </Show>
            </Show>
            {move || open.get().map(|id| view! {
                <InvoicePanel id=id people=people on_close=move || open.set(None) on_change=move || list.load(false) />
            })}
        </div>
        <Show when=move || cursor.get().is_some()>
            <button class="secondary" disabled=move || loading.get() on:click=move |_| list.load(true)>{tr("common.more")}</button>
        </Show>
    }
}

/// The invoices a run would issue: a draft, with nothing kept.
#[component]
fn Draft(
    run: InvoiceRun,
    name_of: impl Fn(Uuid) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let mut totals: Vec<(String, i64)> = Vec::new();
    for i in &run.invoices {
        match totals.iter_mut().find(|(c, _)| *c == i.total.currency) {
            Some((_, t)) => *t += i.total.amount_minor,
            None => totals.push((i.total.currency.clone(), i.total.amount_minor)),
        }
    }
    let total = totals
        .iter()
        .map(|(c, t)| money(*t, c))
        .collect::<Vec<_>>()
        .join(" + ");
    view! {
        <section class="card draft" data-test="invoice-draft" aria-label=tr("finance.draft")>
            <h3>{tr("finance.draft")}</h3>
            <p class="hint">{if run.invoices.is_empty() && run.prepaid == 0 {
                t("finance.draft_empty")
            } else if run.invoices.is_empty() {
                tf("finance.draft_prepaid", &[("prepaid", &run.prepaid.to_string())])
            } else {
                tf("finance.draft_lead", &[
                    ("n", &run.invoices.len().to_string()),
                    ("total", &total),
                    ("prepaid", &run.prepaid.to_string()),
                ])
            }}</p>
            {(!run.invoices.is_empty()).then(|| view! {
                <table class="table dense">
                    <thead><tr>
                        <th scope="col">{tr("finance.number")}</th>
                        <th scope="col">{tr("finance.student")}</th>
                        <th scope="col" class="num">{tr("finance.sessions")}</th>
                        <th scope="col" class="num">{tr("finance.total")}</th>
                    </tr></thead>
                    <tbody>
                        {run.invoices.into_iter().map(|i| {
                            let who = i.person_id;
                            view! {
                                <tr>
                                    <td>{tf("finance.no", &[("n", &i.number.to_string())])}</td>
                                    <td>{move || name_of(who)}</td>
                                    <td class="num">{i.line_count}</td>
                                    <td class="num">{money(i.total.amount_minor, &i.total.currency)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

/// One invoice: its lines and credit notes, a credit note to give some of
/// it back, and a payment against it.
#[component]
fn InvoicePanel(
    id: Uuid,
    people: LocalResource<Vec<(Uuid, String)>>,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let manage = move || session.can(Permission::FinanceManage);
    let live = expect_context::<Live>();
    let toasts = toasts();
    let invoice = LocalResource::new(move || async move {
        api::get::<InvoiceView>(&format!("/api/v1/invoices/{id}")).await
    });
    live.on_event(move |e| {
        if touches_money(&e.kind) {
            invoice.refetch();
        }
    });
    let name_of = move |id: Uuid| {
        people
            .get()
            .and_then(|l| l.into_iter().find(|(p, _)| *p == id).map(|(_, n)| n))
            .unwrap_or_default()
    };

    // A credit note: the lines ticked, each with the amount typed (empty:
    // all that is left of it), and the reason.
    let picked = RwSignal::new(Vec::<(i32, String)>::new());
    let reason = RwSignal::new(String::new());
    let credit_errors = RwSignal::new(None::<ApiError>);
    let reason_error = field_error(credit_errors, "reason");
    let lines_error = move || {
        credit_errors.with(|e| {
            e.as_ref()
                .map(|e| {
                    let mut said: Vec<String> = e.field("lines").into_iter().collect();
                    said.extend(
                        e.fields()
                            .iter()
                            .filter(|f| f.field.starts_with("lines["))
                            .map(api::field_message),
                    );
                    said.join(" ")
                })
                .unwrap_or_default()
        })
    };
    let chosen = move |line: i32| picked.with(|p| p.iter().any(|(n, _)| *n == line));
    let toggle = move |line: i32, on: bool| {
        picked.update(|p| {
            p.retain(|(n, _)| *n != line);
            if on {
                p.push((line, String::new()));
            }
        })
    };
    let typed = move |line: i32| {
        picked.with(|p| {
            p.iter()
                .find(|(n, _)| *n == line)
                .map(|(_, a)| a.clone())
                .unwrap_or_default()
        })
    };
    let set_typed = move |line: i32, text: String| {
        picked.update(|p| {
            if let Some(x) = p.iter_mut().find(|(n, _)| *n == line) {
                x.1 = text;
            }
        })
    };
    let credit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut ticked = picked.get_untracked();
        if ticked.is_empty() {
            credit_errors.set(Some(
                refused("lines", FieldCode::Required).say_at("lines", t("finance.pick_lines")),
            ));
            return;
        }
        ticked.sort_by_key(|(n, _)| *n);
        let mut lines = Vec::new();
        for (i, (line, text)) in ticked.into_iter().enumerate() {
            let amount_minor = if text.trim().is_empty() {
                None
            } else {
                match parse_minor(&text) {
                    Some(a) => Some(a),
                    None => {
                        let field = format!("lines[{i}].amount_minor");
                        credit_errors.set(Some(refused(&field, FieldCode::Format)));
                        return;
                    }
                }
            };
            lines.push(CreditLine { line, amount_minor });
        }
        let body = NewCreditNote {
            reason: reason.get_untracked().trim().to_string(),
            lines,
        };
        if let Err(errors) = body.validate() {
            credit_errors.set(Some(api::invalid(errors)));
            return;
        }
        spawn_local(async move {
            let path = format!("/api/v1/invoices/{id}/credit-notes");
            match api::post::<_, CreditNoteView>(&path, &body).await {
                Ok(n) => {
                    credit_errors.set(None);
                    picked.set(Vec::new());
                    reason.set(String::new());
                    toasts.success(tf("finance.credit_issued", &[("n", &n.number.to_string())]));
                    invoice.refetch();
                    on_change();
                }
                Err(e) => credit_errors.set(Some(e)),
            }
        });
    };

    // A payment from the invoice's student, what is open of it by default.
    let pay_amount = RwSignal::new(String::new());
    let method = RwSignal::new(PaymentMethod::Cash);
    let note = RwSignal::new(String::new());
    let pay_errors = RwSignal::new(None::<ApiError>);
    let amount_error = field_error(pay_errors, "amount.amount_minor");
    Effect::new(move |_| {
        if let Some(Ok(inv)) = invoice.get() {
            if pay_amount.get_untracked().is_empty() && inv.open_minor > 0 {
                pay_amount.set(plain(inv.open_minor));
            }
        }
    });
    let pay = move |ev: SubmitEvent, person_id: Uuid, currency: String| {
        ev.prevent_default();
        let Some(minor) = parse_minor(&pay_amount.get_untracked()) else {
            pay_errors.set(Some(refused("amount.amount_minor", FieldCode::Format)));
            return;
        };
        let n = note.get_untracked();
        let body = RecordPayment {
            person_id,
            amount: Money {
                amount_minor: minor,
                currency,
            },
            method: method.get_untracked(),
            paid_on: None,
            note: (!n.trim().is_empty()).then_some(n),
        };
        spawn_local(async move {
            match api::post::<_, PaymentView>("/api/v1/finance/payments", &body).await {
                Ok(p) => {
                    pay_errors.set(None);
                    pay_amount.set(String::new());
                    note.set(String::new());
                    toasts.success(tf("finance.paid", &[("n", &p.receipt_number.to_string())]));
                    invoice.refetch();
                    on_change();
                }
                Err(e) => pay_errors.set(Some(e)),
            }
        });
    };

    // The PDF shown in the panel: fetched with the caller's token as a
    // `blob:` address, let go when the panel closes.
    let preview = RwSignal::new(None::<String>);
    on_cleanup(move || {
        if let Some(url) = preview.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });
    let toggle_preview = move |_| {
        if let Some(url) = preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&url);
            preview.set(None);
            return;
        }
        spawn_local(async move {
            match api::picture(&format!("/api/v1/invoices/{id}/pdf")).await {
                Ok(url) => preview.set(Some(url)),
                Err(e) => toasts.error(e.message()),
            }
        });
    };

    // Mailed again to the student and their guardians.
    let send = move |_| {
        spawn_local(async move {
            match api::post_empty::<InvoiceView>(&format!("/api/v1/invoices/{id}/send")).await {
                Ok(inv) => {
                    toasts.success(tf("finance.sent", &[("n", &inv.number.to_string())]));
                    invoice.refetch();
                }
                Err(e) => toasts.error(e.message()),
            }
        });
    };

    view! {
        <aside class="panel card" aria-label=tr("finance.details") data-test="invoice-panel">
            <button class="close" type="button" aria-label=tr("common.close") on:click=move |_| on_close()>"×"</button>
            {move || invoice.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(inv) => {
                    let c = inv.total.currency.clone();
                    let who = inv.person_id;
                    let (state, state_key) = status_of(&inv, today());
                    let lines = inv.lines.iter().map(|l| {
                        let line = l.line;
                        let left = l.amount_minor - l.credited_minor;
                        let spent = left <= 0;
                        let facts = if l.package_id.is_some() {
                            format!("{} · {}", i18n::month_name(l.month), per_unit(&l.unit, l.unit_minor, &c))
                        } else {
                            format!(
                                "{} · {} · {}",
                                i18n::month_name(l.month),
                                tf("finance.minutes_of", &[("n", &l.minutes.to_string())]),
                                per_unit(&l.unit, l.unit_minor, &c),
                            )
                        };
                        let credited = (l.credited_minor > 0).then(|| tf("finance.credited_of", &[("amount", &money(l.credited_minor, &c))]));
                        view! {
                            <li data-line=line.to_string()>
                                <label class="check">
                                    <Show when=manage>
                                        <input type="checkbox" disabled=spent prop:checked=move || chosen(line)
                                            on:change=move |ev| toggle(line, event_target_checked(&ev)) />
                                    </Show>
                                    <span>{l.description.clone()}</span>
                                </label>
                                <span class="num">{money(l.amount_minor, &c)}</span>
                                <span class="hint">{facts}</span>
                                <span class="hint num">{credited}</span>
                                <Show when=move || chosen(line)>
                                    <input inputmode="decimal" aria-label=tr("finance.credit_amount")
                                        placeholder=plain(left)
                                        prop:value=move || typed(line)
                                        on:input=move |ev| set_typed(line, event_target_value(&ev)) />
                                </Show>
                            </li>
                        }
                    }).collect_view();
                    let notes = inv.credit_notes.iter().map(|n| {
                        let nid = n.id;
                        view! {
                            <li data-credit-note=n.number.to_string()>
                                <span>{tf("finance.no", &[("n", &n.number.to_string())])}" — "{n.reason.clone()}</span>
                                <span class="num">{money(n.amount.amount_minor, &n.amount.currency)}</span>
                                <span class="hint">{i18n::date(&n.created_at, &session::time_zone())}</span>
                                <span>
                                    <button class="secondary small" type="button" data-action="credit-note-pdf"
                                        on:click=move |_| download(toasts, format!("/api/v1/credit-notes/{nid}/pdf"))>{tr("finance.pdf")}</button>
                                </span>
                            </li>
                        }
                    }).collect_view();
                    let no_notes = inv.credit_notes.is_empty();
                    let pay_currency = c.clone();
                    view! {
                        <h2>{tf("finance.invoice_title", &[("n", &inv.number.to_string())])}</h2>
                        <p><strong>{move || name_of(who)}</strong>" "<span class=format!("pill status-{state}")>{t(state_key)}</span></p>
                        <dl class="facts">
                            <dt>{tr("finance.month")}</dt>
                            <dd>{inv.month.map(i18n::month_name).unwrap_or_else(|| t("finance.on_demand"))}</dd>
                            <dt>{tr("finance.issued_on")}</dt>
                            <dd>{day(inv.issued_on)}</dd>
                            <dt>{tr("finance.due_on")}</dt>
                            <dd>{day(inv.due_on)}</dd>
                            <dt>{tr("finance.total")}</dt>
                            <dd>{money(inv.total.amount_minor, &c)}</dd>
                            <dt>{tr("finance.credited")}</dt>
                            <dd>{money(inv.credited_minor, &c)}</dd>
                            <dt>{tr("finance.open")}</dt>
                            <dd><strong>{money(inv.open_minor, &c)}</strong></dd>
                            <dt>{tr("finance.sent_at")}</dt>
                            <dd data-test="sent-at">{inv.sent_at.map(|at| i18n::datetime(&at, &session::time_zone())).unwrap_or_else(|| t("finance.not_sent"))}</dd>
                        </dl>
                        <button class="secondary small" type="button" data-action="invoice-pdf"
                            on:click=move |_| download(toasts, format!("/api/v1/invoices/{id}/pdf"))>{tr("finance.pdf")}</button>
                        " "
                        <button class="secondary small" type="button" data-action="preview-invoice"
                            aria-pressed=move || preview.with(|p| p.is_some()).to_string()
                            on:click=toggle_preview>{tr("finance.preview")}</button>
                        " "
                        <Show when=manage>
                            <button class="secondary small" type="button" data-action="send-invoice" on:click=send>{tr("finance.send")}</button>
                        </Show>
                        {move || preview.get().map(|url| view! {
                            <iframe class="pdf-preview" src=url title=tf("finance.invoice_title", &[("n", &inv.number.to_string())])></iframe>
                        })}
                        <form data-form="credit-note" on:submit=credit novalidate=true>
                            <h3>{tr("finance.lines")}</h3>
                            <Show when=manage>
                                <p class="hint">{tr("finance.credit_lead")}</p>
                            </Show>
                            <ul class="invoice-lines" data-test="invoice-lines">{lines}</ul>
                            <p class="error" role="alert">{lines_error}</p>
                            <Show when=manage>
                                <div class="field" class:invalid=move || reason_error().is_some()>
                                    <label for="credit-reason">{tr("finance.reason")}</label>
                                    <input id="credit-reason" maxlength="500" required
                                        prop:value=move || reason.get()
                                        on:input=move |ev| reason.set(event_target_value(&ev)) />
                                    <p class="error" role="alert">{move || reason_error().unwrap_or_default()}</p>
                                </div>
                                <FormError errors=credit_errors />
                                <button class="secondary" type="submit" data-action="credit-note">{tr("finance.issue_credit")}</button>
                            </Show>
                        </form>
                        <h3>{tr("finance.credit_notes")}</h3>
                        {if no_notes {
                            view! { <p class="hint">{tr("finance.no_credit_notes")}</p> }.into_any()
                        } else {
                            view! { <ul class="invoice-lines" data-test="credit-notes">{notes}</ul> }.into_any()
                        }}
                        <Show when=manage>
                            {
                                let cur = pay_currency.clone();
                                let amount_label = format!("{} ({})", t("finance.amount"), cur);
                                view! {
                                    <form data-form="invoice-payment" novalidate=true
                                        on:submit=move |ev| pay(ev, who, cur.clone())>
                                        <h3>{tr("finance.record")}</h3>
                                        <div class="field" class:invalid=move || amount_error().is_some()>
                                            <label for="invoice-pay-amount">{amount_label}</label>
                                            <input id="invoice-pay-amount" required inputmode="decimal" placeholder="120.00"
                                                prop:value=move || pay_amount.get()
                                                on:input=move |ev| pay_amount.set(event_target_value(&ev)) />
                                            <p class="error" role="alert">{move || amount_error().unwrap_or_default()}</p>
                                        </div>
                                        <div class="field">
                                            <label for="invoice-pay-method">{tr("finance.method")}</label>
                                            <select id="invoice-pay-method" on:change=move |ev| {
                                                if let Ok(m) = event_target_value(&ev).parse() { method.set(m) }
                                            }>
                                                {PaymentMethod::ALL.iter().map(|m| view! {
                                                    <option value=m.as_str() selected=method.get_untracked() == *m>{t(&format!("payments.method.{}", m.as_str()))}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="invoice-pay-note">{tr("finance.note")}</label>
                                            <input id="invoice-pay-note" maxlength="500"
                                                prop:value=move || note.get()
                                                on:input=move |ev| note.set(event_target_value(&ev)) />
                                        </div>
                                        <FormError errors=pay_errors />
                                        <button class="primary" type="submit" data-action="record-payment">{tr("finance.record")}</button>
                                    </form>
                                }
                            }
                        </Show>
                    }.into_any()
                }
            })}
        </aside>
    }
}

// Rates -----------------------------------------------------------------

#[component]
fn Rates(
    people: LocalResource<Vec<(Uuid, String)>>,
    tutors: LocalResource<HashMap<Uuid, String>>,
) -> impl IntoView {
    let session = session::current();
    let manage = move || session.can(Permission::FinanceManage);
    let live = expect_context::<Live>();
    let toasts = toasts();
    let rates = LocalResource::new(|| async {
        api::get::<RatePage>("/api/v1/rates?limit=100")
            .await
            .map(|p| p.data)
    });
    let pay_rates = LocalResource::new(|| async {
        api::get::<PayRatePage>("/api/v1/pay-rates?limit=100")
            .await
            .map(|p| p.data)
    });
    live.on_event(move |e| {
        if e.kind.starts_with("rate.") {
            rates.refetch();
        }
        if e.kind.starts_with("pay_rate.") {
            pay_rates.refetch();
        }
    });
    let person_name = move |id: Uuid| {
        people
            .get()
            .and_then(|l| l.into_iter().find(|(p, _)| *p == id).map(|(_, n)| n))
            .unwrap_or_default()
    };
    let tutor_name = move |id: Uuid| {
        tutors
            .get()
            .and_then(|n| n.get(&id).cloned())
            .unwrap_or_default()
    };
    // New rates are in the currency the others are in, else euros.
    let default_currency = Memo::new(move |_| {
        rates
            .get()
            .and_then(Result::ok)
            .and_then(|l| l.first().map(|r| r.amount.currency.clone()))
            .or_else(|| {
                pay_rates
                    .get()
                    .and_then(Result::ok)
                    .and_then(|l| l.first().map(|r| r.amount.currency.clone()))
            })
            .unwrap_or_else(|| "EUR".to_string())
    });
    let remove = move |path: String, version: i32, done: &'static str| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(&t("finance.delete_sure")).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            match api::delete_at(&path, version).await {
                Ok(()) => toasts.success(t(done)),
                Err(e) => toasts.error(e.message()),
            }
            rates.refetch();
            pay_rates.refetch();
        });
    };
    let subject_of = |s: &Option<String>| s.clone().unwrap_or_else(|| t("finance.any_subject"));

    view! {
        <h2>{tr("finance.student_rates")}</h2>
        <p class="hint">{tr("finance.student_rates_lead")}</p>
        <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
            {move || rates.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty" data-test="no-rates">{tr("finance.no_rates")}</p> }.into_any(),
                Ok(list) => view! {
                    <table class="table dense" data-test="rates" aria-label=tr("finance.student_rates")>
                        <thead><tr>
                            <th scope="col">{tr("finance.student")}</th>
                            <th scope="col">{tr("finance.tutor")}</th>
                            <th scope="col">{tr("finance.subject")}</th>
                            <th scope="col" class="num">{tr("finance.rate")}</th>
                            <th scope="col"><span class="visually-hidden">{tr("common.delete")}</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|r: RateView| {
                                let (id, version, who, tutor) = (r.id, r.version, r.person_id, r.tutor_id);
                                view! {
                                    <tr>
                                        <td>{move || person_name(who)}</td>
                                        <td>{move || tutor.map(tutor_name).unwrap_or_else(|| t("finance.any_tutor"))}</td>
                                        <td>{subject_of(&r.subject)}</td>
                                        <td class="num">{per_unit(r.unit.as_str(), r.amount.amount_minor, &r.amount.currency)}</td>
                                        <td>
                                            <Show when=manage>
                                                <button class="danger small" type="button" data-action="delete-rate"
                                                    on:click=move |_| remove(format!("/api/v1/rates/{id}"), version, "finance.rate_deleted")>{tr("common.delete")}</button>
                                            </Show>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
        <Show when=manage>
            <NewRateForm people=people tutors=tutors default_currency=default_currency on_done=move || rates.refetch() />
        </Show>

        <h2>{tr("finance.tutor_rates")}</h2>
        <p class="hint">{tr("finance.tutor_rates_lead")}</p>
        <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
            {move || pay_rates.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty" data-test="no-pay-rates">{tr("finance.no_pay_rates")}</p> }.into_any(),
                Ok(list) => view! {
                    <table class="table dense" data-test="pay-rates" aria-label=tr("finance.tutor_rates")>
                        <thead><tr>
                            <th scope="col">{tr("finance.tutor")}</th>
                            <th scope="col">{tr("finance.subject")}</th>
                            <th scope="col" class="num">{tr("finance.rate")}</th>
                            <th scope="col"><span class="visually-hidden">{tr("common.delete")}</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|r: PayRateView| {
                                let (id, version, tutor) = (r.id, r.version, r.tutor_id);
                                view! {
                                    <tr>
                                        <td>{move || tutor_name(tutor)}</td>
                                        <td>{subject_of(&r.subject)}</td>
                                        <td class="num">{per_unit(r.unit.as_str(), r.amount.amount_minor, &r.amount.currency)}</td>
                                        <td>
                                            <Show when=manage>
                                                <button class="danger small" type="button" data-action="delete-pay-rate"
                                                    on:click=move |_| remove(format!("/api/v1/pay-rates/{id}"), version, "finance.pay_rate_deleted")>{tr("common.delete")}</button>
                                            </Show>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
        <Show when=manage>
            <NewPayRateForm tutors=tutors default_currency=default_currency on_done=move || pay_rates.refetch() />
        </Show>
    }
}

/// What a rate costs, as typed: its unit, amount and currency.
#[derive(Clone, Copy)]
struct Price {
    unit: RwSignal<RateUnit>,
    amount: RwSignal<String>,
    currency: RwSignal<String>,
}

impl Price {
    /// Empty, its currency the one `default` says until another is typed.
    fn new(default: Memo<String>) -> Self {
        let price = Price {
            unit: RwSignal::new(RateUnit::Hour),
            amount: RwSignal::new(String::new()),
            currency: RwSignal::new(String::new()),
        };
        Effect::new(move |_| {
            let d = default.get();
            if price.currency.get_untracked().is_empty() {
                price.currency.set(d);
            }
        });
        price
    }

    /// The amount to send, or what is wrong with it.
    fn money(&self) -> Result<Money, ApiError> {
        let minor = parse_minor(&self.amount.get_untracked())
            .ok_or_else(|| refused("amount.amount_minor", FieldCode::Format))?;
        Ok(Money {
            amount_minor: minor,
            currency: self.currency.get_untracked().trim().to_uppercase(),
        })
    }
}

/// The unit, amount and currency fields of a rate form.
#[component]
fn PriceFields(
    /// What the fields' ids begin with.
    prefix: &'static str,
    price: Price,
    errors: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let amount_error = field_error(errors, "amount.amount_minor");
    let currency_error = field_error(errors, "amount.currency");
    view! {
        <div class="field">
            <label for=format!("{prefix}-unit")>{tr("finance.unit")}</label>
            <select id=format!("{prefix}-unit") on:change=move |ev| {
                if let Ok(u) = event_target_value(&ev).parse() { price.unit.set(u) }
            }>
                {RateUnit::ALL.iter().map(|u| {
                    let u = *u;
                    view! { <option value=u.as_str() selected=move || price.unit.get() == u>{move || unit_label(u)}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field" class:invalid=move || amount_error().is_some()>
            <label for=format!("{prefix}-amount")>{tr("finance.amount")}</label>
            <input id=format!("{prefix}-amount") required inputmode="decimal" placeholder="40.00"
                prop:value=move || price.amount.get()
                on:input=move |ev| price.amount.set(event_target_value(&ev)) />
            <p class="error" role="alert">{move || amount_error().unwrap_or_default()}</p>
        </div>
        <div class="field" class:invalid=move || currency_error().is_some()>
            <label for=format!("{prefix}-currency")>{tr("finance.currency")}</label>
            <input id=format!("{prefix}-currency") required maxlength="3" size="4"
                prop:value=move || price.currency.get()
                on:input=move |ev| price.currency.set(event_target_value(&ev).to_uppercase()) />
            <p class="error" role="alert">{move || currency_error().unwrap_or_default()}</p>
        </div>
    }
}

/// The student a form is for, picked by name.
#[component]
fn StudentField(
    id: &'static str,
    people: LocalResource<Vec<(Uuid, String)>>,
    person: RwSignal<Option<Uuid>>,
    errors: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let person_error = field_error(errors, "person_id");
    view! {
        <div class="field" class:invalid=move || person_error().is_some()>
            <label for=id>{tr("finance.student")}</label>
            <select id=id required
                prop:value=move || person.get().map(|p| p.to_string()).unwrap_or_default()
                on:change=move |ev| person.set(event_target_value(&ev).parse().ok())>
                <option value="">{tr("finance.pick_student")}</option>
                {move || people.get().map(|l| l.into_iter().map(|(id, n)| view! {
                    <option value=id.to_string()>{n}</option>
                }).collect_view())}
            </select>
            <p class="error" role="alert">{move || person_error().unwrap_or_default()}</p>
        </div>
    }
}

/// A subject typed, or none for every subject.
fn subject_of_input(text: String) -> Option<String> {
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[component]
fn NewRateForm(
    people: LocalResource<Vec<(Uuid, String)>>,
    tutors: LocalResource<HashMap<Uuid, String>>,
    default_currency: Memo<String>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let person = RwSignal::new(None::<Uuid>);
    let tutor = RwSignal::new(None::<Uuid>);
    let subject = RwSignal::new(String::new());
    let price = Price::new(default_currency);
    let errors = RwSignal::new(None::<ApiError>);
    let subject_error = field_error(errors, "subject");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(person_id) = person.get_untracked() else {
            errors.set(Some(refused("person_id", FieldCode::Required)));
            return;
        };
        let amount = match price.money() {
            Ok(m) => m,
            Err(e) => {
                errors.set(Some(e));
                return;
            }
        };
        let body = NewRate {
            person_id,
            tutor_id: tutor.get_untracked(),
            subject: subject_of_input(subject.get_untracked()),
            unit: price.unit.get_untracked(),
            amount,
        };
        spawn_local(async move {
            match api::post::<_, RateView>("/api/v1/rates", &body).await {
                Ok(_) => {
                    errors.set(None);
                    subject.set(String::new());
                    price.amount.set(String::new());
                    toasts.success(t("finance.rate_added"));
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form card" data-form="rate" on:submit=submit novalidate=true>
            <h3>{tr("finance.add_rate")}</h3>
            <div class="row">
                <StudentField id="rate-person" people=people person=person errors=errors />
                <div class="field">
                    <label for="rate-tutor">{tr("finance.tutor")}</label>
                    <select id="rate-tutor"
                        prop:value=move || tutor.get().map(|p| p.to_string()).unwrap_or_default()
                        on:change=move |ev| tutor.set(event_target_value(&ev).parse().ok())>
                        <option value="">{tr("finance.any_tutor")}</option>
                        {move || tutors.get().map(|n| sorted(n).into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view())}
                    </select>
                </div>
            </div>
            <div class="field" class:invalid=move || subject_error().is_some()>
                <label for="rate-subject">{tr("finance.subject")}</label>
                <input id="rate-subject" maxlength="200" aria-describedby="rate-subject-hint"
                    prop:value=move || subject.get()
                    on:input=move |ev| subject.set(event_target_value(&ev)) />
                <p class="hint" id="rate-subject-hint">{tr("finance.subject_hint")}</p>
                <p class="error" role="alert">{move || subject_error().unwrap_or_default()}</p>
            </div>
            <div class="row">
                <PriceFields prefix="rate" price=price errors=errors />
            </div>
            <FormError errors=errors />
            <button class="primary" type="submit" data-action="add-rate">{tr("finance.add_rate")}</button>
        </form>
    }
}

#[component]
fn NewPayRateForm(
    tutors: LocalResource<HashMap<Uuid, String>>,
    default_currency: Memo<String>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let tutor = RwSignal::new(None::<Uuid>);
    let subject = RwSignal::new(String::new());
    let price = Price::new(default_currency);
    let errors = RwSignal::new(None::<ApiError>);
    let tutor_error = field_error(errors, "tutor_id");
    let subject_error = field_error(errors, "subject");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(tutor_id) = tutor.get_untracked() else {
            errors.set(Some(refused("tutor_id", FieldCode::Required)));
            return;
        };
        let amount = match price.money() {
            Ok(m) => m,
            Err(e) => {
                errors.set(Some(e));
                return;
            }
        };
        let body = NewPayRate {
            tutor_id,
            subject: subject_of_input(subject.get_untracked()),
            unit: price.unit.get_untracked(),
            amount,
        };
        spawn_local(async move {
            match api::post::<_, PayRateView>("/api/v1/pay-rates", &body).await {
                Ok(_) => {
                    errors.set(None);
                    subject.set(String::new());
                    price.amount.set(String::new());
                    toasts.success(t("finance.pay_rate_added"));
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form card" data-form="pay-rate" on:submit=submit novalidate=true>
            <h3>{tr("finance.add_pay_rate")}</h3>
            <div class="row">
                <div class="field" class:invalid=move || tutor_error().is_some()>
                    <label for="pay-rate-tutor">{tr("finance.tutor")}</label>
                    <select id="pay-rate-tutor" required
                        prop:value=move || tutor.get().map(|p| p.to_string()).unwrap_or_default()
                        on:change=move |ev| tutor.set(event_target_value(&ev).parse().ok())>
                        <option value="">{tr("finance.pick_tutor")}</option>
                        {move || tutors.get().map(|n| sorted(n).into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view())}
                    </select>
                    <p class="error" role="alert">{move || tutor_error().unwrap_or_default()}</p>
                </div>
                <div class="field" class:invalid=move || subject_error().is_some()>
                    <label for="pay-rate-subject">{tr("finance.subject")}</label>
                    <input id="pay-rate-subject" maxlength="200"
                        prop:value=move || subject.get()
                        on:input=move |ev| subject.set(event_target_value(&ev)) />
                    <p class="hint">{tr("finance.subject_hint")}</p>
                    <p class="error" role="alert">{move || subject_error().unwrap_or_default()}</p>
                </div>
            </div>
            <div class="row">
                <PriceFields prefix="pay-rate" price=price errors=errors />
            </div>
            <FormError errors=errors />
            <button class="primary" type="submit" data-action="add-pay-rate">{tr("finance.add_pay_rate")}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::{margin_rate, parse_month, plain};
    use chrono::NaiveDate;

    #[test]
    fn a_month_input_is_read_as_its_first_day() {
        assert_eq!(parse_month("2026-11"), NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(parse_month(""), None);
        assert_eq!(parse_month("2026-13"), None);
    }

    #[test]
    fn amounts_are_typed_back_as_people_write_them() {
        assert_eq!(plain(12050), "120.50");
        assert_eq!(plain(5), "0.05");
        assert_eq!(margin_rate(10, 0), "—");
    }
}
