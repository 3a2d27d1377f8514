//! The admin page of custom fields: the fields of people, organisations and
//! groups in their order, a form to add one, and for each a way to rename it,
//! make it required or not, archive it and bring it back.

use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::components::toast::toasts;
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    CreateCustomFieldRequest, CustomFieldPage, CustomFieldView, FieldKind, FieldRecord,
    UpdateCustomFieldRequest,
};
use rapport_domain::{Module, Permission};

#[leptos::lazy]
fn page() -> AnyView {
    view! { <CustomFields /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "custom-fields",
    label: "nav.custom_fields",
    section: Section::Admin,
    visible: |s| s.can(Permission::CustomFieldsManage),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

fn kind_label(k: FieldKind) -> String {
    t(&format!("custom_fields.kind.{}", k.as_str()))
}

fn record_label(r: FieldRecord) -> String {
    t(&format!("custom_fields.record.{}", r.as_str()))
}

#[component]
pub fn CustomFields() -> impl IntoView {
    let session = session::current();
    view! {
        <Show when=move || session.can(Permission::CustomFieldsManage)
            fallback=|| view! { <crate::pages::errors::NotFound /> }>
            <CustomFieldsPage />
        </Show>
    }
}

#[component]
fn CustomFieldsPage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    // The kinds of record this workspace has.
    let records = move || {
        FieldRecord::ALL
            .into_iter()
            .filter(|r| match r {
                FieldRecord::Person => true,
                FieldRecord::Organization => session.has_module(Module::Organizations),
                FieldRecord::Group => session.has_module(Module::Groups),
            })
            .collect::<Vec<_>>()
    };
    let record = RwSignal::new(FieldRecord::Person);
    let archived = RwSignal::new(false);
    let fields = LocalResource::new(move || {
        let (r, a) = (record.get(), archived.get());
        async move {
            api::get::<CustomFieldPage>(&format!(
                "/api/v1/custom-fields?limit=200&record_type={}&archived={a}",
                r.as_str()
            ))
            .await
        }
    });
    live.on_event(move |e| {
        if e.kind.starts_with("custom_field.") {
            fields.refetch();
        }
    });
    view! {
        <section class="page" data-page="custom-fields">
            <header class="page-header">
                <h1>{tr("nav.custom_fields")}</h1>
                <p class="lead">{tr("custom_fields.lead")}</p>
            </header>
            <div class="toolbar">
                <div class="tabs" role="tablist" aria-label=tr("custom_fields.records")>
                    {move || records().into_iter().map(|r| view! {
                        <button role="tab" class="tab" aria-selected=move || (record.get() == r).to_string()
                            on:click=move |_| record.set(r)>{move || record_label(r)}</button>
                    }).collect_view()}
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev)) />
                    {tr("custom_fields.archived")}
                </label>
            </div>
            <Show when=move || !archived.get()>
                <NewField record=record on_done=move || fields.refetch() />
            </Show>
            {move || fields.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(page) if page.data.is_empty() => view! {
                    <p class="empty">{move || if archived.get() { t("custom_fields.none_archived") } else { t("custom_fields.empty") }}</p>
                }.into_any(),
                Ok(page) => view! {
                    <table class="table dense" aria-label=tr("nav.custom_fields")>
                        <thead><tr>
                            <th scope="col">{tr("custom_fields.label")}</th>
                            <th scope="col">{tr("custom_fields.key")}</th>
                            <th scope="col">{tr("custom_fields.kind")}</th>
                            <th scope="col">{tr("custom_fields.required")}</th>
                            <th scope="col"><span class="sr-only">{tr("groups.actions")}</span></th>
                        </tr></thead>
                        <tbody>
                            {page.data.into_iter().map(|f| view! { <FieldRow field=f on_change=move || fields.refetch() /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn FieldRow(
    field: CustomFieldView,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let id = field.id;
    let version = field.version;
    let archived = field.archived_at.is_some();
    let label = RwSignal::new(field.label.clone());
    let save = move |body: UpdateCustomFieldRequest| {
        spawn_local(async move {
            match api::patch_at::<_, CustomFieldView>(
                &format!("/api/v1/custom-fields/{id}"),
                version,
                &body,
            )
            .await
            {
                Ok(f) => toasts.success(tf("custom_fields.saved", &[("label", &f.label)])),
                Err(e) => toasts.error(e.message()),
            }
            on_change();
        });
    };
    let archive = move |_| {
        spawn_local(async move {
            let path = format!("/api/v1/custom-fields/{id}");
            let done = if archived {
                api::post_empty::<CustomFieldView>(&format!("{path}/restore"))
                    .await
                    .map(drop)
            } else {
                api::delete(&path).await
            };
            if let Err(e) = done {
                toasts.error(e.message());
            }
            on_change();
        });
    };
    let required = field.required;
    view! {
        <tr data-field=field.key.clone()>
            <td>
                <input aria-label=tr("custom_fields.label") prop:value=move || label.get() disabled=archived
                    on:input=move |ev| label.set(event_target_value(&ev))
                    on:change=move |_| save(UpdateCustomFieldRequest { label: Some(label.get_untracked()), ..Default::default() }) />
            </td>
            <td>
                <code>{field.key.clone()}</code>
                {field.sensitive.then(|| view! { " " <span class="badge sensitive" title=move || t("custom_fields.sensitive_hint")>{tr("custom_fields.sensitive")}</span> })}
            </td>
            <td>{kind_label(field.kind)}{(!field.options.is_empty()).then(|| format!(" ({})", field.options.join(", ")))}</td>
            <td>
                <input type="checkbox" aria-label=tf("custom_fields.required_named", &[("label", &field.label)])
                    prop:checked=required disabled=archived || field.sensitive
                    on:change=move |ev| save(UpdateCustomFieldRequest { required: Some(event_target_checked(&ev)), ..Default::default() }) />
            </td>
            <td>
                <button class="link" on:click=archive>
                    {if archived { tr("custom_fields.restore") } else { tr("custom_fields.archive") }}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn NewField(
    record: RwSignal<FieldRecord>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let label = RwSignal::new(String::new());
    let kind = RwSignal::new(FieldKind::Text);
    let options = RwSignal::new(String::new());
    let required = RwSignal::new(false);
    let sensitive = RwSignal::new(false);
    let errors = RwSignal::new(None::<ApiError>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let k = kind.get_untracked();
        let body = CreateCustomFieldRequest {
            record_type: record.get_untracked(),
            label: label.get_untracked(),
            key: None,
            kind: k,
            options: if k.has_options() {
                rapport_domain::validate::split_tags(&options.get_untracked())
            } else {
                vec![]
            },
            required: required.get_untracked(),
            sensitive: sensitive.get_untracked() && record.get_untracked() == FieldRecord::Person,
        };
        spawn_local(async move {
            match api::post::<_, CustomFieldView>("/api/v1/custom-fields", &body).await {
                Ok(f) => {
                    toasts.success(tf("custom_fields.added", &[("label", &f.label)]));
                    label.set(String::new());
                    options.set(String::new());
                    sensitive.set(false);
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="inline-form card" on:submit=submit novalidate=true aria-label=tr("custom_fields.add")>
            <div class="row">
                <Field label="custom_fields.label" name="label" value=label errors=errors required=true />
                <div class="field">
                    <label for="f-kind">{tr("custom_fields.kind")}</label>
                    <select id="f-kind" on:change=move |ev| { if let Ok(k) = event_target_value(&ev).parse() { kind.set(k); } }>
                        {FieldKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{move || kind_label(k)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || kind.get().has_options()>
                    <Field label="custom_fields.options" name="options" value=options errors=errors hint="people.tags_hint" />
                </Show>
                <label class="check">
                    <input type="checkbox" prop:checked=move || required.get() disabled=move || sensitive.get()
                        on:change=move |ev| required.set(event_target_checked(&ev)) />
                    {tr("custom_fields.required")}
                </label>
                <Show when=move || record.get() == FieldRecord::Person>
                    <label class="check" title=move || t("custom_fields.sensitive_hint")>
                        <input type="checkbox" name="sensitive" prop:checked=move || sensitive.get()
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                sensitive.set(on);
                                if on { required.set(false); }
                            } />
                        {tr("custom_fields.sensitive")}
                    </label>
                </Show>
            </div>
            <Show when=move || sensitive.get()>
                <p class="hint">{tr("custom_fields.sensitive_hint")}</p>
            </Show>
            <FormError errors=errors />
            <button type="submit" class="primary">{tr("custom_fields.add")}</button>
        </form>
    }
}
