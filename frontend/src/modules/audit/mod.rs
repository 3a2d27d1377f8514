use crate::api;
use crate::components::paged::Paged;
use crate::components::ui::{Empty, PageHeader, Skeleton};
use crate::i18n::{self, t, tf, tr};
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{ActorKind, AuditPage, AuditVerifyResponse};
use rapport_domain::Permission;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Audit /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "audit",
    label: "nav.audit",
    section: Section::Admin,
    visible: |s| s.can(Permission::AuditRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <Guard permission=Permission::AuditRead>
            <AuditPageView />
        </Guard>
    }
}

#[derive(Clone, Default, PartialEq)]
struct Filters {
    action: String,
    record_type: String,
    since: String,
    until: String,
}

impl Filters {
    fn query(&self) -> String {
        let mut q = String::from("limit=50");
        for (k, v) in [("action", &self.action), ("record_type", &self.record_type)] {
            if !v.trim().is_empty() {
                q.push_str(&format!("&{k}={}", api::enc(v.trim())));
            }
        }
        if !self.since.is_empty() {
            q.push_str(&format!(
                "&since={}",
                api::enc(&format!("{}T00:00:00Z", self.since))
            ));
        }
        if !self.until.is_empty() {
            q.push_str(&format!(
                "&until={}",
                api::enc(&format!("{}T23:59:59Z", self.until))
            ));
        }
        q
    }
}

#[component]
fn AuditPageView() -> impl IntoView {
    let tz = StoredValue::new(session::time_zone());
    let filters = RwSignal::new(Filters::default());
    let form = RwSignal::new(Filters::default());
    let list = Paged::<AuditPage>::new(move || {
        format!("/api/v1/audit?{}", filters.get_untracked().query())
    });
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    let verify = RwSignal::new(None::<AuditVerifyResponse>);
    // Names for the actors, when the role may list members.
    let names = crate::components::members::member_names();
    let load = move |append: bool| list.load(append);
    let apply = move |ev: SubmitEvent| {
        ev.prevent_default();
        filters.set(form.get_untracked());
        load(false);
    };
    let run_verify = move |_| {
        spawn_local(async move {
            match api::get::<AuditVerifyResponse>("/api/v1/audit/verify").await {
                Ok(v) => verify.set(Some(v)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let input = move |label: &'static str,
                      id: &'static str,
                      kind: &'static str,
                      get: fn(&Filters) -> String,
                      set: fn(&mut Filters, String)| {
        view! {
            <div class="field">
                <label for=id>{move || t(label)}</label>
                <input id=id type=kind prop:value=move || form.with(get) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
            </div>
        }
    };
    view! {
        <section class="page" data-page="audit">
            <PageHeader title="audit.title" lead="audit.lead" />
            <div class="toolbar">
                <button class="secondary" on:click=run_verify>{tr("audit.verify")}</button>
                {move || verify.get().map(|v| if v.ok {
                    view! { <p class="notice ok" role="status">{move || tf("audit.ok", &[("count", &i18n::number(v.checked as f64))])}</p> }.into_any()
                } else {
                    let seq = v.first_bad.unwrap_or_default().to_string();
                    view! { <p class="notice bad" role="alert">{move || tf("audit.bad", &[("seq", &seq)])}</p> }.into_any()
                })}
            </div>
            <form class="filters" on:submit=apply>
                {input("audit.filter_action", "f-action", "text", |f| f.action.clone(), |f, v| f.action = v)}
                {input("audit.filter_record", "f-record", "text", |f| f.record_type.clone(), |f, v| f.record_type = v)}
                {input("audit.filter_since", "f-since", "date", |f| f.since.clone(), |f, v| f.since = v)}
                {input("audit.filter_until", "f-until", "date", |f| f.until.clone(), |f, v| f.until = v)}
                <button type="submit" class="secondary">{tr("audit.filter")}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=5 /> }>
                <Show when=move || !rows.with(|r| r.is_empty()) fallback=|| view! { <Empty text="audit.empty" /> }>
                    <table class="table audit" aria-label=tr("audit.title")>
                        <thead>
                            <tr>
                                <th scope="col">"#"</th>
                                <th scope="col">{tr("audit.when")}</th>
                                <th scope="col">{tr("audit.who")}</th>
                                <th scope="col">{tr("audit.what")}</th>
                                <th scope="col">{tr("audit.changes")}</th>
                                <th scope="col">{tr("audit.from")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {
                                move || {
                                    let tz = tz.get_value();
                                    let names = names.get().unwrap_or_default();
                                    rows.get().into_iter().map(|e| {
                                        let who = match e.actor.kind {
                                            ActorKind::System => t("audit.system"),
                                            ActorKind::ApiKey => t("audit.key"),
                                            ActorKind::User => e.actor.id.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| e.actor.id.map(|i| i.to_string()).unwrap_or_default()),
                                        };
                                        view! {
                                            <tr>
                                                <td>{e.seq}</td>
                                                <td>{i18n::datetime(&e.occurred_at, &tz)}</td>
                                                <td>{who}</td>
                                                <td><code>{e.action.clone()}</code></td>
                                                <td class="changes">{changes_text(&e.changes.value())}</td>
                                                <td>{e.ip.clone().unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()
                                }
                            }
                        </tbody>
                    </table>
                </Show>
            </Show>
            <Show when=move || cursor.get().is_some()>
                <button class="secondary" disabled=move || loading.get() on:click=move |_| load(true)>{tr("common.more")}</button>
            </Show>
        </section>
    }
}

/// `{"role": {"before": "staff", "after": "admin"}}` as `role: staff → admin`.
fn changes_text(changes: &serde_json::Value) -> String {
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let Some(fields) = changes.as_object() else {
        return changes.to_string();
    };
    fields
        .iter()
        .map(
            |(field, change)| match (change.get("before"), change.get("after")) {
                (None, Some(after)) => format!("{field}: {}", show(Some(after))),
                (Some(before), None) => format!("{field}: {} → —", show(Some(before))),
                (before, after) => format!("{field}: {} → {}", show(before), show(after)),
            },
        )
        .collect::<Vec<_>>()
        .join("; ")
}
