//! The import wizard: pick a file, check what each column goes into, see
//! what every row would do, run it with a progress bar, then the result
//! with the rejected rows to download.

use crate::api;
use crate::components::custom_fields::plain_fields_of as fields_of;
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{CustomFieldView, FieldKind, ImportPreview, ImportSettings, ImportView};
use rapport_domain::imports::{
    DateOrder, Duplicates, ImportColumn, ImportRecord, ImportStatus, RowAction,
};
use wasm_bindgen::JsCast;

fn status_of(i: &Option<ImportView>) -> Option<ImportStatus> {
    i.as_ref().map(|i| i.status)
}

/// The key of a message that differs by the kind of record imported.
fn said(record: ImportRecord, key: &'static str) -> &'static str {
    match (record, key) {
        (ImportRecord::Organization, "import.title") => "import.title.organization",
        (ImportRecord::Organization, "import.duplicates") => "import.duplicates.organization",
        _ => key,
    }
}

#[component]
pub fn ImportWizard(
    /// What the file's rows are.
    record: ImportRecord,
    /// Whether a person's rows may create the organisations they name.
    organizations: bool,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let import = RwSignal::new(None::<ImportView>);
    let settings = RwSignal::new(None::<ImportSettings>);
    let columns = RwSignal::new(Vec::<ImportColumn>::new());
    let preview = RwSignal::new(None::<ImportPreview>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let fields = fields_of(record.fields());
    let live = expect_context::<Live>();

    let reload = move || {
        let Some(id) = import.with_untracked(|i| i.as_ref().map(|i| i.id)) else {
            return;
        };
        spawn_local(async move {
            if let Ok(v) = api::get::<ImportView>(&format!("/api/v1/imports/{id}")).await {
                import.set(Some(v));
            }
        });
    };
    // The run's progress comes as events; a slow poll covers a lost connection.
    live.on_event(move |e| {
        let ours = import.with_untracked(|i| {
            i.as_ref()
                .is_some_and(|i| e.data["id"].as_str() == Some(i.id.to_string().as_str()))
        });
        if e.kind == rapport_domain::imports::UPDATED_EVENT && ours {
            reload();
        }
    });
    let poll = move || {
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(2000).await;
                let running = import.try_with_untracked(|i| {
                    matches!(
                        status_of(i),
                        Some(ImportStatus::Queued | ImportStatus::Running)
                    )
                });
                if running != Some(true) {
                    return;
                }
                reload();
            }
        });
    };

    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        busy.set(true);
        error.set(None);
        let path = format!(
            "/api/v1/imports?record_type={}&filename={}",
            record.as_str(),
            api::enc(&file.name())
        );
        spawn_local(async move {
            match api::upload::<ImportView>(&path, file).await {
                Ok(v) => {
                    settings.set(Some(v.settings.clone()));
                    columns.set(v.columns.clone());
                    import.set(Some(v));
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let set_settings = move |f: &dyn Fn(&mut ImportSettings)| {
        settings.update(|s| {
            if let Some(s) = s {
                f(s)
            }
        });
        preview.set(None);
    };
    let check = move |_| {
        let (Some(i), Some(s)) = (import.get_untracked(), settings.get_untracked()) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let path = format!("/api/v1/imports/{}/preview", i.id);
            match api::post::<_, ImportPreview>(&path, &s).await {
                // A preview of settings changed meanwhile is of no use: the
                // run must go with what was checked.
                Ok(p) if settings.get_untracked().as_ref() == Some(&s) => {
                    columns.set(p.columns.clone());
                    preview.set(Some(p));
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let run = move |_| {
        let (Some(i), Some(s)) = (import.get_untracked(), settings.get_untracked()) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::post::<_, ImportView>(&format!("/api/v1/imports/{}/run", i.id), &s).await {
                Ok(v) => {
                    import.set(Some(v));
                    poll();
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let stop = move |_| {
        let Some(i) = import.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::post_empty::<ImportView>(&format!("/api/v1/imports/{}/cancel", i.id)).await {
                Ok(v) => import.set(Some(v)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let close = move |_| {
        // A draft left behind is cancelled; a run goes on without the wizard.
        if let Some(i) = import
            .get_untracked()
            .filter(|i| i.status == ImportStatus::Draft)
        {
            spawn_local(async move {
                let _ = api::post_empty::<ImportView>(&format!("/api/v1/imports/{}/cancel", i.id))
                    .await;
            });
        }
        on_close();
    };
    let step = move || match import.with(status_of) {
        None => "upload",
        Some(ImportStatus::Draft) => "mapping",
        Some(ImportStatus::Queued | ImportStatus::Running) => "progress",
        Some(_) => "done",
    };

    view! {
        <section class="card import" aria-label=tr(said(record, "import.title")) data-step=step>
            <header class="with-actions">
                <h2>{tr(said(record, "import.title"))}</h2>
                <button class="secondary small" on:click=close>{tr("import.close")}</button>
            </header>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || match step() {
                "upload" => view! {
                    <label class="file-pick">
                        <span>{tr("import.pick")}</span>
                        <input type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            disabled=move || busy.get() on:change=pick />
                    </label>
                    <p class="hint">{tr("import.formats")}</p>
                }.into_any(),
                "mapping" => view! {
                    <Mapping record=record settings=settings columns=columns fields=fields organizations=organizations
                        on_change=set_settings />
                    <div class="actions">
                        <button class="secondary" disabled=move || busy.get() on:click=check>{tr("import.preview")}</button>
                        <Show when=move || preview.with(Option::is_some)>
                            <button class="primary" disabled=move || busy.get() on:click=run>
                                {move || tf("import.run", &[("count", &preview.with(|p| p.as_ref().map(|p| p.counts.created + p.counts.updated).unwrap_or(0)).to_string())])}
                            </button>
                        </Show>
                    </div>
                    {move || preview.get().map(|p| {
                        let settings = settings.get_untracked().unwrap_or_default();
                        view! { <Preview preview=p settings=settings /> }
                    })}
                }.into_any(),
                "progress" => view! {
                    {move || import.get().map(|i| {
                        let c = i.counts;
                        view! {
                            <progress max=c.total.max(1) value=c.processed aria-label=tr(said(record, "import.title"))></progress>
                            <p>{tf("import.running", &[("processed", &c.processed.to_string()), ("total", &c.total.to_string())])}</p>
                        }
                    })}
                    <button class="secondary small" on:click=stop>{tr("import.stop")}</button>
                }.into_any(),
                _ => view! { <Done import=import error=error /> }.into_any(),
            }}
        </section>
    }
}

/// A field's label in the select: a standard one, or a custom field's own.
fn target_label(key: &str, fields: &[CustomFieldView]) -> String {
    match key.strip_prefix("custom_fields.") {
        Some(k) => fields
            .iter()
            .find(|f| f.key == k)
            .map_or_else(|| k.to_string(), |f| f.label.clone()),
        None => t(&format!("import.field.{key}")),
    }
}

#[component]
fn Mapping(
    record: ImportRecord,
    settings: RwSignal<Option<ImportSettings>>,
    columns: RwSignal<Vec<ImportColumn>>,
    fields: LocalResource<Vec<CustomFieldView>>,
    organizations: bool,
    on_change: impl Fn(&dyn Fn(&mut ImportSettings)) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let targets = move || {
        let custom = fields.get().unwrap_or_default();
        let mut all: Vec<String> = record
            .targets()
            .iter()
            .filter(|f| organizations || **f != "organization")
            .map(|f| f.to_string())
            .collect();
        all.extend(custom.iter().map(|f| format!("custom_fields.{}", f.key)));
        (all, custom)
    };
    let is_date = move |field: &Option<String>| {
        field
            .as_deref()
            .and_then(|f| f.strip_prefix("custom_fields."))
            .is_some_and(|k| {
                fields
                    .get()
                    .unwrap_or_default()
                    .iter()
                    .any(|f| f.key == k && f.kind == FieldKind::Date)
            })
    };
    view! {
        <div class="row">
            <label>
                <span>{tr("import.header_row")}</span>
                <input type="number" min="0" class="narrow"
                    prop:value=move || settings.with(|s| s.as_ref().map(|s| s.header_row).unwrap_or(0).to_string())
                    on:change=move |ev| {
                        let n = event_target_value(&ev).parse().unwrap_or(0);
                        on_change(&|s| s.header_row = n);
                    } />
            </label>
            <label>
                <span>{tr(said(record, "import.duplicates"))}</span>
                <select on:change=move |ev| {
                    let v = event_target_value(&ev);
                    let d = Duplicates::ALL.into_iter().find(|d| d.as_str() == v).unwrap_or_default();
                    on_change(&|s| s.duplicates = d);
                }>
                    {Duplicates::ALL.into_iter().map(|d| view! {
                        <option value=d.as_str() selected=move || settings.with(|s| s.as_ref().map(|s| s.duplicates) == Some(d))>
                            {t(&match record {
                                ImportRecord::Person => format!("import.dup.{}", d.as_str()),
                                _ => format!("import.dup.{}.{}", record.as_str(), d.as_str()),
                            })}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <Show when=move || organizations && record == ImportRecord::Person>
                <label class="check">
                    <input type="checkbox" prop:checked=move || settings.with(|s| s.as_ref().is_some_and(|s| s.create_organizations))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            on_change(&|s| s.create_organizations = on);
                        } />
                    {tr("import.create_orgs")}
                </label>
            </Show>
        </div>
        <div class="table-scroll">
        <table class="table dense" aria-label=tr("import.mapping")>
            <thead>
                <tr>
                    <th scope="col">{tr("import.column")}</th>
                    <th scope="col">{tr("import.samples")}</th>
                    <th scope="col">{tr("import.field")}</th>
                </tr>
            </thead>
            <tbody>
                {move || columns.get().into_iter().enumerate().map(|(i, c)| {
                    let current = move || settings.with(|s| s.as_ref().and_then(|s| s.columns.get(i).cloned()).unwrap_or_default());
                    let header = if c.header.is_empty() { tf("import.column_n", &[("n", &(i + 1).to_string())]) } else { c.header.clone() };
                    let label = header.clone();
                    let row_key = header.clone();
                    view! {
                        <tr data-column=row_key>
                            <th scope="row">{header}</th>
                            <td class="muted">{c.samples.join(" · ")}</td>
                            <td>
                                <select aria-label=move || tf("import.field_for", &[("column", &label)])
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        on_change(&|s| if let Some(c) = s.columns.get_mut(i) {
                                            c.field = (!v.is_empty()).then(|| v.clone());
                                        });
                                    }>
                                    <option value="" selected=move || current().field.is_none()>{tr("import.skip_column")}</option>
                                    {move || {
                                        let (all, custom) = targets();
                                        all.into_iter().map(|f| {
                                            let text = target_label(&f, &custom);
                                            let value = f.clone();
                                            view! {
                                                <option value=value selected=move || current().field.as_deref() == Some(f.as_str())>{text}</option>
                                            }
                                        }).collect_view()
                                    }}
                                </select>
                                <Show when=move || is_date(&current().field)>
                                    <select aria-label=tr("import.date_order") on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let d = DateOrder::ALL.into_iter().find(|d| d.as_str() == v).unwrap_or_default();
                                        on_change(&|s| if let Some(c) = s.columns.get_mut(i) { c.date_order = d; });
                                    }>
                                        {DateOrder::ALL.into_iter().map(|d| view! {
                                            <option value=d.as_str() selected=move || current().date_order == d>
                                                {t(&format!("import.date.{}", d.as_str()))}
                                            </option>
                                        }).collect_view()}
                                    </select>
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// The dry run: its counts, then the first rows as the file has them in
/// the columns that fill a field, the cell that makes a row rejected marked,
/// then every rejected row of the file.
#[component]
fn Preview(preview: ImportPreview, settings: ImportSettings) -> impl IntoView {
    let c = preview.counts;
    let count = |n: u32| n.to_string();
    // The columns that fill a field, with their names.
    let shown: Vec<(usize, String)> = settings
        .columns
        .iter()
        .enumerate()
        .filter(|(_, m)| m.field.is_some())
        .map(|(i, _)| {
            let header = preview
                .columns
                .get(i)
                .map(|c| c.header.clone())
                .unwrap_or_default();
            let header = if header.is_empty() {
                tf("import.column_n", &[("n", &(i + 1).to_string())])
            } else {
                header
            };
            (i, header)
        })
        .collect();
    let heads = shown.clone();
    let header_of = move |column: Option<u32>| {
        column
            .and_then(|c| shown.iter().find(|(i, _)| *i == c as usize))
            .map(|(_, h)| h.clone())
    };
    view! {
        <p class="import-summary" role="status">
            {tf("import.summary", &[
                ("created", &count(c.created)),
                ("updated", &count(c.updated)),
                ("skipped", &count(c.skipped)),
                ("rejected", &count(c.rejected)),
            ])}
            {(preview.new_organizations > 0).then(|| format!(" {}", tf("import.new_orgs", &[("count", &count(preview.new_organizations))])))}
        </p>
        <div class="table-scroll">
        <table class="table dense" aria-label=tr("import.rows")>
            <thead>
                <tr>
                    <th scope="col">{tr("import.row")}</th>
                    <th scope="col">{tr("import.action")}</th>
                    {heads.iter().map(|(_, h)| view! { <th scope="col">{h.clone()}</th> }).collect_view()}
                    <th scope="col">{tr("import.reason")}</th>
                </tr>
            </thead>
            <tbody>
                {preview.rows.into_iter().map(|r| {
                    let reason = r.reason.clone().unwrap_or_default();
                    view! {
                        <tr data-row=r.row class:rejected=r.action == RowAction::Reject>
                            <td>{r.row}</td>
                            <td><span class=format!("badge {}", r.action.as_str())>{t(&format!("import.action.{}", r.action.as_str()))}</span></td>
                            {heads.iter().map(|(i, h)| {
                                let bad = r.column == u32::try_from(*i).ok();
                                let text = r.cells.get(*i).cloned().unwrap_or_default();
                                view! {
                                    <td class:cell-error=bad aria-invalid=bad.then_some("true")
                                        title=bad.then(|| reason.clone()) data-column=h.clone()>{text}</td>
                                }
                            }).collect_view()}
                            <td class="muted">{reason.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {(!preview.errors.is_empty()).then(|| view! {
            <details class="import-errors">
                <summary>{tr("import.all_errors")}</summary>
                <ul>
                    {preview.errors.into_iter().map(|e| {
                        let line = tf("import.error_line", &[("row", &e.row.to_string()), ("reason", &e.reason)]);
                        let line = match header_of(e.column) {
                            Some(h) => format!("{line} ({h})"),
                            None => line,
                        };
                        view! { <li>{line}</li> }
                    }).collect_view()}
                </ul>
            </details>
        })}
    }
}

#[component]
fn Done(import: RwSignal<Option<ImportView>>, error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        import.get().map(|i| {
            let c = i.counts;
            let id = i.id;
            let line = tf(
                "import.done",
                &[
                    ("status", &t(&format!("import.status.{}", i.status.as_str()))),
                    ("created", &c.created.to_string()),
                    ("updated", &c.updated.to_string()),
                    ("skipped", &c.skipped.to_string()),
                    ("rejected", &c.rejected.to_string()),
                ],
            );
            view! {
                <p class="import-result" role="status">{line}</p>
                {(i.status == ImportStatus::Failed).then(|| view! { <p class="form-error">{tr("import.failed")}</p> })}
                {(c.rejected > 0).then(|| view! {
                    <button class="secondary" on:click=move |_| {
                        spawn_local(async move {
                            if let Err(e) = api::download(&format!("/api/v1/imports/{id}/rejected.csv")).await {
                                error.set(Some(e.message()));
                            }
                        });
                    }>{tr("import.download_rejected")}</button>
                })}
            }
        })
    }
}
