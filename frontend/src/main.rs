//! The Rapport app: a Leptos single-page app over the REST API and its
//! WebSocket events.

mod api;
mod app;
mod components;
mod i18n;
mod live;
mod modules;
mod offline;
mod pages;
mod session;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
