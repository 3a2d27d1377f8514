//! People: the list (search, filters, sort, selection and bulk actions), a
//! form to add someone, and a panel to change, delete or restore one.

use crate::api::{self, ApiError};
use crate::components::bulk::{BulkBar, SelectAll, SelectOne};
use crate::components::columns::{self, Column, ColumnSet, Columns};
use crate::components::form::{Field, FormError};
use crate::components::layout::people_label;
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
    CreateInvitationRequest, CreatePersonRequest, Erasure, FieldRecord, Guardian, GuardianView,
    InvitationCreated, PersonPage, PersonStatus, PersonView, SetGuardians, UpdatePersonRequest,
};
use rapport_domain::{Module, Permission, Role};
use uuid::Uuid;

pub mod import;
mod tutoring;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <People /> }.into_any()
}

/// The module's page and its link, named in the template's words.
pub const ENTRY: Entry = Entry {
    path: "people",
    label: "people",
    section: Section::Records,
    visible: |s| s.has_module(Module::People) && s.can(Permission::PeopleRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn People() -> impl IntoView {
    let session = session::current();
    view! {
        <Show
            when=move || session.has_module(Module::People) && session.can(Permission::PeopleRead)
            fallback=|| view! { <crate::pages::errors::NotFound /> }
        >
            <PeoplePage />
        </Show>
    }
}

fn status_label(s: PersonStatus) -> String {
    t(&format!("people.status.{}", s.as_str()))
}

#[component]
fn PeoplePage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let q = RwSignal::new(String::new());
    let typed = RwSignal::new(0u32);
    let status = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let field = RwSignal::new(String::new());
    let field_value = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_string());
    let trash = RwSignal::new(false);
    let branch = RwSignal::new(String::new());
    let branches = crate::modules::branches::open_branches();
    let fields = crate::components::custom_fields::plain_fields_of(FieldRecord::Person);
    let columns = Columns::new(&COLUMNS, fields);
    let names = crate::components::members::member_names();
    // The list's filters and sort, as a query string: the list's and the export's.
    let query = move || {
        let mut path = format!("sort={}", api::enc(&sort.get()));
        let text = q.get();
        if !text.trim().is_empty() {
            path.push_str(&format!("&q={}", api::enc(text.trim())));
        }
        let s = status.get();
        if !s.is_empty() {
            path.push_str(&format!("&status={s}"));
        }
        let t = tag.get();
        if !t.trim().is_empty() {
            path.push_str(&format!("&tag={}", api::enc(t.trim())));
        }
        let o = owner.get();
        if !o.is_empty() {
            path.push_str(&format!("&owner_id={o}"));
        }
        let b = branch.get();
        if !b.is_empty() {
            path.push_str(&format!("&branch_id={b}"));
        }
        let (f, v) = (field.get(), field_value.get());
        if !f.is_empty() && !v.trim().is_empty() {
            path.push_str(&format!(
                "&custom_field={}",
                api::enc(&format!("{f}:{}", v.trim()))
            ));
        }
        if trash.get() {
            path.push_str("&deleted=true");
        }
        path
    };
    let list = Paged::<PersonPage>::new(move || format!("/api/v1/people?limit=50&{}", query()));
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    // Filters and sort read again from the first page as they change.
    Effect::new(move |first: Option<()>| {
        q.track();
        status.track();
        tag.track();
        owner.track();
        branch.track();
        field.track();
        field_value.track();
        sort.track();
        trash.track();
        if first.is_some() {
            list.load(false);
        }
    });
    // In tutoring: each student's rate, sessions left and next session.
    let summaries = tutoring::of_rows(rows);
    let selected = RwSignal::new(Vec::<Uuid>::new());
    // `?open=<id>` (from the search) opens that record's panel.
    let url = leptos_router::hooks::use_query_map();
    let open = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        if let Some(id) = url.with(|q| q.get("open")).and_then(|id| id.parse().ok()) {
            open.set(Some(id));
        }
    });
    let adding = RwSignal::new(false);
    let importing = RwSignal::new(false);
    // Someone else's change shows at once, and so do the people an import adds.
    live.on_event(move |e| {
        if e.kind.starts_with("person.")
            || (e.kind == rapport_domain::imports::UPDATED_EVENT
                && e.data["status"] == "completed"
                && e.data["record_type"] == "person")
        {
            list.load(false);
        }
    });
    let reload = move || {
        selected.set(Vec::new());
        list.load(false);
    };
    let can_write = move || session.can(Permission::PeopleWrite);
    view! {
        <section class="page" data-page="people">
            <header class="page-header with-actions">
                <div>
                    <h1>{people_label}</h1>
                    <p class="lead">{tr("people.lead")}</p>
                </div>
                <div class="actions">
                    <Show when=move || session.can(Permission::PeopleWrite) && session.can(Permission::ImportsWrite)>
                        <button class="secondary" on:click=move |_| importing.update(|a| *a = !*a)>{tr("import.open")}</button>
                    </Show>
                    <Show when=move || session.can(Permission::PeopleWrite)>
                        <button class="primary" on:click=move |_| adding.update(|a| *a = !*a)>{tr("people.add")}</button>
                    </Show>
                </div>
            </header>
            <Show when=move || importing.get()>
                <import::ImportWizard
                    record=rapport_domain::imports::ImportRecord::Person
                    organizations=session.has_module(Module::Organizations) && session.can(Permission::OrganizationsWrite)
                    on_close=move || {
                        importing.set(false);
                        list.load(false);
                    } />
            </Show>
            <Show when=move || adding.get()>
                <NewPerson on_done=move |p: PersonView| {
                    adding.set(false);
                    open.set(Some(p.id));
                    list.load(false);
                } />
            </Show>
            <div class="toolbar" role="search">
                <input type="search" aria-label=tr("people.search") placeholder=tr("people.search")
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
                <select aria-label=tr("people.status") on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">{tr("people.any_status")}</option>
                    {PersonStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str()>{move || status_label(s)}</option>
                    }).collect_view()}
                </select>
                <select aria-label=tr("people.sort") on:change=move |ev| sort.set(event_target_value(&ev))>
                    <option value="name">{tr("people.sort_name")}</option>
                    <option value="-created_at">{tr("people.sort_newest")}</option>
                    <option value="-updated_at">{tr("people.sort_changed")}</option>
                </select>
                <input aria-label=tr("people.tag_filter") placeholder=tr("people.tag_filter") class="narrow"
                    on:change=move |ev| tag.set(event_target_value(&ev)) />
                <Show when=move || names.get().is_some_and(|n| !n.is_empty())>
                    <select aria-label=tr("people.owner") on:change=move |ev| owner.set(event_target_value(&ev))>
                        <option value="">{tr("people.any_owner")}</option>
                        {move || {
                            let mut members: Vec<(Uuid, String)> = names.get().unwrap_or_default().into_iter().collect();
                            members.sort_by(|a, b| a.1.cmp(&b.1));
                            members.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()
                        }}
                    </select>
                </Show>
                <Show when=move || branches.get().is_some_and(|b| !b.is_empty())>
                    <select aria-label=tr("branches.filter") data-filter="branch" on:change=move |ev| branch.set(event_target_value(&ev))>
                        <option value="">{tr("branches.any")}</option>
                        {move || branches.get().unwrap_or_default().into_iter().map(|b| view! {
                            <option value=b.id.to_string()>{b.name}</option>
                        }).collect_view()}
                    </select>
                </Show>
                <Show when=move || fields.get().is_some_and(|f| !f.is_empty())>
                    <select aria-label=tr("people.field_filter") on:change=move |ev| field.set(event_target_value(&ev))>
                        <option value="">{tr("people.any_field")}</option>
                        {move || fields.get().unwrap_or_default().into_iter().map(|f| view! {
                            <option value=f.key.clone()>{f.label.clone()}</option>
                        }).collect_view()}
                    </select>
                    <Show when=move || field.with(|f| !f.is_empty())>
                        <input aria-label=tr("people.field_value") placeholder=tr("people.field_value") class="narrow"
                            on:change=move |ev| field_value.set(event_target_value(&ev)) />
                    </Show>
                </Show>
                <columns::ColumnChooser columns=columns />
                <crate::components::export::ExportButtons path="/api/v1/people" query=query />
                <Show when=move || session.can(Permission::PeopleDelete)>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || trash.get()
                            on:change=move |ev| trash.set(event_target_checked(&ev)) />
                        {tr("people.trash")}
                    </label>
                </Show>
            </div>
            <Show when=can_write>
                <BulkBar path="/api/v1/people/bulk" selected=selected label="people.selection"
                    assign_label="people.owner" names=names
                    can_delete=move || session.can(Permission::PeopleDelete) on_done=reload />
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="split">
                <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=6 /> }>
                    <Show when=move || rows.with(|r| !r.is_empty()) fallback=move || view! {
                        <p class="empty">{move || if trash.get() { t("people.trash_empty") } else if q.with(|q| q.is_empty()) && status.with(String::is_empty) && tag.with(String::is_empty)
                            && owner.with(String::is_empty) && field_value.with(String::is_empty) {
                            tf("people.empty", &[("people", &people_label())])
                        } else { t("people.none_match") }}</p>
                    }>
                        <div class="table-scroll">
                        <table class="table dense" aria-label=people_label>
                            <thead>
                                <tr>
                                    <Show when=can_write>
                                        <SelectAll label="people.select_all" selected=selected
                                            shown=move || rows.with(|r| r.iter().map(|p| p.id).collect()) />
                                    </Show>
                                    <th scope="col">{tr("common.name")}</th>
                                    <Show when=tutoring::shown>
                                        <tutoring::Headers />
                                    </Show>
                                    <columns::ColumnHeaders columns=columns />
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || rows.get() key=|p| (p.id, p.version) children=move |p: PersonView| {
                                    let id = p.id;
                                    let name = p.name();
                                    let row_name = name.clone();
                                    view! {
                                        <tr data-person=row_name class:open=move || open.get() == Some(id)>
                                            <Show when=can_write>
                                                <SelectOne id=id name=name.clone() selected=selected />
                                            </Show>
                                            <td><button class="link" on:click=move |_| open.set(Some(id))>{p.name()}</button></td>
                                            <Show when=tutoring::shown>
                                                <tutoring::Cells id=id found=summaries />
                                            </Show>
                                            {move || columns.shown().into_iter().map(|c| cell(&p, &c, &names.get().unwrap_or_default())).collect_view()}
                                        </tr>
                                    }
                                } />
                            </tbody>
                        </table>
                        </div>
                    </Show>
                </Show>
                {move || open.get().map(|id| view! { <PersonPanel id=id on_close=move || open.set(None) on_change=reload /> })}
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
    storage_key: "rapport.people.columns",
    standard: &[
        Column::text("email", "field.email"),
        Column::text("phone", "people.phone"),
        Column::text("status", "people.status"),
        Column::text("tags", "people.tags"),
        Column::text("owner", "people.owner"),
        Column::text("created", "people.created"),
    ],
    shown: &["email", "phone", "status", "tags"],
};

/// One cell of `p` in column `column` (a custom field's is `cf:<key>`).
fn cell(p: &PersonView, column: &str, names: &std::collections::HashMap<Uuid, String>) -> AnyView {
    let text = |s: String| view! { <td>{s}</td> }.into_any();
    match column {
        "email" => text(p.email.clone().unwrap_or_default()),
        "phone" => text(p.phone.clone().unwrap_or_default()),
        "status" => {
            let s = p.status;
            view! { <td><span class=format!("pill status-{}", s.as_str())>{move || status_label(s)}</span></td> }.into_any()
        }
        "tags" => view! {
            <td class="tags">{p.tags.iter().map(|t| view! { <span class="chip">{t.clone()}</span> }).collect_view()}</td>
        }
        .into_any(),
        "owner" => text(p.owner_id.and_then(|o| names.get(&o).cloned()).unwrap_or_default()),
        "created" => text(i18n::date(&p.created_at, &session::time_zone())),
        other => columns::field_cell(other, &p.custom_fields),
    }
}

#[component]
fn NewPerson(on_done: impl Fn(PersonView) + Copy + Send + Sync + 'static) -> impl IntoView {
    let toasts = toasts();
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    // Whether to invite them to sign in, as a member linked to this person.
    let invite = RwSignal::new(false);
    let may_invite = session::current().can(Permission::InvitationsManage);
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // Their branch, where the workspace has branches.
    let branch = RwSignal::new(None::<Uuid>);
    let branches = crate::modules::branches::open_branches();
    let branch_error = crate::components::form::field_error(errors, "branch_id");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let address = email.get_untracked().trim().to_string();
        if invite.get_untracked() && address.is_empty() {
            errors.set(Some(api::invalid(vec![
                rapport_domain::problem::FieldError::new(
                    "email",
                    rapport_domain::problem::FieldCode::Required,
                    "",
                ),
            ])));
            return;
        }
        busy.set(true);
        let body = CreatePersonRequest {
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            email: Some(email.get_untracked()).filter(|e| !e.trim().is_empty()),
            phone: Some(phone.get_untracked()).filter(|p| !p.trim().is_empty()),
            branch_id: branch.get_untracked(),
            ..Default::default()
        };
        spawn_local(async move {
            match api::post::<_, PersonView>("/api/v1/people", &body).await {
                Ok(p) => {
                    toasts.success(tf("people.added", &[("name", &p.name())]));
                    if invite.get_untracked() {
                        send_invitation(p.id, address).await;
                    }
                    on_done(p);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form card" on:submit=submit novalidate=true aria-label=tr("people.add")>
            <div class="row">
                <Field label="people.first_name" name="first_name" value=first errors=errors required=true />
                <Field label="people.last_name" name="last_name" value=last errors=errors />
                <Field label="field.email" name="email" kind="email" value=email errors=errors />
                <Field label="people.phone" name="phone" kind="tel" value=phone errors=errors />
                <Show when=move || branches.get().is_some_and(|b| !b.is_empty())>
                    <div class="field" class:invalid=move || branch_error().is_some()>
                        <label for="f-new-branch">{tr("branches.filter")}</label>
                        <select id="f-new-branch" on:change=move |ev| branch.set(event_target_value(&ev).parse().ok())>
                            <option value="">{tr("branches.none")}</option>
                            {move || branches.get().unwrap_or_default().into_iter().map(|b| view! {
                                <option value=b.id.to_string()>{b.name}</option>
                            }).collect_view()}
                        </select>
                        <p class="error" role="alert">{move || branch_error().unwrap_or_default()}</p>
                    </div>
                </Show>
            </div>
            <Show when=move || may_invite>
                <label class="check">
                    <input type="checkbox" name="invite" prop:checked=move || invite.get()
                        on:change=move |ev| invite.set(event_target_checked(&ev)) />
                    {tr("people.invite_sign_in")}
                </label>
            </Show>
            <FormError errors=errors />
            <button type="submit" class="primary" disabled=move || busy.get()>{tr("common.save")}</button>
        </form>
    }
}

/// When the person is free, edited on demand: sessions with them are
/// proposed within it.
#[component]
fn FreeTimes(id: Uuid) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="free-times">
            <button type="button" class="secondary" data-test="free-times"
                on:click=move |_| open.update(|o| *o = !*o)>{tr("free.edit")}</button>
            <Show when=move || open.get()>
                <crate::modules::scheduling::HoursEditor
                    path=format!("/api/v1/people/{id}/availability")
                    title="free.title" hint="free.hint" save_label="free.save" saved="free.saved"
                    on_done=move || open.set(false) />
            </Show>
        </div>
    }
}

/// Invites person `id` at `address` to sign in as a member linked to them
/// (a student who will see their own lessons, medals and payments), and
/// says how it went.
async fn send_invitation(id: Uuid, address: String) {
    let toasts = toasts();
    let body = CreateInvitationRequest {
        email: address.clone(),
        role: Role::Member,
        person_id: Some(id),
    };
    match api::post::<_, InvitationCreated>("/api/v1/invitations", &body).await {
        Ok(_) => toasts.success(tf("people.invited", &[("email", &address)])),
        Err(e) => toasts.error(e.message()),
    }
}

/// Whether the person signs in, and, for one who does not yet and has an
/// address, a button to invite them.
#[component]
fn SignIn(p: PersonView) -> impl IntoView {
    let session = session::current();
    let id = p.id;
    let address = p.email.clone().unwrap_or_default();
    let sent = RwSignal::new(false);
    let send = move |_| {
        let address = address.clone();
        sent.set(true);
        spawn_local(send_invitation(id, address));
    };
    if p.user_id.is_some() {
        view! { <p class="muted">{tr("people.signs_in")}</p> }.into_any()
    } else if p.email.is_some()
        && p.deleted_at.is_none()
        && session.can(Permission::InvitationsManage)
    {
        view! {
            <p>
                <button type="button" class="secondary" disabled=move || sent.get() on:click=send>
                    {tr("people.invite")}
                </button>
            </p>
        }
        .into_any()
    } else {
        ().into_any()
    }
}

/// One person: their fields to change, and delete or restore.
#[component]
fn PersonPanel(
    id: Uuid,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let person = LocalResource::new(move || async move {
        api::get::<PersonView>(&format!("/api/v1/people/{id}")).await
    });
    live.on_event(move |e| {
        if e.kind.starts_with("person.") && e.data["id"].as_str() == Some(id.to_string().as_str()) {
            person.refetch();
        }
    });
    // What the panel is drawn from: a refetch that reads the same (the
    // event of a change just made here, arriving late) leaves the panel, and
    // what is being typed in it, as it is.
    let shown = Memo::new(move |_| person.get().map(|r| r.map_err(|e| e.message())));
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let status = RwSignal::new(PersonStatus::Active);
    // Their branch as edited and as read: sent only when changed (an
    // archived branch, offered no more, stays theirs).
    let branch = RwSignal::new(None::<Uuid>);
    let branch_read = RwSignal::new(None::<Uuid>);
    let branches = crate::modules::branches::open_branches();
    // The workspace's own fields, and this person's values as edited and as read.
    let fields = crate::components::custom_fields::fields_of(FieldRecord::Person);
    let custom = RwSignal::new(serde_json::Map::new());
    let custom_read = RwSignal::new(serde_json::Map::new());
    let errors = RwSignal::new(None::<ApiError>);
    let branch_error = crate::components::form::field_error(errors, "branch_id");
    // The version the form was filled from: a save is on condition of it.
    let version = RwSignal::new(0);
    // The form shows the person as last read, also after someone else's change.
    Effect::new(move |_| {
        if let Some(Ok(p)) = person.get() {
            if p.version == version.get_untracked() {
                return;
            }
            custom.set(p.custom_fields.clone());
            custom_read.set(p.custom_fields.clone());
            version.set(p.version);
            first.set(p.first_name.clone());
            last.set(p.last_name.clone());
            email.set(p.email.clone().unwrap_or_default());
            phone.set(p.phone.clone().unwrap_or_default());
            tags.set(p.tags.join(", "));
            status.set(p.status);
            branch.set(p.branch_id);
            branch_read.set(p.branch_id);
        }
    });
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let blank = |s: String| Some(Some(s).filter(|s| !s.trim().is_empty()));
        // The server's own check of the custom values, before sending.
        let values = custom.get_untracked();
        let defs = fields.get_untracked().unwrap_or_default();
        if let Err(e) = crate::components::custom_fields::check(&defs, &values) {
            errors.set(Some(e));
            return;
        }
        // A value emptied here is cleared there.
        let mut sent = values.clone();
        for k in custom_read.with_untracked(|m| m.keys().cloned().collect::<Vec<_>>()) {
            sent.entry(k).or_insert(serde_json::Value::Null);
        }
        let body = UpdatePersonRequest {
            custom_fields: (!sent.is_empty()).then_some(sent),
            first_name: Some(first.get_untracked()),
            last_name: Some(last.get_untracked()),
            email: blank(email.get_untracked()),
            phone: blank(phone.get_untracked()),
            status: Some(status.get_untracked()),
            tags: Some(rapport_domain::validate::split_tags(&tags.get_untracked())),
            branch_id: Some(branch.get_untracked()).filter(|b| *b != branch_read.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            let at = version.get_untracked();
            match api::patch_at::<_, PersonView>(&format!("/api/v1/people/{id}"), at, &body).await {
                Ok(p) => {
                    toasts.success(tf("people.saved", &[("name", &p.name())]));
                    person.refetch();
                    on_change();
                }
                Err(e) => {
                    // Someone changed it meanwhile: show theirs, keep the message.
                    if e.status == 412 {
                        person.refetch();
                    }
                    errors.set(Some(e));
                }
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match api::delete(&format!("/api/v1/people/{id}")).await {
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
            match api::post_empty::<PersonView>(&format!("/api/v1/people/{id}/restore")).await {
                Ok(p) => toasts.success(tf("people.restored", &[("name", &p.name())])),
                Err(e) => toasts.error(e.message()),
            }
            person.refetch();
            on_change();
        });
    };
    // Personal data: its download, and its erasure once the name is typed.
    let confirming = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let export = move |_| {
        spawn_local(async move {
            if let Err(e) = api::download(&format!("/api/v1/people/{id}/personal-data")).await {
                toasts.error(e.message());
            }
        });
    };
    let erase = move |_| {
        spawn_local(async move {
            match api::post_empty::<Erasure>(&format!("/api/v1/people/{id}/erase")).await {
                Ok(_) => toasts.success(t("privacy.erased")),
                Err(e) => toasts.error(e.message()),
            }
            confirming.set(false);
            typed.set(String::new());
            person.refetch();
            on_change();
        });
    };
    let tz = session::time_zone();
    view! {
        <aside class="panel card" aria-label=tr("people.details")>
            <button class="close" aria-label=tr("common.close") on:click=move |_| on_close()>"×"</button>
            {move || shown.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
                Ok(p) => {
                    let deleted = p.deleted_at.is_some();
                    let erased = p.erased_at;
                    let tz2 = tz.clone();
                    let editable = !deleted && session.can(Permission::PeopleWrite);
                    let updated = p.updated_at;
                    let tz = tz.clone();
                    view! {
                        <h2>{p.name()}</h2>
                        <p class="muted">{move || tf("people.updated", &[("when", &i18n::datetime(&updated, &tz))])}</p>
                        <form on:submit=save novalidate=true>
                            <fieldset disabled=!editable>
                                <Field label="people.first_name" name="first_name" value=first errors=errors required=true />
                                <Field label="people.last_name" name="last_name" value=last errors=errors />
                                <Field label="field.email" name="email" kind="email" value=email errors=errors />
                                <Field label="people.phone" name="phone" kind="tel" value=phone errors=errors />
                                <div class="field">
                                    <label for="f-status">{tr("people.status")}</label>
                                    <select id="f-status" on:change=move |ev| {
                                        if let Ok(s) = event_target_value(&ev).parse() { status.set(s); }
                                    }>
                                        {PersonStatus::ALL.into_iter().map(|s| view! {
                                            <option value=s.as_str() selected=move || status.get() == s>{move || status_label(s)}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <Show when=move || branches.get().is_some_and(|b| !b.is_empty()) || branch.get().is_some()>
                                    <div class="field" class:invalid=move || branch_error().is_some()>
                                        <label for="f-branch">{tr("branches.filter")}</label>
                                        <select id="f-branch" on:change=move |ev| branch.set(event_target_value(&ev).parse().ok())>
                                            <option value="" selected=move || branch.get().is_none()>{tr("branches.none")}</option>
                                            {move || {
                                                let mut open: Vec<(Uuid, String)> = branches.get().unwrap_or_default().into_iter().map(|b| (b.id, b.name)).collect();
                                                // Theirs, even archived, is shown as theirs.
                                                if let Some(b) = branch_read.get().filter(|b| !open.iter().any(|o| o.0 == *b)) {
                                                    open.push((b, t("branches.archived")));
                                                }
                                                open.into_iter().map(|(id, name)| {
                                                    view! { <option value=id.to_string() selected=move || branch.get() == Some(id)>{name}</option> }
                                                }).collect_view()
                                            }}
                                        </select>
                                        <p class="error" role="alert">{move || branch_error().unwrap_or_default()}</p>
                                    </div>
                                </Show>
                                <Field label="people.tags" name="tags" value=tags errors=errors hint="people.tags_hint" />
                                <crate::components::custom_fields::CustomFieldInputs fields=fields values=custom errors=errors />
                                <FormError errors=errors />
                                <Show when=move || editable>
                                    <button type="submit" class="primary">{tr("common.save")}</button>
                                </Show>
                            </fieldset>
                        </form>
                        <SignIn p=p.clone() />
                        <Show when={
                            let theirs = p.user_id.is_some() && p.user_id == session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
                            move || !deleted && session.has_module(Module::Scheduling) && (session.can(Permission::PeopleWrite) || theirs)
                        }>
                            <FreeTimes id=id />
                        </Show>
                        <Show when=move || session.has_module(Module::Payments)>
                            <Guardians id=id editable=editable />
                        </Show>
                        <Show when=move || !deleted && tutoring::shown()>
                            <tutoring::Panel id=id />
                        </Show>
                        <Show when=move || session.can(Permission::NotesRead)>
                            <crate::components::timeline::Timeline record=rapport_domain::api::NoteRecord::Person id=id />
                        </Show>
                        <Show when=move || session.can(Permission::PeopleDelete) && erased.is_none()>
                            {if deleted {
                                view! { <button class="secondary" on:click=restore>{tr("people.restore")}</button> }.into_any()
                            } else {
                                view! { <button class="danger" on:click=remove>{tr("common.delete")}</button> }.into_any()
                            }}
                        </Show>
                        <Privacy name=p.name() erased=erased.map(|at| i18n::datetime(&at, &tz2))
                            confirming=confirming typed=typed on_export=export on_erase=erase />
                    }.into_any()
                }
            })}
        </aside>
    }
}

/// A student's guardians, who receive the receipts and the monthly
/// statements: up to four, edited in place and saved together.
#[component]
fn Guardians(id: Uuid, editable: bool) -> impl IntoView {
    let toasts = toasts();
    let rows = RwSignal::new(Vec::<Guardian>::new());
    // Bumped when rows come or go, not on each key typed: the inputs keep
    // their focus.
    let shape = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || async move {
        api::get::<Vec<GuardianView>>(&format!("/api/v1/people/{id}/guardians"))
            .await
            .unwrap_or_default()
    });
    Effect::new(move |_| {
        if let Some(list) = loaded.get() {
            rows.set(
                list.into_iter()
                    .map(|g| Guardian {
                        name: g.name,
                        relation: g.relation,
                        email: g.email,
                        phone: g.phone,
                        receives_mail: g.receives_mail,
                    })
                    .collect(),
            );
            shape.update(|n| *n += 1);
        }
    });
    let errors = RwSignal::new(None::<ApiError>);
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = SetGuardians {
            guardians: rows.get_untracked(),
        };
        spawn_local(async move {
            match api::put::<_, Vec<GuardianView>>(&format!("/api/v1/people/{id}/guardians"), &body)
                .await
            {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("people.guardians_saved"));
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let add = move |_| {
        rows.update(|r| {
            r.push(Guardian {
                name: String::new(),
                relation: None,
                email: None,
                phone: None,
                receives_mail: true,
            })
        });
        shape.update(|n| *n += 1);
    };
    let text = |v: String| Some(v).filter(|v| !v.trim().is_empty());
    view! {
        <section class="guardians" aria-label=tr("people.guardians")>
            <h3>{tr("people.guardians")}</h3>
            <form on:submit=save novalidate=true data-form="guardians">
                <fieldset disabled=!editable>
                    {move || {
                        shape.track();
                        let list = rows.get_untracked();
                        if list.is_empty() {
                            return view! { <p class="muted">{tr("people.no_guardians")}</p> }.into_any();
                        }
                        list.into_iter().enumerate().map(|(i, g)| view! {
                            <div class="guardian">
                                <input aria-label=t("people.guardian_name") placeholder=t("people.guardian_name") required maxlength="200"
                                    value=g.name on:input=move |ev| rows.update_untracked(|r| r[i].name = event_target_value(&ev)) />
                                <input aria-label=t("people.guardian_relation") placeholder=t("people.guardian_relation") maxlength="100"
                                    value=g.relation.unwrap_or_default() on:input=move |ev| rows.update_untracked(|r| r[i].relation = text(event_target_value(&ev))) />
                                <input type="email" aria-label=t("field.email") placeholder=t("field.email")
                                    value=g.email.unwrap_or_default() on:input=move |ev| rows.update_untracked(|r| r[i].email = text(event_target_value(&ev))) />
                                <input type="tel" aria-label=t("people.phone") placeholder=t("people.phone")
                                    value=g.phone.unwrap_or_default() on:input=move |ev| rows.update_untracked(|r| r[i].phone = text(event_target_value(&ev))) />
                                <label class="check">
                                    <input type="checkbox" checked=g.receives_mail
                                        on:change=move |ev| rows.update_untracked(|r| r[i].receives_mail = event_target_checked(&ev)) />
                                    {tr("people.guardian_mail")}
                                </label>
                                <button type="button" class="secondary" on:click=move |_| {
                                    rows.update(|r| { r.remove(i); });
                                    shape.update(|n| *n += 1);
                                }>{tr("people.guardian_remove")}</button>
                            </div>
                        }).collect_view().into_any()
                    }}
                    <FormError errors=errors />
                    <div class="actions">
                        <Show when=move || rows.with(|r| r.len() < rapport_domain::payments::GUARDIANS_MAX)>
                            <button type="button" class="secondary" on:click=add>{tr("people.guardian_add")}</button>
                        </Show>
                        <button type="submit" class="primary">{tr("people.guardians_save")}</button>
                    </div>
                </fieldset>
            </form>
        </section>
    }
}

/// A person's personal data: download it, or erase it once their name is
/// typed (an erasure cannot be undone).
#[component]
fn Privacy(
    name: String,
    /// When they were erased, as shown.
    erased: Option<String>,
    confirming: RwSignal<bool>,
    typed: RwSignal<String>,
    on_export: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
    on_erase: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let may_read = session.can(Permission::PrivacyRead);
    let may_erase = session.can(Permission::PrivacyErase);
    if !may_read && !may_erase {
        return ().into_any();
    }
    if let Some(when) = erased {
        return view! {
            <section class="privacy" aria-label=tr("privacy.title")>
                <h3>{tr("privacy.title")}</h3>
                <p class="muted">{tf("privacy.erased_on", &[("when", &when)])}</p>
            </section>
        }
        .into_any();
    }
    let warning = tf("privacy.erase_warning", &[("name", &name)]);
    let wanted = StoredValue::new(name.trim().to_string());
    let matches = move || typed.with(|t| wanted.with_value(|n| t.trim() == n));
    view! {
        <section class="privacy" aria-label=tr("privacy.title")>
            <h3>{tr("privacy.title")}</h3>
            <Show when=move || may_read>
                <p class="muted">{tr("privacy.export_hint")}</p>
                <button class="secondary" on:click=on_export>{tr("privacy.export")}</button>
            </Show>
            <Show when=move || may_erase && !confirming.get()>
                <button class="danger" on:click=move |_| confirming.set(true)>{tr("privacy.erase")}</button>
            </Show>
            <Show when=move || may_erase && confirming.get()>
                <div class="confirm" role="alertdialog" aria-labelledby="erase-warning">
                    <p id="erase-warning">{warning.clone()}</p>
                    <label for="f-erase-name">{tr("privacy.erase_type")}</label>
                    <input id="f-erase-name" autocomplete="off" prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                    <div class="actions">
                        <button class="danger" disabled=move || !matches() on:click=on_erase>{tr("privacy.erase_confirm")}</button>
                        <button class="secondary" on:click=move |_| { confirming.set(false); typed.set(String::new()); }>{tr("common.cancel")}</button>
                    </div>
                </div>
            </Show>
        </section>
    }
    .into_any()
}
