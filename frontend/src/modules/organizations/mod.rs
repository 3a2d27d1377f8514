//! Organisations: the list (search, sort, the deleted, a choice of columns),
//! a form to add one, and a panel to change, delete or restore one.

use crate::api::{self, ApiError};
use crate::components::bulk::{BulkBar, SelectAll, SelectOne};
use crate::components::columns::{self, Column, ColumnSet, Columns};
use crate::components::form::{Field, FormError};
use crate::components::layout::template_label;
use crate::components::paged::Paged;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{self, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    CreateOrganizationRequest, FieldRecord, OrganizationPage, OrganizationView,
    UpdateOrganizationRequest,
};
use rapport_domain::{Module, Permission};
use uuid::Uuid;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Organizations /> }.into_any()
}

/// The module's page and its link, named in the template's words.
pub const ENTRY: Entry = Entry {
    path: "organizations",
    label: "organizations",
    section: Section::Records,
    visible: |s| s.has_module(Module::Organizations) && s.can(Permission::OrganizationsRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn Organizations() -> impl IntoView {
    let session = session::current();
    view! {
        <Show
            when=move || session.has_module(Module::Organizations) && session.can(Permission::OrganizationsRead)
            fallback=|| view! { <crate::pages::errors::NotFound /> }
        >
            <OrganizationsPage />
        </Show>
    }
}

#[component]
fn OrganizationsPage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let q = RwSignal::new(String::new());
    let typed = RwSignal::new(0u32);
    let sort = RwSignal::new("name".to_string());
    let trash = RwSignal::new(false);
    let fields = crate::components::custom_fields::fields_of(FieldRecord::Organization);
    let columns = Columns::new(&COLUMNS, fields);
    let names = crate::components::members::member_names();
    // The list's filters and sort, as a query string: the list's and the export's.
    let query = move || {
        let mut path = format!("sort={}", api::enc(&sort.get()));
        let text = q.get();
        if !text.trim().is_empty() {
            path.push_str(&format!("&q={}", api::enc(text.trim())));
        }
        if trash.get() {
            path.push_str("&deleted=true");
        }
        path
    };
    let list = Paged::<OrganizationPage>::new(move || {
        format!("/api/v1/organizations?limit=50&{}", query())
    });
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    Effect::new(move |first: Option<()>| {
        q.track();
        sort.track();
        trash.track();
        if first.is_some() {
            list.load(false);
        }
    });
    // `?open=<id>` (from the search) opens that record's panel.
    let url = leptos_router::hooks::use_query_map();
    let open = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        if let Some(id) = url.with(|q| q.get("open")).and_then(|id| id.parse().ok()) {
            open.set(Some(id));
        }
    });
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let reload = move || {
        selected.set(Vec::new());
        list.load(false);
    };
    let can_write = move || session.can(Permission::OrganizationsWrite);
    let adding = RwSignal::new(false);
    let importing = RwSignal::new(false);
    // Someone else's change shows at once, and so do the organisations an
    // import adds.
    live.on_event(move |e| {
        if e.kind.starts_with("organization.")
            || (e.kind == rapport_domain::imports::UPDATED_EVENT
                && e.data["status"] == "completed"
                && e.data["record_type"] == "organization")
        {
            list.load(false);
        }
    });
    let title = move || template_label("organizations");
    view! {
        <section class="page" data-page="organizations">
            <header class="page-header with-actions">
                <div>
                    <h1>{title}</h1>
                    <p class="lead">{tr("organizations.lead")}</p>
                </div>
                <div class="actions">
                    <Show when=move || session.can(Permission::OrganizationsWrite) && session.can(Permission::ImportsWrite)>
                        <button class="secondary" on:click=move |_| importing.update(|a| *a = !*a)>{tr("import.open")}</button>
                    </Show>
                    <Show when=move || session.can(Permission::OrganizationsWrite)>
                        <button class="primary" on:click=move |_| adding.update(|a| *a = !*a)>{tr("organizations.add")}</button>
                    </Show>
                </div>
            </header>
            <Show when=move || importing.get()>
                <crate::modules::people::import::ImportWizard
                    record=rapport_domain::imports::ImportRecord::Organization
                    organizations=false
                    on_close=move || {
                        importing.set(false);
                        list.load(false);
                    } />
            </Show>
            <Show when=move || adding.get()>
                <NewOrganization on_done=move |o: OrganizationView| {
                    adding.set(false);
                    open.set(Some(o.id));
                    list.load(false);
                } />
            </Show>
            <div class="toolbar" role="search">
                <input type="search" aria-label=tr("organizations.search") placeholder=tr("organizations.search")
                    prop:value=move || q.get_untracked()
                    on:input=move |ev| {
                        // The list follows the text a moment after typing stops.
                        let text = event_target_value(&ev);
                        let n = typed.get_untracked() + 1;
                        typed.set(n);
                        set_timeout(
                            move || {
                                if typed.get_untracked() == n {
                                    q.set(text);
                                }
                            },
                            std::time::Duration::from_millis(250),
                        );
                    } />
                <select aria-label=tr("people.sort") on:change=move |ev| sort.set(event_target_value(&ev))>
                    <option value="name">{tr("people.sort_name")}</option>
                    <option value="-created_at">{tr("people.sort_newest")}</option>
                    <option value="-updated_at">{tr("people.sort_changed")}</option>
                </select>
                <columns::ColumnChooser columns=columns />
                <crate::components::export::ExportButtons path="/api/v1/organizations" query=query />
                <Show when=move || session.can(Permission::OrganizationsDelete)>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || trash.get()
                            on:change=move |ev| trash.set(event_target_checked(&ev)) />
                        {tr("people.trash")}
                    </label>
                </Show>
            </div>
            <Show when=can_write>
                <BulkBar path="/api/v1/organizations/bulk" selected=selected label="organizations.selection"
                    assign_label="organizations.owner" names=names
                    can_delete=move || session.can(Permission::OrganizationsDelete) on_done=reload />
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="split">
                <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=6 /> }>
                    <Show when=move || rows.with(|r| !r.is_empty()) fallback=move || view! {
                        <p class="empty">{move || if trash.get() { t("people.trash_empty") } else if q.with(String::is_empty) {
                            tf("organizations.empty", &[("organizations", &title())])
                        } else { t("people.none_match") }}</p>
                    }>
                        <div class="table-scroll">
                        <table class="table dense" aria-label=title>
                            <thead>
                                <tr>
                                    <Show when=can_write>
                                        <SelectAll label="organizations.select_all" selected=selected
                                            shown=move || rows.with(|r| r.iter().map(|o| o.id).collect()) />
                                    </Show>
                                    <th scope="col">{tr("common.name")}</th>
                                    <columns::ColumnHeaders columns=columns />
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || rows.get() key=|o| (o.id, o.version) children=move |o: OrganizationView| {
                                    let id = o.id;
                                    let name = o.name.clone();
                                    let row_name = name.clone();
                                    let select_name = name.clone();
                                    view! {
                                        <tr data-organization=row_name class:open=move || open.get() == Some(id)>
                                            <Show when=can_write>
                                                <SelectOne id=id name=select_name.clone() selected=selected />
                                            </Show>
                                            <td><button class="link" on:click=move |_| open.set(Some(id))>{name}</button></td>
                                            {move || columns.shown().into_iter().map(|c| cell(&o, &c, &names.get().unwrap_or_default())).collect_view()}
                                        </tr>
                                    }
                                } />
                            </tbody>
                        </table>
                        </div>
                    </Show>
                </Show>
                {move || open.get().map(|id| view! { <OrganizationPanel id=id on_close=move || open.set(None) on_change=move || list.load(false) /> })}
            </div>
            <Show when=move || cursor.get().is_some()>
                <button class="secondary" disabled=move || loading.get() on:click=move |_| list.load(true)>{tr("common.more")}</button>
            </Show>
        </section>
    }
}

/// The columns the list can show besides the name, and the ones it shows
/// until the user chooses.
static COLUMNS: ColumnSet = ColumnSet {
    storage_key: "rapport.organizations.columns",
    standard: &[
        Column::text("domain", "organizations.domain"),
        Column::text("industry", "organizations.industry"),
        Column::text("phone", "people.phone"),
        Column::text("tags", "people.tags"),
        Column::text("owner", "organizations.owner"),
        Column::text("created", "organizations.created"),
    ],
    shown: &["domain", "industry", "phone", "tags"],
};

/// One cell of `o` in column `column` (a custom field's is `cf:<key>`).
fn cell(
    o: &OrganizationView,
    column: &str,
    names: &std::collections::HashMap<Uuid, String>,
) -> AnyView {
    let text = |s: String| view! { <td>{s}</td> }.into_any();
    match column {
        "domain" => text(o.domain.clone().unwrap_or_default()),
        "industry" => text(o.industry.clone().unwrap_or_default()),
        "phone" => text(o.phone.clone().unwrap_or_default()),
        "tags" => view! {
            <td class="tags">{o.tags.iter().map(|t| view! { <span class="chip">{t.clone()}</span> }).collect_view()}</td>
        }
        .into_any(),
        "owner" => text(o.owner_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default()),
        "created" => text(i18n::date(&o.created_at, &session::time_zone())),
        other => columns::field_cell(other, &o.custom_fields),
    }
}

#[component]
fn NewOrganization(
    on_done: impl Fn(OrganizationView) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let name = RwSignal::new(String::new());
    let domain = RwSignal::new(String::new());
    let industry = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let body = CreateOrganizationRequest {
            name: name.get_untracked(),
            domain: some(domain.get_untracked()),
            industry: some(industry.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            match api::post::<_, OrganizationView>("/api/v1/organizations", &body).await {
                Ok(o) => {
                    toasts.success(tf("people.added", &[("name", &o.name)]));
                    on_done(o);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form card" on:submit=submit novalidate=true aria-label=tr("organizations.add")>
            <div class="row">
                <Field label="common.name" name="name" value=name errors=errors required=true />
                <Field label="organizations.domain" name="domain" value=domain errors=errors />
                <Field label="organizations.industry" name="industry" value=industry errors=errors />
            </div>
            <FormError errors=errors />
            <button type="submit" class="primary" disabled=move || busy.get()>{tr("common.save")}</button>
        </form>
    }
}

#[component]
fn OrganizationPanel(
    id: Uuid,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let org = LocalResource::new(move || async move {
        api::get::<OrganizationView>(&format!("/api/v1/organizations/{id}")).await
    });
    live.on_event(move |e| {
        if e.kind.starts_with("organization.")
            && e.data["id"].as_str() == Some(id.to_string().as_str())
        {
            org.refetch();
        }
    });
    // What the panel is drawn from: a refetch that reads the same (the
    // event of a change just made here, arriving late) leaves the panel, and
    // what is being typed in it, as it is.
    let shown = Memo::new(move |_| org.get().map(|r| r.map_err(|e| e.message())));
    let name = RwSignal::new(String::new());
    let domain = RwSignal::new(String::new());
    let industry = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let fields = crate::components::custom_fields::fields_of(FieldRecord::Organization);
    let custom = RwSignal::new(serde_json::Map::new());
    let custom_read = RwSignal::new(serde_json::Map::new());
    let errors = RwSignal::new(None::<ApiError>);
    // The version the form was filled from: a save is on condition of it.
    let version = RwSignal::new(0);
    Effect::new(move |_| {
        if let Some(Ok(o)) = org.get() {
            if o.version == version.get_untracked() {
                return;
            }
            custom.set(o.custom_fields.clone());
            custom_read.set(o.custom_fields.clone());
            version.set(o.version);
            name.set(o.name.clone());
            domain.set(o.domain.clone().unwrap_or_default());
            industry.set(o.industry.clone().unwrap_or_default());
            phone.set(o.phone.clone().unwrap_or_default());
            address.set(o.address.clone().unwrap_or_default());
            tags.set(o.tags.join(", "));
        }
    });
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let values = custom.get_untracked();
        let defs = fields.get_untracked().unwrap_or_default();
        if let Err(e) = crate::components::custom_fields::check(&defs, &values) {
            errors.set(Some(e));
            return;
        }
        let mut sent = values.clone();
        for k in custom_read.with_untracked(|m| m.keys().cloned().collect::<Vec<_>>()) {
            sent.entry(k).or_insert(serde_json::Value::Null);
        }
        let blank = |s: String| Some(Some(s).filter(|s| !s.trim().is_empty()));
        let body = UpdateOrganizationRequest {
            name: Some(name.get_untracked()),
            domain: blank(domain.get_untracked()),
            industry: blank(industry.get_untracked()),
            phone: blank(phone.get_untracked()),
            address: blank(address.get_untracked()),
            tags: Some(rapport_domain::validate::split_tags(&tags.get_untracked())),
            custom_fields: (!sent.is_empty()).then_some(sent),
            ..Default::default()
        };
        spawn_local(async move {
            let at = version.get_untracked();
            match api::patch_at::<_, OrganizationView>(
                &format!("/api/v1/organizations/{id}"),
                at,
                &body,
            )
            .await
            {
                Ok(o) => {
                    toasts.success(tf("people.saved", &[("name", &o.name)]));
                    org.refetch();
                    on_change();
                }
                Err(e) => {
                    // Someone changed it meanwhile: show theirs, keep the message.
                    if e.status == 412 {
                        org.refetch();
                    }
                    errors.set(Some(e));
                }
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match api::delete(&format!("/api/v1/organizations/{id}")).await {
                Ok(()) => {
                    toasts.success(t("people.deleted"));
                    on_close();
                }
                Err(e) => toasts.error(e.message()),
            }
            on_change();
        });
    };
    let restore = move |_| {
        spawn_local(async move {
            match api::post_empty::<OrganizationView>(&format!(
                "/api/v1/organizations/{id}/restore"
            ))
            .await
            {
                Ok(o) => toasts.success(tf("people.restored", &[("name", &o.name)])),
                Err(e) => toasts.error(e.message()),
            }
            org.refetch();
            on_change();
        });
    };
    view! {
        <aside class="panel card" aria-label=tr("people.details")>
            <button class="close" aria-label=tr("common.close") on:click=move |_| on_close()>"×"</button>
            {move || shown.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
                Ok(o) => {
                    let deleted = o.deleted_at.is_some();
                    let editable = !deleted && session.can(Permission::OrganizationsWrite);
                    view! {
                        <h2>{o.name.clone()}</h2>
                        <form on:submit=save novalidate=true>
                            <fieldset disabled=!editable>
                                <Field label="common.name" name="name" value=name errors=errors required=true />
                                <Field label="organizations.domain" name="domain" value=domain errors=errors />
                                <Field label="organizations.industry" name="industry" value=industry errors=errors />
                                <Field label="people.phone" name="phone" kind="tel" value=phone errors=errors />
                                <Field label="organizations.address" name="address" value=address errors=errors />
                                <Field label="people.tags" name="tags" value=tags errors=errors hint="people.tags_hint" />
                                <crate::components::custom_fields::CustomFieldInputs fields=fields values=custom errors=errors />
                                <FormError errors=errors />
                                <Show when=move || editable>
                                    <button type="submit" class="primary">{tr("common.save")}</button>
                                </Show>
                            </fieldset>
                        </form>
                        <Show when=move || session.can(Permission::NotesRead)>
                            <crate::components::timeline::Timeline record=rapport_domain::api::NoteRecord::Organization id=id />
                        </Show>
                        <Show when=move || session.can(Permission::OrganizationsDelete)>
                            {if deleted {
                                view! { <button class="secondary" on:click=restore>{tr("people.restore")}</button> }.into_any()
                            } else {
                                view! { <button class="danger" on:click=remove>{tr("common.delete")}</button> }.into_any()
                            }}
                        </Show>
                    }.into_any()
                }
            })}
        </aside>
    }
}
