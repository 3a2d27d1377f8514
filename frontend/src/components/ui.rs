//! Small pieces: skeletons, empty states, the page header, copy buttons.

use crate::i18n::t;
use leptos::prelude::*;

#[component]
pub fn Skeleton(#[prop(default = 3)] lines: usize) -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" aria-label=move || t("app.loading")>
            {(0..lines).map(|_| view! { <div class="skeleton-line"></div> }).collect_view()}
        </div>
    }
}

#[component]
pub fn Empty(text: &'static str) -> impl IntoView {
    view! { <p class="empty">{move || t(text)}</p> }
}

#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] lead: Option<&'static str>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{move || t(title)}</h1>
            {lead.map(|l| view! { <p class="lead">{move || t(l)}</p> })}
        </header>
    }
}

/// Copies `text` to the clipboard and says so.
#[component]
pub fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <button type="button" class="secondary" on:click=on_click>
            {move || if copied.get() { t("common.copied") } else { t("common.copy") }}
        </button>
    }
}
