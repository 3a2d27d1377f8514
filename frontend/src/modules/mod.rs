//! The app's modules, one folder each. A module registers itself here with
//! one line in [`ENTRIES`]: its page, where its link sits in the sidebar and
//! who sees the link. Its translation keys live in `i18n.rs` under its name.

pub mod api_keys;
pub mod audit;
pub mod mail;
pub mod members;

use crate::pages::errors::NotFound;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Where a module's link sits in the sidebar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Administration: members, keys, the audit log.
    Admin,
    /// The foot, beside one's profile.
    Foot,
}

/// A module's page, as the router and the sidebar know it.
pub struct Entry {
    /// The page's path, `/<path>`.
    pub path: &'static str,
    /// The translation key of its link.
    pub label: &'static str,
    pub section: Section,
    /// Whether the signed-in person sees the link (the page checks again).
    pub visible: fn(&Session) -> bool,
    pub page: fn() -> AnyView,
}

/// Every module with a page, in sidebar order.
pub const ENTRIES: &[Entry] = &[members::ENTRY, api_keys::ENTRY, audit::ENTRY, mail::ENTRY];

/// The page of `/<path>`, or "not found".
#[component]
pub fn ModuleRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        let path = params.with(|p| p.get("page")).unwrap_or_default();
        match ENTRIES.iter().find(|e| e.path == path) {
            Some(e) => (e.page)(),
            None => view! { <NotFound /> }.into_any(),
        }
    }
}
