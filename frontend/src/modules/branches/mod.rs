//! Branches: the places a workspace works from. Admins add them and
//! archive them; people are given one in their record, and moderators
//! limited to some in the members page.

use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::components::toast::toasts;
use crate::components::ui::{Empty, PageHeader, Skeleton};
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{BranchPage, BranchView, NewBranch, UpdateBranch};
use rapport_domain::{Permission, Role};

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Branches /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "branches",
    label: "nav.branches",
    section: Section::Admin,
    visible: |s| s.can(Permission::BranchesManage),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// The workspace's open branches, by name, for pickers and filters (none
/// for those who may not read them; a moderator given branches, theirs).
pub fn open_branches() -> LocalResource<Vec<BranchView>> {
    LocalResource::new(move || async move {
        let session = crate::session::current();
        if !session.can(Permission::BranchesRead) {
            return Vec::new();
        }
        let mine = session.me.with_untracked(|m| {
            m.as_ref()
                .filter(|m| m.role == Role::Manager)
                .map(|m| m.branch_ids.clone())
                .unwrap_or_default()
        });
        api::get::<BranchPage>("/api/v1/branches?limit=100")
            .await
            .map(|p| p.data)
            .unwrap_or_default()
            .into_iter()
            .filter(|b| mine.is_empty() || mine.contains(&b.id))
            .collect()
    })
}

#[component]
pub fn Branches() -> impl IntoView {
    view! {
        <Guard permission=Permission::BranchesManage>
            <BranchesPage />
        </Guard>
    }
}

#[component]
fn BranchesPage() -> impl IntoView {
    let live = expect_context::<Live>();
    let archived = RwSignal::new(false);
    let list = LocalResource::new(move || {
        let path = format!("/api/v1/branches?limit=100&archived={}", archived.get());
        async move { api::get::<BranchPage>(&path).await }
    });
    live.on_event(move |e| {
        if e.kind.starts_with("branch.") || e.kind.starts_with("person.") {
            list.refetch();
        }
    });
    view! {
        <section class="page" data-page="branches">
            <PageHeader title="branches.title" lead="branches.lead" />
            <NewBranchForm on_done=move || list.refetch() />
            <div class="toolbar">
                <label class="check">
                    <input type="checkbox" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev)) />
                    " " {tr("branches.show_archived")}
                </label>
            </div>
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
                {move || list.get().map(|r| match r {
                    Ok(page) if page.data.is_empty() => view! { <Empty text="branches.empty" /> }.into_any(),
                    Ok(page) => view! { <BranchTable rows=page.data reload=move || list.refetch() /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn NewBranchForm(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let toasts = toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let body = NewBranch {
            name: name.get_untracked(),
            address: Some(address.get_untracked()).filter(|a| !a.trim().is_empty()),
        };
        spawn_local(async move {
            match api::post::<_, BranchView>("/api/v1/branches", &body).await {
                Ok(b) => {
                    toasts.success(tf("branches.added", &[("name", &b.name)]));
                    name.set(String::new());
                    address.set(String::new());
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate=true aria-labelledby="new-branch" data-form="new-branch">
            <h2 id="new-branch">{tr("branches.add")}</h2>
            <Field label="branches.name" name="name" value=name errors=errors required=true />
            <Field label="branches.address" name="address" value=address errors=errors />
            <FormError errors=errors />
            <button type="submit" class="primary">{tr("branches.add")}</button>
        </form>
    }
}

#[component]
fn BranchTable(
    rows: Vec<BranchView>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    view! {
        <table class="table" aria-label=tr("branches.title")>
            <thead>
                <tr>
                    <th scope="col">{tr("branches.name")}</th>
                    <th scope="col">{tr("branches.address_col")}</th>
                    <th scope="col" class="num">{tr("branches.people")}</th>
                    <th scope="col">{tr("branches.state")}</th>
                    <th scope="col"><span class="visually-hidden">{tr("branches.archive")}</span></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|b| {
                    let (id, version, name) = (b.id, b.version, b.name.clone());
                    let archived = b.archived_at.is_some();
                    let toggle = move |_| {
                        let name = name.clone();
                        spawn_local(async move {
                            let body = UpdateBranch { archived: Some(!archived), ..Default::default() };
                            match api::patch_at::<_, BranchView>(&format!("/api/v1/branches/{id}"), version, &body).await {
                                Ok(_) if archived => toasts.success(tf("branches.back_done", &[("name", &name)])),
                                Ok(_) => toasts.success(tf("branches.archived_done", &[("name", &name)])),
                                Err(e) => toasts.error(e.message()),
                            }
                            reload();
                        });
                    };
                    view! {
                        <tr data-branch=b.name.clone()>
                            <td><strong>{b.name.clone()}</strong></td>
                            <td>{b.address.clone().unwrap_or_default()}</td>
                            <td class="num">{b.people.map(|n| n.to_string()).unwrap_or_default()}</td>
                            <td>
                                <span class="pill" class:status-active=!archived class:status-former=archived>
                                    {move || if archived { t("branches.archived") } else { t("branches.open") }}
                                </span>
                            </td>
                            <td>
                                <button class="secondary small" on:click=toggle>
                                    {move || if archived { t("branches.bring_back") } else { t("branches.archive") }}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
