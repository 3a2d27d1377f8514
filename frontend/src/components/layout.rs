//! The frame of the signed-in app: a sidebar with the workspace's modules and
//! the pages the role may open, named in the template's words; a workspace
//! switcher; the notification bell; the connection state.

use crate::api;
use crate::i18n::{self, role_label, t, tf, Lang};
use crate::live::{Live, LiveState};
use crate::modules::{self, Section};
use crate::session::{self, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_navigate};
use rapport_domain::api::EventView;
use rapport_domain::Module;

/// A line for an event in the bell and in toasts.
pub fn describe(e: &EventView) -> String {
    let key = format!("event.{}", e.kind);
    if i18n::lookup(i18n::lang(), &key) == "…" {
        return tf("event.other", &[("type", &e.kind)]);
    }
    // Each text field of the event's data can be named in its sentence.
    let fields: Vec<(&str, &str)> = e
        .data
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                .collect()
        })
        .unwrap_or_default();
    tf(&key, &fields)
}

pub fn people_label() -> String {
    let template = session::current()
        .me
        .with(|m| m.as_ref().map(|m| m.workspace.template));
    match template {
        Some(_) => template_label("people"),
        None => t("nav.people"),
    }
}

/// `family.<template>`: a record's name in the words of the workspace's
/// template (`people.school` is "Students").
pub fn template_label(family: &str) -> String {
    let template = session::current()
        .me
        .with(|m| m.as_ref().map(|m| m.workspace.template))
        .unwrap_or(rapport_domain::Template::Sales);
    i18n::t(&format!("{family}.{}", template.as_str()))
}

#[component]
pub fn AppLayout() -> impl IntoView {
    let session = session::current();
    let navigate = use_navigate();
    let location = use_location();
    // Not signed in: to the sign-in page, coming back here afterwards.
    Effect::new(move |_| {
        if session.status.get() == Status::SignedOut {
            let here = location.pathname.get_untracked();
            let next = if here == "/" {
                String::new()
            } else {
                format!("?next={}", api::enc(&here))
            };
            navigate(&format!("/signin{next}"), Default::default());
        }
    });
    let menu_open = RwSignal::new(false);
    // On navigation: close the menu (phones) and move focus to the new page,
    // so that keyboard and screen-reader users start at its content.
    Effect::new(move |first: Option<()>| {
        location.pathname.track();
        menu_open.set(false);
        if first.is_some() {
            if let Some(main) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("main"))
            {
                use wasm_bindgen::JsCast;
                if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }
    });
    view! {
        <Show
            when=move || session.status.get() == Status::SignedIn
            fallback=|| view! { <div class="boot"><crate::components::ui::Skeleton lines=4 /></div> }
        >
            <div class="shell" class:menu-open=move || menu_open.get()>
                <a class="skip" href="#main">{i18n::tr("app.skip")}</a>
                <header class="topbar">
                    <button
                        class="icon menu-button"
                        aria-label=i18n::tr("nav.menu")
                        aria-expanded=move || menu_open.get().to_string()
                        aria-controls="sidebar"
                        on:click=move |_| menu_open.update(|o| *o = !*o)
                    >
                        "☰"
                    </button>
                    <span class="topbar-title">{move || session.me.with(|m| m.as_ref().map(|m| m.workspace.name.clone()))}</span>
                    <crate::components::search::GlobalSearch />
                    <LiveDot />
                    <Bell />
                </header>
                <Sidebar on_pick=move || menu_open.set(false) />
                <main id="main" tabindex="-1">
                    <Suspense fallback=|| ()>{Suspend::new(crate::offline::bar())}</Suspense>
                    <Outlet />
                </main>
            </div>
        </Show>
    }
}

/// The sidebar; `on_pick` is called when one of its links is followed (a
/// phone closes its menu).
#[component]
fn Sidebar(on_pick: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = session::current();
    let me = move || session.me.get();
    let other_modules = move || {
        me().map(|m| m.modules)
            .unwrap_or_default()
            .into_iter()
            // A module with a page of its own (its entry's path is its
            // name) is linked with the records; the others, still to come,
            // link to their placeholder.
            .filter(|m| !modules::ENTRIES.iter().any(|e| e.path == m.as_str()))
            .collect::<Vec<Module>>()
    };
    let shown = move |section: Section| {
        modules::ENTRIES
            .iter()
            .filter(move |e| e.section == section && (e.visible)(&session))
    };
    let records = move || shown(Section::Records);
    let admin = move || shown(Section::Admin);
    let foot = move || shown(Section::Foot);
    let link = |e: &'static modules::Entry| {
        let label = move || match e.section {
            Section::Records => template_label(e.label),
            _ => t(e.label),
        };
        view! { <li><A href=format!("/{}", e.path)>{label}{e.badge.map(|b| b())}</A></li> }
    };
    view! {
        <nav id="sidebar" class="sidebar" aria-label=i18n::tr("nav.menu")
            on:click=move |ev| {
                use wasm_bindgen::JsCast;
                let on_link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|t| t.closest("a[href]").ok().flatten())
                    .is_some();
                if on_link {
                    on_pick();
                }
            }>
            <WorkspaceSwitcher />
            <ul class="nav">
                <li><A href="/" exact=true>{i18n::tr("nav.home")}</A></li>
                {move || records().map(link).collect_view()}
                <For
                    each=other_modules
                    key=|m| m.as_str()
                    children=move |m: Module| {
                        let href = format!("/m/{}", m.as_str());
                        let key = format!("module.{}", m.as_str());
                        view! { <li><A href=href>{move || t(&key)}</A></li> }
                    }
                />
            </ul>
            <Show when=move || admin().next().is_some()>
                <p class="nav-section">{i18n::tr("nav.admin")}</p>
                <ul class="nav">{move || admin().map(link).collect_view()}</ul>
            </Show>
            <div class="sidebar-foot">
                <ul class="nav">
                    <li><A href="/profile">{i18n::tr("nav.profile")}</A></li>
                    {move || foot().map(link).collect_view()}
                </ul>
                <LanguagePicker />
                <SignOut />
            </div>
        </nav>
    }
}

#[component]
pub fn LanguagePicker() -> impl IntoView {
    let lang = i18n::lang_signal();
    view! {
        <label class="lang">
            <span>{i18n::tr("lang.label")}</span>
            <select
                aria-label=i18n::tr("lang.label")
                on:change=move |ev| {
                    let code = event_target_value(&ev);
                    if let Some(l) = Lang::ALL.into_iter().find(|l| l.code() == code) {
                        i18n::set_lang(l);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|l| view! { <option value=l.code() selected=move || lang.get() == l>{l.name()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
fn WorkspaceSwitcher() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = crate::components::toast::toasts();
    let navigate = use_navigate();
    let current = move || session.me.with(|m| m.as_ref().map(|m| m.workspace.id));
    let switch = move |id: String| {
        let Ok(id) = id.parse() else { return };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::switch(id).await {
                Ok(t) => {
                    if session.start(&t).await.is_ok() {
                        live.start();
                        navigate("/", Default::default());
                    }
                }
                Err(e) => toasts.error(e.message()),
            }
        });
    };
    view! {
        <div class="switcher">
            <Show
                when=move || session.me.with(|m| m.as_ref().is_some_and(|m| m.workspaces.len() > 1))
                fallback=move || view! {
                    <p class="workspace-name">{move || session.me.with(|m| m.as_ref().map(|m| m.workspace.name.clone()))}</p>
                }
            >
                <label class="visually-hidden" for="workspace-switcher">{i18n::tr("nav.switch")}</label>
                <select id="workspace-switcher" on:change={
                    let switch = switch.clone();
                    move |ev| switch(event_target_value(&ev))
                }>
                    {move || session.me.get().map(|m| m.workspaces.into_iter().map(|w| {
                        let id = w.workspace.id;
                        view! { <option value=id.to_string() selected=move || current() == Some(id)>{w.workspace.name}</option> }
                    }).collect_view())}
                </select>
            </Show>
            <p class="muted role">
                {move || session.me.with(|m| m.as_ref().map(|m| role_label(m.workspace.template, m.role)))}
            </p>
        </div>
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let on_click = move |_| {
        spawn_local(async move {
            let _ = api::call::<()>(api::Method::Post, "/api/v1/auth/logout", None).await;
            live.stop();
            session.signed_out();
        });
    };
    view! { <button class="secondary signout" on:click=on_click>{i18n::tr("nav.signout")}</button> }
}

#[component]
fn LiveDot() -> impl IntoView {
    let live = expect_context::<Live>();
    let label = move || match live.state.get() {
        LiveState::Connecting => t("live.connecting"),
        LiveState::Live => t("live.live"),
        LiveState::Offline => t("live.offline"),
    };
    let class = move || match live.state.get() {
        LiveState::Connecting => "live connecting",
        LiveState::Live => "live on",
        LiveState::Offline => "live off",
    };
    view! {
        <span class=class title=label data-state=move || format!("{:?}", live.state.get()).to_lowercase()>
            <span class="dot" aria-hidden="true"></span>
            <span class="visually-hidden">{label}</span>
        </span>
    }
}

#[component]
fn Bell() -> impl IntoView {
    let live = expect_context::<Live>();
    let toasts = crate::components::toast::toasts();
    let open = RwSignal::new(false);
    // Each new event made by someone else is also a toast, unless the page
    // has told of it in its own words.
    let me = move || {
        session::current()
            .me
            .with_untracked(|m| m.as_ref().map(|m| m.user.id))
    };
    live.otherwise(move |e| {
        if e.actor.id.is_none() || e.actor.id != me() {
            toasts.info(describe(e));
        }
    });
    // Escape closes the panel.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };

    view! {
        <div class="bell" on:keydown=on_key>

            <button
                class="icon"
                aria-label=move || format!("{} ({})", t("bell.title"), live.unread.get())
                aria-expanded=move || open.get().to_string()
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    live.unread.set(0);
                }
            >
                <svg class="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
                </svg>
                <Show when=move || { live.unread.get() > 0 }>
                    <span class="badge">{move || live.unread.get()}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="bell-panel" role="dialog" aria-label=i18n::tr("bell.title")>
                    <h2>{i18n::tr("bell.title")}</h2>
                    <Show
                        when=move || !live.recent.with(|r| r.is_empty())
                        fallback=|| view! { <p class="empty">{i18n::tr("bell.empty")}</p> }
                    >
                        <ul>
                            {move || live.recent.get().into_iter().map(|e| view! { <li>{describe(&e)}</li> }).collect_view()}
                        </ul>
                    </Show>
                </div>
            </Show>
        </div>
    }
}
