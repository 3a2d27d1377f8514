//! The buttons that download a list as it is shown, as CSV or as XLSX.

use crate::api;
use crate::i18n::tr;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::ExportFormat;

/// "Export CSV" and "Export Excel" for the list at `path`
/// (`/api/v1/people`), with the list's current `query` (filters and sort).
#[component]
pub fn ExportButtons(
    path: &'static str,
    query: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let download = move |format: ExportFormat| {
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        };
        let url = format!("{path}/export.{ext}?{}", query());
        spawn_local(async move {
            if let Err(e) = api::download(&url).await {
                crate::components::toast::toasts().error(e.message());
            }
        });
    };
    view! {
        <button class="secondary small" on:click=move |_| download(ExportFormat::Csv)>{tr("records.export")}</button>
        <button class="secondary small" on:click=move |_| download(ExportFormat::Xlsx)>{tr("records.export_xlsx")}</button>
    }
}
