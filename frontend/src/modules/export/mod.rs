//! Everything the workspace holds, downloaded as one zip by an admin.

use crate::api;
use crate::components::toast::toasts;
use crate::components::ui::PageHeader;
use crate::i18n::{t, tr};
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::Permission;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Export /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "export",
    label: "nav.export",
    section: Section::Admin,
    visible: |s| s.can(Permission::WorkspaceExport),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn Export() -> impl IntoView {
    view! {
        <Guard permission=Permission::WorkspaceExport>
            <ExportView />
        </Guard>
    }
}

#[component]
fn ExportView() -> impl IntoView {
    let toasts = toasts();
    let busy = RwSignal::new(false);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::download("/api/v1/workspace/export").await {
                Ok(()) => toasts.success(t("export.done")),
                Err(e) => toasts.error(e.message()),
            }
            busy.set(false);
        });
    };
    view! {
        <PageHeader title="export.title" lead="export.lead" />
        <section class="card export-card" aria-labelledby="export-what">
            <h2 id="export-what">{tr("export.what")}</h2>
            <ul class="export-list">
                <li>{tr("export.records")}</li>
                <li>{tr("export.files")}</li>
                <li>{tr("export.audit")}</li>
                <li>{tr("export.manifest")}</li>
            </ul>
            <p class="muted">{tr("export.left_out")}</p>
            <p class="muted">{tr("export.moment")}</p>
            <div class="actions">
                <button type="button" class="primary" on:click=download disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                    {move || if busy.get() { t("export.preparing") } else { t("export.download") }}
                </button>
            </div>
        </section>
    }
}
