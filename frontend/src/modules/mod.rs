//! The app's modules, one folder each. A module registers itself here with
//! one line in [`ENTRIES`]: its page, where its link sits in the sidebar and
//! who sees the link. Its messages are its folder's `en.txt` and `fr.txt`.

pub mod api_keys;
pub mod audit;
pub mod branches;
pub mod custom_fields;
pub mod dashboards;
pub mod export;
pub mod finance;
pub mod groups;
pub mod mail;
pub mod medals;
pub mod members;
pub mod messaging;
pub mod organizations;
pub mod payments;
pub mod people;
pub mod scheduling;
pub mod store;

use crate::pages::errors::NotFound;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Where a module's link sits in the sidebar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The workspace's records, at the top; named in the template's words
    /// (`label` is then a family of keys: `people.school` is "Students").
    Records,
    /// Administration: members, keys, the audit log.
    Admin,
    /// The foot, beside one's profile.
    Foot,
}

/// A page being fetched and built.
pub type Page = std::pin::Pin<Box<dyn std::future::Future<Output = AnyView> + Send + Sync>>;

/// A module's page, as the router and the sidebar know it.
pub struct Entry {
    /// The page's path, `/<path>`.
    pub path: &'static str,
    /// The translation key of its link (in [`Section::Records`], the
    /// family of keys named after each template).
    pub label: &'static str,
    pub section: Section,
    /// Whether the signed-in person sees the link (the page checks again).
    pub visible: fn(&Session) -> bool,
    /// The page. Each module's is a `#[lazy]` function: its code is a chunk
    /// of its own, fetched the first time the page opens.
    pub page: fn() -> Page,
    /// A count beside its link (a module's unread), drawn in the sidebar.
    pub badge: Option<fn() -> AnyView>,
    /// Its messages: `en.txt` and `fr.txt` beside its `mod.rs`.
    pub strings: crate::i18n::Strings,
}

/// Every module with a page, in sidebar order.
pub const ENTRIES: &[Entry] = &[
    dashboards::ENTRY,
    people::ENTRY,
    organizations::ENTRY,
    groups::ENTRY,
    scheduling::ENTRY,
    scheduling::booking::ENTRY,
    medals::ENTRY,
    store::ENTRY,
    payments::ENTRY,
    finance::ENTRY,
    messaging::ENTRY,
    members::ENTRY,
    branches::ENTRY,
    api_keys::ENTRY,
    custom_fields::ENTRY,
    audit::ENTRY,
    export::ENTRY,
    mail::ENTRY,
];

/// The page of `/<path>`, or "not found".
#[component]
pub fn ModuleRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        let path = params.with(|p| p.get("page")).unwrap_or_default();
        match ENTRIES.iter().find(|e| e.path == path) {
            Some(e) => {
                let page = (e.page)();
                view! {
                    <Suspense fallback=|| view! { <p class="loading" role="status">{crate::i18n::tr("app.loading")}</p> }>
                        {Suspend::new(page)}
                    </Suspense>
                }
                .into_any()
            }
            None => view! { <NotFound /> }.into_any(),
        }
    }
}
