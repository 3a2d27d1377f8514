//! One file per page.

pub mod accept;
pub mod errors;
pub mod forgot;
pub mod home;
pub mod module;
pub mod profile;
pub mod register;
pub mod reset;
pub mod signin;

use crate::session;
use leptos::prelude::*;

/// Shows the page only to roles holding `permission`; others get a clear "not allowed".
#[component]
pub fn Guard(permission: rapport_domain::Permission, children: ChildrenFn) -> impl IntoView {
    let session = session::current();
    view! {
        <Show when=move || session.can(permission) fallback=|| view! { <errors::Forbidden /> }>
            {children()}
        </Show>
    }
}

/// The centred card of the pages outside the app (sign-in, registration ...).
#[component]
pub fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <div class="auth">
            <main id="main" class="auth-card">
                <p class="brand">{crate::i18n::tr("app.name")}</p>
                {children()}
                <div class="auth-foot"><crate::components::layout::LanguagePicker /></div>
            </main>
        </div>
    }
}
