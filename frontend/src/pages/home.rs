use crate::components::layout::people_label;
use crate::i18n::{role_label, t, tf, tr};
use crate::session;
use leptos::prelude::*;
use leptos_router::components::A;
use rapport_domain::Module;
use rapport_domain::Permission;

/// A school's teacher: one who takes registers but does not run the school.
fn teaches(s: &session::Session) -> bool {
    s.has_module(Module::Groups)
        && s.can(Permission::AttendanceWrite)
        && !s.can(Permission::OverviewRead)
}

/// A school's student: a member, who sees their own things.
fn learns(s: &session::Session) -> bool {
    s.has_module(Module::Groups)
        && s.me.with(|m| m.as_ref().map(|m| m.role)) == Some(rapport_domain::Role::Member)
}

#[component]
pub fn Home() -> impl IntoView {
    let session = session::current();
    let me = move || session.me.get();
    view! {
        <section class="page" data-page="home">
            {move || me().map(|m| {
                let role = role_label(m.workspace.template, m.role);
                let name = m.user.name.clone();
                let workspace = m.workspace.name.clone();
                view! {
                    <header class="page-header">
                        <h1>{move || tf("home.welcome", &[("name", &name)])}</h1>
                        <p class="lead">{move || tf("home.lead", &[("role", &role), ("workspace", &workspace)])}</p>
                    </header>
                }
            })}
            // The school at a glance for its admins, a teacher's day, and a
            // student's own page: chunks of their own.
            <Show when=move || session.can(Permission::OverviewRead) && session.has_module(Module::Groups)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::school_home())}
                </Suspense>
            </Show>
            <Show when=move || teaches(&session)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::teaching_home())}
                </Suspense>
            </Show>
            <Show when=move || session.me.with(|m| m.as_ref().map(|m| m.workspace.template)) == Some(rapport_domain::Template::Tutoring)
                && session.has_module(Module::Scheduling)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::tutoring_home())}
                </Suspense>
            </Show>
            <Show when=move || learns(&session)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::student_home())}
                </Suspense>
            </Show>
            <h2>{tr("home.modules")}</h2>
            <ul class="cards">
                // Each module the person may open: one with a page of its
                // own only when its link is theirs to see (a user has no
                // Finance).
                {move || me().map(|m| m.modules.into_iter().filter_map(|module| {
                    let (href, label) = if module == Module::People {
                        ("/people".to_string(), people_label())
                    } else {
                        let page = crate::modules::ENTRIES.iter().find(|e| e.path == module.as_str());
                        if page.is_some_and(|e| !(e.visible)(&session)) {
                            return None;
                        }
                        let href = page.map_or_else(|| format!("/m/{}", module.as_str()), |e| format!("/{}", e.path));
                        (href, t(&format!("module.{}", module.as_str())))
                    };
                    Some(view! { <li class="card"><A href=href>{label}</A></li> })
                }).collect_view())}
            </ul>
            <h2>{tr("home.next")}</h2>
            <ul class="next-steps">
                <Show when=move || session.can(Permission::InvitationsManage)>
                    <li><A href="/members">{tr("home.invite")}</A></li>
                </Show>
                <Show when=move || session.can(Permission::ApiKeysManage)>
                    <li><A href="/api-keys">{tr("home.keys")}</A></li>
                </Show>
                <li><A href="/profile">{tr("home.profile")}</A></li>
            </ul>
        </section>
    }
}
