use crate::api::{self, ApiError};
use crate::components::form::{field_error, Field, FormError};
use crate::components::paged::Paged;
use crate::components::toast::toasts;
use crate::components::ui::{Empty, PageHeader, Skeleton};
use crate::i18n::{self, role_label, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{CreateInvitationRequest, UpdateMemberRequest};
use rapport_domain::api::{
    InvitationCreated, InvitationPage, InvitationView, MemberPage, MemberView,
};
use rapport_domain::Permission;
use rapport_domain::{Role, Template};

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Members /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "members",
    label: "nav.members",
    section: Section::Admin,
    visible: |s| s.can(Permission::MembersRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn Members() -> impl IntoView {
    view! {
        <Guard permission=Permission::MembersRead>
            <MembersPage />
        </Guard>
    }
}

fn template() -> Template {
    session::current()
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.workspace.template))
        .unwrap_or(Template::Sales)
}

fn my_role() -> Role {
    session::current()
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.role))
        .unwrap_or(Role::Member)
}

/// Roles the caller may hand out: the template's, at or below the caller's own.
fn assignable() -> Vec<Role> {
    let mine = my_role();
    template()
        .roles()
        .into_iter()
        .filter(|r| r.rank() >= mine.rank())
        .collect()
}

#[component]
fn MembersPage() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let list = Paged::<MemberPage>::new(|| "/api/v1/members?limit=100".to_string());
    let Paged {
        rows,
        cursor,
        loading,
        error,
        ..
    } = list;
    let load = move |append: bool| list.load(append);
    let invitations = LocalResource::new(move || async move {
        if session::current().can(Permission::InvitationsManage) {
            api::get::<InvitationPage>("/api/v1/invitations")
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    });
    // Another admin's change shows here at once.
    live.on_event(move |e| {
        if e.kind.starts_with("member.") || e.kind.starts_with("invitation.") {
            load(false);
            invitations.refetch();
        }
    });
    let reload = move || {
        load(false);
        invitations.refetch();
    };
    view! {
        <section class="page" data-page="members">
            <PageHeader title="members.title" lead="members.lead" />
            <Show when=move || session.can(Permission::InvitationsManage)>
                <InviteForm on_done=reload />
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Show when=move || !list.first_load() fallback=|| view! { <Skeleton lines=4 /> }>
                {move || view! { <MemberTable rows=rows.get() reload=reload /> }}
                <Show when=move || rows.with(|r| r.len() <= 1)>
                    <Empty text="members.empty" />
                </Show>
            </Show>
            <Show when=move || cursor.get().is_some()>
                <button class="secondary" disabled=move || loading.get() on:click=move |_| load(true)>{tr("common.more")}</button>
            </Show>
            <Show when=move || session.can(Permission::InvitationsManage)>
                <h2>{tr("invitations.title")}</h2>
                <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                    {move || invitations.get().map(|r| match r {
                        Ok(Some(page)) if page.data.is_empty() => view! { <Empty text="invitations.empty" /> }.into_any(),
                        Ok(Some(page)) => view! { <InvitationTable rows=page.data reload=reload /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    })}
                </Suspense>
            </Show>
        </section>
    }
}

#[component]
fn InviteForm(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let toasts = toasts();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(assignable().into_iter().last().unwrap_or(Role::Member));
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let role_error = field_error(errors, "role");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        spawn_local(async move {
            let address = email.get_untracked().trim().to_string();
            let body = CreateInvitationRequest {
                email: address.clone(),
                role: role.get_untracked(),
                person_id: None,
            };
            match api::post::<_, InvitationCreated>("/api/v1/invitations", &body).await {
                Ok(_) => {
                    toasts.success(tf("members.invited", &[("email", &address)]));
                    email.set(String::new());
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form card" on:submit=submit novalidate=true aria-labelledby="invite-title">
            <h2 id="invite-title">{tr("members.invite")}</h2>
            <div class="row">
                <Field label="field.email" name="email" kind="email" value=email errors=errors required=true />
                <div class="field" class:invalid=move || role_error().is_some()>
                    <label for="f-role">{tr("field.role")}</label>
                    <select id="f-role" name="role" on:change=move |ev| {
                        if let Ok(r) = event_target_value(&ev).parse::<Role>() {
                            role.set(r);
                        }
                    }>
                        {assignable().into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{move || role_label(template(), r)}</option>
                        }).collect_view()}
                    </select>
                    <p class="error" role="alert">{move || role_error().unwrap_or_default()}</p>
                </div>
            </div>
            <FormError errors=errors />
            <button type="submit" class="primary" disabled=move || busy.get()>{tr("members.invite_submit")}</button>
        </form>
    }
}

#[component]
fn MemberTable(
    rows: Vec<MemberView>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = session::current();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let tz = session::time_zone();
    let branches = crate::modules::branches::open_branches();
    let with_branches = move || branches.get().is_some_and(|b| !b.is_empty());
    view! {
        <table class="table" aria-label=tr("members.title")>
            <thead>
                <tr>
                    <th scope="col">{tr("common.name")}</th>
                    <th scope="col">{tr("field.email")}</th>
                    <th scope="col">{tr("field.role")}</th>
                    <Show when=with_branches>
                        <th scope="col">{tr("members.branches")}</th>
                    </Show>
                    <th scope="col">{tr("members.joined")}</th>
                    <th scope="col"><span class="visually-hidden">{tr("common.remove")}</span></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|m| {
                    let is_me = Some(m.user_id) == me;
                    let manageable = session.can(Permission::MembersManage) && m.role.rank() >= my_role().rank();
                    let joined = m.joined_at;
                    let tz = tz.clone();
                    let shown = m.clone();
                    view! {
                        <tr data-member=m.email.clone()>
                            <td>{m.name.clone()} {is_me.then(|| view! { <span class="muted">" (" {tr("members.you")} ")"</span> })}</td>
                            <td>{m.email.clone()}</td>
                            <td><RoleCell member=m.clone() editable=manageable reload=reload /></td>
                            <Show when=with_branches>
                                <td><BranchesCell member=shown.clone() branches=branches editable=manageable reload=reload /></td>
                            </Show>
                            <td>{move || i18n::date(&joined, &tz)}</td>
                            <td>{manageable.then(|| view! { <RemoveButton member=m.clone() reload=reload /> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The member's branches as chips: pressed for those they belong to, each
/// a toggle for those who manage members. A moderator given any sees the
/// people of those only.
#[component]
fn BranchesCell(
    member: MemberView,
    branches: LocalResource<Vec<rapport_domain::api::BranchView>>,
    editable: bool,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let theirs = RwSignal::new(member.branch_ids.clone());
    let user_id = member.user_id;
    let name = member.name.clone();
    view! {
        <div class="chips" role="group" aria-label=format!("{name} — {}", t("members.branches"))>
            {move || branches.get().unwrap_or_default().into_iter().map(|b| {
                let id = b.id;
                let on = move || theirs.with(|t| t.contains(&id));
                let toggle = move |_| {
                    let mut next = theirs.get_untracked();
                    if next.contains(&id) { next.retain(|x| *x != id) } else { next.push(id) }
                    spawn_local(async move {
                        let body = rapport_domain::api::MemberBranches { branch_ids: next };
                        let path = format!("/api/v1/members/{user_id}/branches");
                        match api::put::<_, rapport_domain::api::MemberBranches>(&path, &body).await {
                            Ok(set) => {
                                theirs.set(set.branch_ids);
                                toasts.success(t("members.branches_saved"));
                            }
                            Err(e) => toasts.error(e.message()),
                        }
                        reload();
                    });
                };
                view! {
                    <button type="button" class="chip toggle" aria-pressed=move || on().to_string()
                        disabled=!editable on:click=toggle>{b.name}</button>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn RoleCell(
    member: MemberView,
    editable: bool,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let current = member.role;
    if !editable {
        return view! { <span>{move || role_label(template(), current)}</span> }.into_any();
    }
    let label = format!("{} — {}", member.name, t("field.role"));
    let on_change = move |ev: leptos::ev::Event| {
        let Ok(role) = event_target_value(&ev).parse::<Role>() else {
            return;
        };
        let member = member.clone();
        spawn_local(async move {
            let path = format!("/api/v1/members/{}", member.user_id);
            match api::patch::<_, MemberView>(&path, &UpdateMemberRequest { role }).await {
                Ok(m) => toasts.success(tf(
                    "members.role_changed",
                    &[("name", &m.name), ("role", &role_label(template(), m.role))],
                )),
                Err(e) => toasts.error(e.message()),
            }
            reload();
        });
    };
    view! {
        <select aria-label=label on:change=on_change>
            {assignable().into_iter().map(|r| view! {
                <option value=r.as_str() selected=r == current>{move || role_label(template(), r)}</option>
            }).collect_view()}
        </select>
    }
    .into_any()
}

#[component]
fn RemoveButton(
    member: MemberView,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let name = member.name.clone();
    let on_click = move |_| {
        let question = tf("common.confirm_remove", &[("name", &member.name)]);
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let member = member.clone();
        spawn_local(async move {
            match api::delete(&format!("/api/v1/members/{}", member.user_id)).await {
                Ok(()) => toasts.success(tf("members.removed", &[("name", &member.name)])),
                Err(e) => toasts.error(e.message()),
            }
            reload();
        });
    };
    view! {
        <button class="danger small" on:click=on_click aria-label=move || format!("{} {}", t("common.remove"), name)>
            {tr("common.remove")}
        </button>
    }
}

#[component]
fn InvitationTable(
    rows: Vec<InvitationView>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let tz = session::time_zone();
    view! {
        <table class="table" aria-label=tr("invitations.title")>
            <thead>
                <tr>
                    <th scope="col">{tr("field.email")}</th>
                    <th scope="col">{tr("field.role")}</th>
                    <th scope="col">{tr("invitations.expires")}</th>
                    <th scope="col"><span class="visually-hidden">{tr("common.resend")}</span></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|inv| {
                    let expires = inv.expires_at;
                    let tz = tz.clone();
                    let id = inv.id;
                    let email = inv.email.clone();
                    let resend = move |_| {
                        let email = email.clone();
                        spawn_local(async move {
                            match api::post_empty::<InvitationCreated>(&format!("/api/v1/invitations/{id}/resend")).await {
                                Ok(_) => toasts.success(tf("invitations.resent", &[("email", &email)])),
                                Err(e) => toasts.error(e.message()),
                            }
                            reload();
                        });
                    };
                    let revoke = move |_| {
                        spawn_local(async move {
                            match api::delete(&format!("/api/v1/invitations/{id}")).await {
                                Ok(()) => toasts.success(t("invitations.revoked")),
                                Err(e) => toasts.error(e.message()),
                            }
                            reload();
                        });
                    };
                    view! {
                        <tr data-invitation=inv.email.clone()>
                            <td>{inv.email.clone()}</td>
                            <td>{move || role_label(template(), inv.role)}</td>
                            <td>{move || i18n::datetime(&expires, &tz)}</td>
                            <td class="actions">
                                <button class="secondary small" on:click=resend>{tr("common.resend")}</button>
                                <button class="danger small" on:click=revoke>{tr("common.revoke")}</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
