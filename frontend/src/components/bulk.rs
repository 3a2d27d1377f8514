//! A list's selection and what it does to the records selected, all at once:
//! a checkbox a row, one in the header for every row shown, and the bar that
//! tags them, gives them to a member or deletes them (`POST <list>/bulk`).
//! People, organisations and groups share it, each in its own words.

use crate::api;
use crate::components::toast::toasts;
use crate::i18n::{tf, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{BulkRequest, BulkResult};
use std::collections::HashMap;
use uuid::Uuid;

/// The header cell whose checkbox selects every row shown, or none.
/// `label` is the key of its name ("Select everyone shown").
#[component]
pub fn SelectAll(
    label: &'static str,
    /// The ids of the rows shown.
    shown: impl Fn() -> Vec<Uuid> + Copy + Send + Sync + 'static,
    selected: RwSignal<Vec<Uuid>>,
) -> impl IntoView {
    let all = move || {
        let shown = shown();
        !shown.is_empty() && selected.with(|s| shown.iter().all(|id| s.contains(id)))
    };
    view! {
        <th scope="col" class="select">
            <input type="checkbox" aria-label=tr(label)
                prop:checked=all
                on:change=move |ev| {
                    if event_target_checked(&ev) {
                        selected.set(shown());
                    } else {
                        selected.set(Vec::new());
                    }
                } />
        </th>
    }
}

/// A row's cell whose checkbox selects the record `id`, called `name`.
#[component]
pub fn SelectOne(id: Uuid, name: String, selected: RwSignal<Vec<Uuid>>) -> impl IntoView {
    view! {
        <td class="select">
            <input type="checkbox" aria-label=move || tf("bulk.select", &[("name", &name)])
                prop:checked=move || selected.with(|s| s.contains(&id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| {
                        s.retain(|x| *x != id);
                        if on {
                            s.push(id);
                        }
                    });
                } />
        </td>
    }
}

/// The bar shown while something is selected: how many, a tag to add to
/// them all, a member to give them to (or nobody), and their deletion for
/// those who may delete. Each action is posted to `path`; then a toast says
/// how many changed, the selection is emptied and `on_done` reloads the list.
#[component]
pub fn BulkBar(
    /// The list's bulk route, e.g. `/api/v1/people/bulk`.
    path: &'static str,
    selected: RwSignal<Vec<Uuid>>,
    /// The key of the bar's name ("Selected people").
    label: &'static str,
    /// The key of the member's label in the list's words ("Looked after by").
    assign_label: &'static str,
    /// The workspace's members to give the records to; with none (a role
    /// that may not list members), the bar offers no member.
    names: LocalResource<HashMap<Uuid, String>>,
    /// Whether the user may delete these records.
    can_delete: impl Fn() -> bool + Copy + Send + Sync + 'static,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let tag = RwSignal::new(String::new());
    // "" until a member is chosen, `none` for nobody, else a user id.
    let member = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let run = move |body: BulkRequest| {
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, BulkResult>(path, &body).await {
                Ok(r) => {
                    toasts.success(tf("bulk.done", &[("count", &r.changed.len().to_string())]))
                }
                Err(e) => toasts.error(e.message()),
            }
            busy.set(false);
            selected.set(Vec::new());
            on_done();
        });
    };
    let add_tag = move |_| {
        let add = rapport_domain::validate::split_tags(&tag.get_untracked());
        tag.set(String::new());
        run(BulkRequest::Tag {
            ids: selected.get_untracked(),
            add,
            remove: vec![],
        });
    };
    let assign = move |_| {
        let owner_id = member.get_untracked().parse::<Uuid>().ok();
        member.set(String::new());
        run(BulkRequest::Assign {
            ids: selected.get_untracked(),
            owner_id,
        });
    };
    let members = move || {
        let mut members: Vec<(Uuid, String)> =
            names.get().unwrap_or_default().into_iter().collect();
        members.sort_by(|a, b| a.1.cmp(&b.1));
        members
    };
    view! {
        <Show when=move || selected.with(|s| !s.is_empty())>
            <div class="bulk-bar" role="region" aria-label=tr(label)>
                <span>{move || tf("bulk.selected", &[("count", &selected.with(Vec::len).to_string())])}</span>
                <input aria-label=tr("bulk.tag_to_add") placeholder=tr("bulk.tag_to_add")
                    prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev)) />
                <button class="secondary small" on:click=add_tag
                    disabled=move || busy.get() || tag.with(|t| t.trim().is_empty())>{tr("bulk.tag")}</button>
                <Show when=move || names.get().is_some_and(|n| !n.is_empty())>
                    <label>
                        {tr(assign_label)}
                        <select prop:value=move || member.get()
                            on:change=move |ev| member.set(event_target_value(&ev))>
                            <option value="">{tr("bulk.choose_member")}</option>
                            <option value="none">{tr("bulk.nobody")}</option>
                            {move || members().into_iter().map(|(id, name)| view! {
                                <option value=id.to_string()>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button class="secondary small" on:click=assign
                        disabled=move || busy.get() || member.with(String::is_empty)>{tr("bulk.assign")}</button>
                </Show>
                <Show when=can_delete>
                    <button class="danger small" disabled=move || busy.get() on:click=move |_| {
                        run(BulkRequest::Delete { ids: selected.get_untracked() });
                    }>{tr("common.delete")}</button>
                </Show>
            </div>
        </Show>
    }
}
