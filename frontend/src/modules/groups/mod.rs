//! Groups (a school's classes): the list (search, kind, sort, the deleted, a
//! choice of columns), a form to add one, and a panel to change it and keep
//! its register: who belongs to it on a day, who joins and who leaves.

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
use chrono::NaiveDate;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    AddGroupMemberRequest, CreateGroupRequest, FieldRecord, GroupKind, GroupMemberPage,
    GroupMemberView, GroupPage, GroupView, MemberPage, PersonPage, UpdateGroupMemberRequest,
    UpdateGroupRequest,
};
use rapport_domain::{Module, Permission};
use uuid::Uuid;

mod schedule;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Groups /> }.into_any()
}

/// The module's page and its link, named in the template's words.
pub const ENTRY: Entry = Entry {
    path: "groups",
    label: "groups",
    section: Section::Records,
    visible: |s| s.has_module(Module::Groups) && s.can(Permission::GroupsRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

fn kind_label(k: GroupKind) -> String {
    t(&format!("groups.kind.{}", k.as_str()))
}

/// Today on this device.
fn today() -> NaiveDate {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

#[component]
pub fn Groups() -> impl IntoView {
    let session = session::current();
    view! {
        <Show
            when=move || session.has_module(Module::Groups) && session.can(Permission::GroupsRead)
            fallback=|| view! { <crate::pages::errors::NotFound /> }
        >
            <GroupsPage />
        </Show>
    }
}

#[component]
fn GroupsPage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let q = RwSignal::new(String::new());
    let typed = RwSignal::new(0u32);
    let kind = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_string());
    let trash = RwSignal::new(false);
    let fields = crate::components::custom_fields::fields_of(FieldRecord::Group);
    let columns = Columns::new(&COLUMNS, fields);
    let names = crate::components::members::member_names();
    // The list's filters and sort, as the list and its exports ask for them.
    let query = move || {
        let mut path = format!("sort={}", api::enc(&sort.get()));
        let text = q.get();
        if !text.trim().is_empty() {
            path.push_str(&format!("&q={}", api::enc(text.trim())));
        }
        let k = kind.get();
        if !k.is_empty() {
            path.push_str(&format!("&kind={k}"));
        }
        if trash.get() {
            path.push_str("&deleted=true");
        }
        path
    };
    let list = Paged::<GroupPage>::new(move || format!("/api/v1/groups?limit=50&{}", query()));
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    Effect::new(move |first: Option<()>| {
        q.track();
        kind.track();
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
    let can_write = move || session.can(Permission::GroupsWrite);
    let adding = RwSignal::new(false);
    live.on_event(move |e| {
        if e.kind.starts_with("group.") || e.kind.starts_with("group_member.") {
            list.load(false);
        }
    });
    let title = move || template_label("groups");
    view! {
        <section class="page" data-page="groups">
            <header class="page-header with-actions">
                <div>
                    <h1>{title}</h1>
                    <p class="lead">{tr("groups.lead")}</p>
                </div>
                <Show when=move || session.can(Permission::GroupsWrite)>
                    <button class="primary" on:click=move |_| adding.update(|a| *a = !*a)>{tr("groups.add")}</button>
                </Show>
            </header>
            <Show when=move || adding.get()>
                <NewGroup on_done=move |g: GroupView| {
                    adding.set(false);
                    open.set(Some(g.id));
                    list.load(false);
                } />
            </Show>
            <div class="toolbar" role="search">
                <input type="search" aria-label=tr("groups.search") placeholder=tr("groups.search")
                    prop:value=move || q.get_untracked()
                    on:input=move |ev| {
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
                <select aria-label=tr("groups.kind") on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">{tr("groups.any_kind")}</option>
                    {GroupKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{move || kind_label(k)}</option> }).collect_view()}
                </select>
                <select aria-label=tr("people.sort") on:change=move |ev| sort.set(event_target_value(&ev))>
                    <option value="name">{tr("people.sort_name")}</option>
                    <option value="-created_at">{tr("people.sort_newest")}</option>
                    <option value="-updated_at">{tr("people.sort_changed")}</option>
                </select>
                <columns::ColumnChooser columns=columns />
                <crate::components::export::ExportButtons path="/api/v1/groups" query=query />
                <Show when=move || session.can(Permission::GroupsDelete)>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || trash.get()
                            on:change=move |ev| trash.set(event_target_checked(&ev)) />
                        {tr("people.trash")}
                    </label>
                </Show>
            </div>
            <Show when=can_write>
                <BulkBar path="/api/v1/groups/bulk" selected=selected label="groups.selection"
                    assign_label="groups.leader" names=names
                    can_delete=move || session.can(Permission::GroupsDelete) on_done=reload />
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="split">
                <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=6 /> }>
                    <Show when=move || rows.with(|r| !r.is_empty()) fallback=move || view! {
                        <p class="empty">{move || if trash.get() { t("people.trash_empty") } else if q.with(String::is_empty) && kind.with(String::is_empty) {
                            tf("groups.empty", &[("groups", &title())])
                        } else { t("groups.none_match") }}</p>
                    }>
                        <div class="table-scroll">
                        <table class="table dense" aria-label=title>
                            <thead>
                                <tr>
                                    <Show when=can_write>
                                        <SelectAll label="groups.select_all" selected=selected
                                            shown=move || rows.with(|r| r.iter().map(|g| g.id).collect()) />
                                    </Show>
                                    <th scope="col">{tr("common.name")}</th>
                                    <columns::ColumnHeaders columns=columns />
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || rows.get() key=|g| (g.id, g.version, g.member_count) children=move |g: GroupView| {
                                    let id = g.id;
                                    let name = g.name.clone();
                                    let row_name = name.clone();
                                    let select_name = name.clone();
                                    view! {
                                        <tr data-group=row_name class:open=move || open.get() == Some(id)>
                                            <Show when=can_write>
                                                <SelectOne id=id name=select_name.clone() selected=selected />
                                            </Show>
                                            <td><button class="link" on:click=move |_| open.set(Some(id))>{name}</button></td>
                                            {move || columns.shown().into_iter().map(|c| cell(&g, &c, &names.get().unwrap_or_default())).collect_view()}
                                        </tr>
                                    }
                                } />
                            </tbody>
                        </table>
                        </div>
                    </Show>
                </Show>
                {move || open.get().map(|id| view! { <GroupPanel id=id on_close=move || open.set(None) on_change=move || list.load(false) /> })}
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
    storage_key: "rapport.groups.columns",
    standard: &[
        Column::text("kind", "groups.kind"),
        Column::text("course", "groups.course"),
        Column::text("leader", "groups.leader"),
        Column::number("members", "groups.members"),
        Column::text("tags", "people.tags"),
        Column::text("created", "groups.created"),
    ],
    shown: &["kind", "members", "tags"],
};

/// One cell of `g` in column `column` (a custom field's is `cf:<key>`).
fn cell(g: &GroupView, column: &str, names: &std::collections::HashMap<Uuid, String>) -> AnyView {
    let text = |s: String| view! { <td>{s}</td> }.into_any();
    match column {
        "kind" => {
            let k = g.kind;
            view! { <td>{move || kind_label(k)}</td> }.into_any()
        }
        "course" => text(g.course.clone().unwrap_or_default()),
        "leader" => text(g.leader_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default()),
        "members" => view! { <td class="num">{g.member_count}</td> }.into_any(),
        "tags" => view! {
            <td class="tags">{g.tags.iter().map(|t| view! { <span class="chip">{t.clone()}</span> }).collect_view()}</td>
        }
        .into_any(),
        "created" => text(i18n::date(&g.created_at, &session::time_zone())),
        other => columns::field_cell(other, &g.custom_fields),
    }
}

/// A select of the group kinds, bound to `kind`.
#[component]
fn KindSelect(kind: RwSignal<GroupKind>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="f-kind">{tr("groups.kind")}</label>
            <select id="f-kind" on:change=move |ev| {
                if let Ok(k) = event_target_value(&ev).parse() { kind.set(k); }
            }>
                {GroupKind::ALL.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=move || kind.get() == k>{move || kind_label(k)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// A select of the workspace's members, bound to `leader` (a user id or
/// empty), for those who may list members.
#[component]
fn LeaderSelect(leader: RwSignal<String>) -> impl IntoView {
    let members = LocalResource::new(|| async {
        api::get::<MemberPage>("/api/v1/members?limit=200&sort=name").await
    });
    view! {
        <div class="field">
            <label for="f-leader">{tr("groups.leader")}</label>
            <select id="f-leader" on:change=move |ev| leader.set(event_target_value(&ev))>
                <option value="" selected=move || leader.with(String::is_empty)>{tr("groups.no_leader")}</option>
                {move || members.get().and_then(Result::ok).map(|page| page.data.into_iter().map(|m| {
                    let id = m.user_id.to_string();
                    let mine = id.clone();
                    view! { <option value=id selected=move || leader.with(|l| *l == mine)>{m.name}</option> }
                }).collect_view())}
            </select>
        </div>
    }
}

#[component]
fn NewGroup(on_done: impl Fn(GroupView) + Copy + Send + Sync + 'static) -> impl IntoView {
    let toasts = toasts();
    let session = session::current();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(GroupKind::Class);
    let leader = RwSignal::new(String::new());
    let course = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        let body = CreateGroupRequest {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            description: Some(description.get_untracked()).filter(|s| !s.trim().is_empty()),
            leader_id: leader.get_untracked().parse().ok(),
            course: Some(course.get_untracked())
                .filter(|s| !s.trim().is_empty() && kind.get_untracked() == GroupKind::Class),
            tags: vec![],
            custom_fields: Default::default(),
        };
        spawn_local(async move {
            match api::post::<_, GroupView>("/api/v1/groups", &body).await {
                Ok(g) => {
                    toasts.success(tf("people.added", &[("name", &g.name)]));
                    on_done(g);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form card" on:submit=submit novalidate=true aria-label=tr("groups.add")>
            <div class="row">
                <Field label="common.name" name="name" value=name errors=errors required=true />
                <KindSelect kind=kind />
                <Show when=move || session.can(Permission::MembersRead)>
                    <LeaderSelect leader=leader />
                </Show>
                <Show when=move || kind.get() == GroupKind::Class>
                    <Field label="groups.course" name="course" value=course errors=errors hint="groups.course_hint" />
                </Show>
                <Field label="groups.description" name="description" value=description errors=errors />
            </div>
            <FormError errors=errors />
            <button type="submit" class="primary" disabled=move || busy.get()>{tr("common.save")}</button>
        </form>
    }
}

/// What a group's panel is drawn from.
#[derive(Clone, PartialEq)]
struct Drawn {
    deleted: bool,
    kind: GroupKind,
    name: String,
    course: Option<String>,
    leader_id: Option<Uuid>,
}

#[component]
fn GroupPanel(
    id: Uuid,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let group = LocalResource::new(move || async move {
        api::get::<GroupView>(&format!("/api/v1/groups/{id}")).await
    });
    live.on_event(move |e| {
        if e.kind.starts_with("group.") && e.data["id"].as_str() == Some(id.to_string().as_str()) {
            group.refetch();
        }
    });
    // What the panel is drawn from: a refetch that changes none of it (the
    // event of a change just made here, arriving late) leaves the panel, and
    // what is being typed in it, as it is.
    let drawn = Memo::new(move |_| {
        group.get().map(|r| {
            r.map(|g| Drawn {
                deleted: g.deleted_at.is_some(),
                kind: g.kind,
                name: g.name,
                course: g.course,
                leader_id: g.leader_id,
            })
            .map_err(|e| e.message())
        })
    });
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(GroupKind::Class);
    let leader = RwSignal::new(String::new());
    let course = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let fields = crate::components::custom_fields::fields_of(FieldRecord::Group);
    let custom = RwSignal::new(serde_json::Map::new());
    let custom_read = RwSignal::new(serde_json::Map::new());
    let errors = RwSignal::new(None::<ApiError>);
    let version = RwSignal::new(0);
    // The form is filled from each new version of the group, and left as
    // it is typed while the version stays the same.
    Effect::new(move |_| {
        if let Some(Ok(g)) = group.get() {
            if g.version == version.get_untracked() {
                return;
            }
            custom.set(g.custom_fields.clone());
            custom_read.set(g.custom_fields.clone());
            version.set(g.version);
            name.set(g.name.clone());
            kind.set(g.kind);
            leader.set(g.leader_id.map(|l| l.to_string()).unwrap_or_default());
            course.set(g.course.clone().unwrap_or_default());
            description.set(g.description.clone().unwrap_or_default());
            tags.set(g.tags.join(", "));
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
        let body = UpdateGroupRequest {
            name: Some(name.get_untracked()),
            kind: Some(kind.get_untracked()),
            description: Some(Some(description.get_untracked()).filter(|s| !s.trim().is_empty())),
            leader_id: session
                .can(Permission::MembersRead)
                .then(|| leader.get_untracked().parse().ok()),
            course: Some(Some(course.get_untracked()).filter(|s| !s.trim().is_empty())),
            tags: Some(rapport_domain::validate::split_tags(&tags.get_untracked())),
            custom_fields: (!sent.is_empty()).then_some(sent),
        };
        spawn_local(async move {
            let at = version.get_untracked();
            match api::patch_at::<_, GroupView>(&format!("/api/v1/groups/{id}"), at, &body).await {
                Ok(g) => {
                    toasts.success(tf("people.saved", &[("name", &g.name)]));
                    group.refetch();
                    on_change();
                }
                Err(e) => {
                    if e.status == 412 {
                        group.refetch();
                    }
                    errors.set(Some(e));
                }
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match api::delete(&format!("/api/v1/groups/{id}")).await {
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
            match api::post_empty::<GroupView>(&format!("/api/v1/groups/{id}/restore")).await {
                Ok(g) => toasts.success(tf("people.restored", &[("name", &g.name)])),
                Err(e) => toasts.error(e.message()),
            }
            group.refetch();
            on_change();
        });
    };
    view! {
        <aside class="panel card" aria-label=tr("people.details")>
            <button class="close" aria-label=tr("common.close") on:click=move |_| on_close()>"×"</button>
            {move || drawn.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
                Ok(g) => {
                    let deleted = g.deleted;
                    let editable = !deleted && session.can(Permission::GroupsWrite);
                    let scheduled = g.kind == GroupKind::Class
                        && session.has_module(Module::Scheduling)
                        && session.can(Permission::SessionsRead);
                    let (title, leader_id) = (g.name.clone(), g.leader_id);
                    view! {
                        <h2>{g.name.clone()}</h2>
                        {g.course.clone().map(|c| view! { <p class="muted course">{c}</p> })}
                        <form on:submit=save novalidate=true>
                            <fieldset disabled=!editable>
                                <Field label="common.name" name="name" value=name errors=errors required=true />
                                <KindSelect kind=kind />
                                <Show when=move || session.can(Permission::MembersRead)>
                                    <LeaderSelect leader=leader />
                                </Show>
                                <Show when=move || kind.get() == GroupKind::Class>
                                    <Field label="groups.course" name="course" value=course errors=errors hint="groups.course_hint" />
                                </Show>
                                <Field label="groups.description" name="description" value=description errors=errors />
                                <Field label="people.tags" name="tags" value=tags errors=errors hint="people.tags_hint" />
                                <crate::components::custom_fields::CustomFieldInputs fields=fields values=custom errors=errors />
                                <FormError errors=errors />
                                <Show when=move || editable>
                                    <button type="submit" class="primary">{tr("common.save")}</button>
                                </Show>
                            </fieldset>
                        </form>
                        <Show when=move || scheduled>
                            <schedule::Schedule group=id name=title.clone() leader=leader_id editable=editable />
                        </Show>
                        <Register group=id editable=editable on_change=move || { group.refetch(); on_change(); } />
                        <Show when=move || session.can(Permission::NotesRead)>
                            <crate::components::timeline::Timeline record=rapport_domain::api::NoteRecord::Group id=id />
                        </Show>
                        <Show when=move || session.can(Permission::GroupsDelete)>
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

/// Who belongs to the group on a chosen day (today at first), with the day
/// each joined and left; people to add; "leaves today" for each.
#[component]
fn Register(
    group: Uuid,
    editable: bool,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let toasts = toasts();
    let day = RwSignal::new(today().to_string());
    let everyone = RwSignal::new(false);
    let members = LocalResource::new(move || {
        let on = day.get();
        let all = everyone.get();
        async move {
            let query = if all {
                "all=true&sort=joined_on".to_string()
            } else {
                format!("on={}", api::enc(&on))
            };
            api::get::<GroupMemberPage>(&format!(
                "/api/v1/groups/{group}/members?limit=200&{query}"
            ))
            .await
        }
    });
    live.on_event(move |e| {
        if e.kind.starts_with("group_member.")
            && e.data["group_id"].as_str() == Some(group.to_string().as_str())
        {
            members.refetch();
        }
    });
    let find = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let text = find.get();
        async move {
            if text.trim().len() < 2 {
                return None;
            }
            api::get::<PersonPage>(&format!(
                "/api/v1/people?limit=6&q={}",
                api::enc(text.trim())
            ))
            .await
            .ok()
        }
    });
    let error = RwSignal::new(None::<ApiError>);
    let add = move |person_id: Uuid| {
        error.set(None);
        let body = AddGroupMemberRequest {
            person_id,
            joined_on: day.get_untracked().parse().ok(),
            left_on: None,
        };
        spawn_local(async move {
            match api::post::<_, GroupMemberView>(&format!("/api/v1/groups/{group}/members"), &body)
                .await
            {
                Ok(m) => {
                    toasts.success(tf(
                        "groups.joined",
                        &[("name", &format!("{} {}", m.first_name, m.last_name))],
                    ));
                    find.set(String::new());
                    members.refetch();
                    on_change();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let leave = move |m: GroupMemberView| {
        error.set(None);
        let body = UpdateGroupMemberRequest {
            joined_on: None,
            left_on: Some(Some(today().max(m.joined_on))),
        };
        spawn_local(async move {
            match api::patch_at::<_, GroupMemberView>(
                &format!("/api/v1/groups/{group}/members/{}", m.id),
                m.version,
                &body,
            )
            .await
            {
                Ok(m) => {
                    toasts.success(tf(
                        "groups.left",
                        &[("name", &format!("{} {}", m.first_name, m.last_name))],
                    ));
                    members.refetch();
                    on_change();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="register" aria-label=tr("groups.register")>
            <h3>{tr("groups.register")}</h3>
            <div class="toolbar">
                <label class="field inline">
                    <span>{tr("groups.on_day")}</span>
                    <input type="date" prop:value=move || day.get() disabled=move || everyone.get()
                        on:change=move |ev| day.set(event_target_value(&ev)) />
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || everyone.get()
                        on:change=move |ev| everyone.set(event_target_checked(&ev)) />
                    {tr("groups.everyone")}
                </label>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.message()}</p> })}
            {move || members.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                Ok(page) if page.data.is_empty() => view! {
                    <p class="empty">{if editable { t("groups.register_empty") } else { t("groups.register_none") }}</p>
                }.into_any(),
                Ok(page) => view! {
                    <div class="table-scroll">
                    <table class="table dense" aria-label=tr("groups.register")>
                        <thead><tr>
                            <th scope="col">{tr("common.name")}</th>
                            <th scope="col">{tr("groups.dates")}</th>
                            <th scope="col"><span class="sr-only">{tr("groups.actions")}</span></th>
                        </tr></thead>
                        <tbody>
                            {page.data.into_iter().map(|m| {
                                let name = format!("{} {}", m.first_name, m.last_name);
                                let open = m.left_on.is_none();
                                let stay = m.clone();
                                let label = tf("groups.leave_named", &[("name", &name)]);
                                view! {
                                    <tr data-member=name.clone()>
                                        <td>{name.clone()}</td>
                                        <td class="dates">{match m.left_on {
                                            Some(l) => format!("{} – {}", m.joined_on, l),
                                            None => format!("{} –", m.joined_on),
                                        }}</td>
                                        <td>
                                            <Show when=move || editable && open>
                                                {
                                                    let stay = stay.clone();
                                                    let label = label.clone();
                                                    view! { <button class="link" aria-label=label on:click=move |_| leave(stay.clone())>{tr("groups.leave")}</button> }
                                                }
                                            </Show>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any(),
            })}
            <Show when=move || editable>
                <div class="add-member">
                    <input type="search" aria-label=tr("groups.add_member") placeholder=tr("groups.add_member")
                        prop:value=move || find.get()
                        on:input=move |ev| find.set(event_target_value(&ev)) />
                    {move || found.get().flatten().map(|page| view! {
                        <ul class="suggestions">
                            {page.data.into_iter().map(|p| {
                                let name = p.name();
                                let pid = p.id;
                                view! { <li><button class="link" on:click=move |_| add(pid)>{name}</button></li> }
                            }).collect_view()}
                        </ul>
                    })}
                </div>
            </Show>
        </section>
    }
}
