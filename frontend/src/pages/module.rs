//! The pages of modules that are still to come: named in the template's
//! words, present only where the workspace has the module.

use crate::i18n::{t, tf};
use crate::pages::errors::NotFound;
use crate::session;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use rapport_domain::Module;

#[component]
pub fn ModulePage() -> impl IntoView {
    let session = session::current();
    let params = use_params_map();
    let module = move || params.with(|p| p.get("module")).unwrap_or_default();
    let title = move || t(&format!("module.{}", module()));
    let switched_on = move || {
        module()
            .parse()
            .is_ok_and(|m: Module| session.has_module(m))
    };
    view! {
        <Show when=switched_on fallback=|| view! { <NotFound /> }>
            <section class="page" data-page="module">
                <header class="page-header">
                    <h1>{title}</h1>
                    <p class="lead">{move || tf("module.soon", &[("module", &title())])}</p>
                </header>
            </section>
        </Show>
    }
}
