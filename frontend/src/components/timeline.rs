//! A record's timeline: its notes and its changes, newest first, with a box
//! to write a note (Markdown). Notes come from the server as safe HTML. Live:
//! another person's note or change appears at once.

use crate::api::{self, ApiError};
use crate::components::form::FormError;
use crate::components::toast::toasts;
use crate::i18n::{self, t, tf, tr};
use crate::live::Live;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    ActorKind, CreateNoteRequest, NoteRecord, NoteView, TimelineChange, TimelineItem, TimelinePage,
};
use rapport_domain::Permission;
use uuid::Uuid;

fn path(record: NoteRecord, id: Uuid) -> String {
    let kind = match record {
        NoteRecord::Person => "people",
        NoteRecord::Organization => "organizations",
        NoteRecord::Group => "groups",
    };
    format!("/api/v1/{kind}/{id}/timeline?limit=30")
}

/// Who did it, as people say it.
fn actor(c: &TimelineChange) -> String {
    match (&c.actor_name, c.actor.kind) {
        (Some(name), _) => name.clone(),
        (None, ActorKind::ApiKey) => t("timeline.api_key"),
        (None, ActorKind::System) => t("timeline.system"),
        (None, ActorKind::User) => t("timeline.someone"),
    }
}

/// A value as a line shows it.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) if s.is_empty() => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.is_empty() => "—".into(),
        serde_json::Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The lines of one changed field; an object of values (custom fields)
/// gives one line per value that changed.
fn lines(field: &str, change: &serde_json::Value) -> Vec<(String, String, String)> {
    // Sensitive values are never in the trail: only that they changed.
    if field == "sensitive_fields" {
        return vec![(
            t("timeline.sensitive_changed"),
            String::new(),
            String::new(),
        )];
    }
    let (before, after) = (&change["before"], &change["after"]);
    match (before.as_object(), after.as_object()) {
        (b, a) if b.is_some() || a.is_some() => {
            let empty = serde_json::Map::new();
            let (b, a) = (b.unwrap_or(&empty), a.unwrap_or(&empty));
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| {
                    let null = serde_json::Value::Null;
                    (
                        k.clone(),
                        shown(b.get(k).unwrap_or(&null)),
                        shown(a.get(k).unwrap_or(&null)),
                    )
                })
                .collect()
        }
        _ => vec![(field.to_string(), shown(before), shown(after))],
    }
}

#[component]
pub fn Timeline(record: NoteRecord, id: Uuid) -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let items = RwSignal::new(Vec::<TimelineItem>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let load = move |more: bool| {
        let mut url = path(record, id);
        if more {
            match cursor.get_untracked() {
                Some(c) => url.push_str(&format!("&cursor={}", api::enc(&c))),
                None => return,
            }
        }
        spawn_local(async move {
            match api::get::<TimelinePage>(&url).await {
                Ok(page) => {
                    cursor.set(page.next_cursor);
                    if more {
                        items.update(|i| i.extend(page.data));
                    } else {
                        items.set(page.data);
                    }
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load(false);
    let me = id.to_string();
    live.on_event(move |e| {
        let about_it = e.data["id"].as_str() == Some(me.as_str())
            || e.data["record_id"].as_str() == Some(me.as_str());
        if about_it && (e.kind.starts_with(record.as_str()) || e.kind.starts_with("note.")) {
            load(false);
        }
    });
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let write = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let mut req = CreateNoteRequest {
            body: body.get_untracked(),
            ..Default::default()
        };
        match record {
            NoteRecord::Person => req.person_id = Some(id),
            NoteRecord::Organization => req.organization_id = Some(id),
            NoteRecord::Group => req.group_id = Some(id),
        }
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, NoteView>("/api/v1/notes", &req).await {
                Ok(_) => {
                    body.set(String::new());
                    load(false);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let remove = move |note: Uuid| {
        spawn_local(async move {
            match api::delete(&format!("/api/v1/notes/{note}")).await {
                Ok(()) => {
                    toasts.success(t("timeline.note_deleted"));
                    load(false);
                }
                Err(e) => toasts.error(e.message()),
            }
        });
    };
    let tz = session::time_zone();
    let me_user = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    view! {
        <section class="timeline" aria-label=tr("timeline.title")>
            <h3>{tr("timeline.title")}</h3>
            <Show when=move || session.can(Permission::NotesWrite)>
                <form class="note-form" on:submit=write novalidate=true>
                    <label for="f-note" class="sr-only">{tr("timeline.note")}</label>
                    <textarea id="f-note" rows="3" placeholder=tr("timeline.placeholder")
                        prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev)) />
                    <FormError errors=errors />
                    <button type="submit" class="secondary small" disabled=move || busy.get() || body.with(|b| b.trim().is_empty())>
                        {tr("timeline.add_note")}
                    </button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <ol class="timeline-items">
                {move || {
                    let tz = tz.clone();
                    items.get().into_iter().map(move |item| {
                        let when = i18n::datetime(&item.at(), &tz);
                        match item {
                            TimelineItem::Note(n) => {
                                let author = n.author_name.clone().unwrap_or_else(|| t("timeline.someone"));
                                let mine = n.author_id.is_some() && n.author_id == me_user;
                                let may_delete = mine || session.can(Permission::NotesManage);
                                let note_id = n.id;
                                view! {
                                    <li class="item note" data-note=n.id.to_string()>
                                        <p class="meta"><strong>{author}</strong>" · "<time>{when}</time></p>
                                        <div class="note-body" inner_html=n.body_html.clone()></div>
                                        <Show when=move || may_delete>
                                            <button class="link small" on:click=move |_| remove(note_id)>{tr("common.delete")}</button>
                                        </Show>
                                    </li>
                                }.into_any()
                            }
                            TimelineItem::Change(c) => {
                                let who = actor(&c);
                                let verb = c.action.rsplit('.').next().unwrap_or_default().to_string();
                                let line = tf(&format!("timeline.{verb}"), &[("actor", &who)]);
                                let fields: Vec<(String, String, String)> = if verb == "updated" {
                                    c.changes.as_object().map(|o| o.iter().flat_map(|(k, v)| lines(k, v)).collect()).unwrap_or_default()
                                } else {
                                    vec![]
                                };
                                view! {
                                    <li class="item change">
                                        <p class="meta">{line}" · "<time>{when}</time></p>
                                        <ul class="fields">
                                            {fields.into_iter().map(|(k, b, a)| if b.is_empty() && a.is_empty() {
                                                view! { <li><span class="field-name">{k}</span></li> }.into_any()
                                            } else {
                                                view! { <li><span class="field-name">{k}</span>": "{b}" → "{a}</li> }.into_any()
                                            }).collect_view()}
                                        </ul>
                                    </li>
                                }.into_any()
                            }
                        }
                    }).collect_view()
                }}
            </ol>
            <Show when=move || cursor.with(Option::is_some)>
                <button class="secondary small" on:click=move |_| load(true)>{tr("common.more")}</button>
            </Show>
        </section>
    }
}
