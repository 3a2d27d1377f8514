//! The search in the top bar: people, organisations and groups as one
//! types, each opening its record's page with its panel.

use crate::api;
use crate::i18n::{t, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use rapport_domain::api::{SearchHit, SearchKind, SearchResults};

/// The page and panel of a hit.
fn href(hit: &SearchHit) -> String {
    let page = match hit.kind {
        SearchKind::Person => "people",
        SearchKind::Organization => "organizations",
        SearchKind::Group => "groups",
    };
    format!("/{page}?open={}", hit.id)
}

fn kind_label(kind: SearchKind) -> String {
    t(match kind {
        SearchKind::Person => "search.person",
        SearchKind::Organization => "search.organization",
        SearchKind::Group => "search.group",
    })
}

#[component]
pub fn GlobalSearch() -> impl IntoView {
    let navigate = use_navigate();
    let text = RwSignal::new(String::new());
    let typed = RwSignal::new(0u32);
    let hits = RwSignal::new(Vec::<SearchHit>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let run = move |q: String| {
        if q.trim().chars().count() < 2 {
            hits.set(vec![]);
            return;
        }
        spawn_local(async move {
            if let Ok(found) = api::get::<SearchResults>(&format!(
                "/api/v1/search?limit=8&q={}",
                api::enc(q.trim())
            ))
            .await
            {
                // Only the answer to what is typed now.
                if text.get_untracked() == q {
                    active.set(0);
                    hits.set(found.data);
                    open.set(true);
                }
            }
        });
    };
    let go = move |hit: &SearchHit| {
        open.set(false);
        text.set(String::new());
        hits.set(vec![]);
        navigate(&href(hit), Default::default());
    };
    let go_key = go.clone();
    view! {
        <div class="global-search" role="search">
            <input
                type="search"
                role="combobox"
                aria-label=tr("search.label")
                placeholder=tr("search.placeholder")
                aria-expanded=move || (open.get() && !hits.with(Vec::is_empty)).to_string()
                aria-controls="search-hits"
                aria-autocomplete="list"
                prop:value=move || text.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    text.set(q.clone());
                    let n = typed.get_untracked() + 1;
                    typed.set(n);
                    set_timeout(
                        move || {
                            if typed.get_untracked() == n {
                                run(q);
                            }
                        },
                        std::time::Duration::from_millis(200),
                    );
                }
                on:keydown=move |ev| {
                    let n = hits.with_untracked(Vec::len);
                    match ev.key().as_str() {
                        "ArrowDown" if n > 0 => {
                            ev.prevent_default();
                            active.update(|a| *a = (*a + 1) % n);
                        }
                        "ArrowUp" if n > 0 => {
                            ev.prevent_default();
                            active.update(|a| *a = (*a + n - 1) % n);
                        }
                        "Enter" => {
                            if let Some(hit) = hits.with_untracked(|h| h.get(active.get_untracked()).cloned()) {
                                ev.prevent_default();
                                go_key(&hit);
                            }
                        }
                        "Escape" => open.set(false),
                        _ => {}
                    }
                }
                on:blur=move |_| {
                    // After a click on a hit has been taken.
                    set_timeout(move || open.set(false), std::time::Duration::from_millis(150));
                }
            />
            <Show when=move || open.get() && text.with(|t| t.trim().chars().count() >= 2)>
                <ul id="search-hits" class="search-hits" role="listbox" aria-label=tr("search.label")>
                    {
                        let go = go.clone();
                        move || {
                            let list = hits.get();
                            if list.is_empty() {
                                return view! { <li class="empty">{tr("search.none")}</li> }.into_any();
                            }
                            let go = go.clone();
                            list.into_iter().enumerate().map(move |(i, hit)| {
                                let go = go.clone();
                                let target = hit.clone();
                                let kind = hit.kind;
                                view! {
                                    <li role="option" aria-selected=move || (active.get() == i).to_string()
                                        class:active=move || active.get() == i
                                        on:mousedown=move |ev| { ev.prevent_default(); go(&target); }>
                                        <span class="hit-title">{hit.title.clone()}</span>
                                        <span class="hit-sub">{move || kind_label(kind)}{hit.subtitle.clone().map(|s| format!(" · {s}"))}</span>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }
                    }
                </ul>
            </Show>
        </div>
    }
}
