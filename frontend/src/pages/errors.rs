use crate::i18n::tr;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <section class="page problem-page" data-page="forbidden">
            <h1>{tr("forbidden.title")}</h1>
            <p class="lead">{tr("forbidden.lead")}</p>
            <p><A href="/">{tr("forbidden.home")}</A></p>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page problem-page" data-page="not-found">
            <h1>{tr("notfound.title")}</h1>
            <p class="lead">{tr("notfound.lead")}</p>
            <p><A href="/">{tr("forbidden.home")}</A></p>
        </section>
    }
}
