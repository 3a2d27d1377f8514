//! The inbox: one's conversations on the left, newest first, with what is
//! unread; the chosen one on the right, oldest message first, with who
//! has seen what, and a box to answer. Staff write to anyone, students
//! and users to staff; admins broadcast to everyone, a role or a group.
//! Everything arrives live.

use crate::api;
use crate::components::form::FormError;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{self, t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    AttachmentView, Audience, BroadcastRequest, BroadcastView, ContactView, ConversationKind,
    ConversationView, GroupPage, InboxView, MarkReadRequest, MessageKind, MessageView, Page,
    SendMessageRequest, StartConversationRequest, UpdateMessageRequest,
};
use rapport_domain::messaging::ATTACHMENT_MAX_BYTES;
use rapport_domain::{Module, Permission, Role};
use uuid::Uuid;

#[leptos::lazy]
fn page() -> AnyView {
    view! { <Inbox /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "messaging",
    label: "messaging",
    section: Section::Records,
    visible: |s| s.has_module(Module::Messaging) && s.can(Permission::MessagesRead),
    page: || Box::pin(page()),
    badge: Some(badge),
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// The caller's unread messages beside the sidebar's link, kept current
/// by the live events of their conversations.
fn badge() -> AnyView {
    view! { <UnreadBadge /> }.into_any()
}

#[component]
fn UnreadBadge() -> impl IntoView {
    let live = expect_context::<Live>();
    let version = RwSignal::new(0u32);
    live.on_event(move |e| {
        if e.kind.starts_with("message.") || e.kind == "conversation.read" {
            version.update(|v| *v += 1);
        }
    });
    let inbox = LocalResource::new(move || {
        version.track();
        async { api::get::<InboxView>("/api/v1/inbox").await.ok() }
    });
    move || {
        inbox
            .get()
            .flatten()
            .filter(|i| i.unread_messages > 0)
            .map(|i| {
                view! {
                    <span class="badge nav-badge" data-test="inbox-unread"
                        aria-label=move || tf("messaging.unread_count", &[("n", &i.unread_messages.to_string())])>
                        {i.unread_messages}
                    </span>
                }
            })
    }
}

/// The first `pages` pages of the list at `path` (which names its
/// `limit`), one after the other by their cursors; and whether more follow.
async fn first_pages<T: serde::de::DeserializeOwned>(
    path: &str,
    pages: usize,
) -> Result<(Vec<T>, bool), api::ApiError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..pages.max(1) {
        let at = match &cursor {
            Some(c) => format!("{path}&cursor={}", api::enc(c)),
            None => path.to_string(),
        };
        let page = api::get::<Page<T>>(&at).await?;
        all.extend(page.data);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    Ok((all, cursor.is_some()))
}

/// What the right-hand side shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Conversation(Uuid),
    New,
    Broadcast,
    Nothing,
}

/// A conversation's name: its subject, or the others in it.
fn title(c: &ConversationView, me: Option<Uuid>) -> String {
    if c.kind == ConversationKind::Notifications {
        return t("messaging.notifications");
    }
    if let Some(s) = &c.subject {
        return s.clone();
    }
    let others: Vec<&str> = c
        .participants
        .iter()
        .filter(|p| Some(p.user_id) != me)
        .map(|p| p.name.as_str())
        .collect();
    if others.is_empty() {
        t("messaging.just_you")
    } else {
        others.join(", ")
    }
}

fn role_label(role: Role) -> String {
    let template = session::current()
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.workspace.template))
        .unwrap_or(rapport_domain::Template::Sales);
    t(&format!("role.{}.{}", template.as_str(), role.as_str()))
}

#[component]
fn Inbox() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let version = RwSignal::new(0u32);
    let bump = move || version.update(|v| *v += 1);
    let unread_only = RwSignal::new(false);
    let pane = RwSignal::new(Pane::Nothing);
    // Pages of 50 conversations: more are shown on asking.
    let shown_pages = RwSignal::new(1usize);
    let conversations = LocalResource::new(move || {
        version.track();
        let unread = unread_only.get();
        let pages = shown_pages.get();
        async move {
            let filter = if unread { "&unread=true" } else { "" };
            first_pages::<ConversationView>(
                &format!("/api/v1/conversations?limit=50{filter}"),
                pages,
            )
            .await
        }
    });
    // A change in any of one's conversations: read again; one that lands
    // in the conversation open is read at once and needs no toast.
    live.on_event(move |e| {
        let kind = e.kind.as_str();
        if kind.starts_with("message.") || kind == "conversation.read" {
            let about = e.data["conversation_id"]
                .as_str()
                .and_then(|s| s.parse::<Uuid>().ok());
            if let (Some(c), Pane::Conversation(open)) = (about, pane.get_untracked()) {
                if c == open {
                    live.told();
                }
            }
            bump();
        }
    });
    let choose = move |p: Pane| pane.set(p);
    let broadcaster = session.can(Permission::BroadcastsSend);
    view! {
        <section class="page inbox-page" data-page="messaging">
            <header class="page-header">
                <div>
                    <h1>{tr("messaging.title")}</h1>
                    <p class="lead">{tr("messaging.lead")}</p>
                </div>
                <div class="actions">
                    <button type="button" data-test="new-message" on:click=move |_| choose(Pane::New)>
                        {tr("messaging.new")}
                    </button>
                    {broadcaster.then(|| view! {
                        <button type="button" class="secondary" data-test="new-broadcast" on:click=move |_| choose(Pane::Broadcast)>
                            {tr("messaging.broadcast")}
                        </button>
                    })}
                </div>
            </header>
            <div class="inbox">
                <aside class="inbox-list" aria-label=move || t("messaging.title")>
                    <div class="inbox-filter" role="group">
                        <button type="button" class:active=move || !unread_only.get() on:click=move |_| unread_only.set(false)>
                            {tr("messaging.all")}
                        </button>
                        <button type="button" class:active=move || unread_only.get() on:click=move |_| unread_only.set(true)>
                            {tr("messaging.unread")}
                        </button>
                    </div>
                    <Suspense fallback=|| view! { <Skeleton lines=5 /> }>
                        {move || conversations.get().map(|r| match r {
                            Ok((list, _)) if list.is_empty() => view! {
                                <p class="empty">{move || if unread_only.get() { t("messaging.all_read") } else { t("messaging.empty") }}</p>
                            }.into_any(),
                            Ok((list, more)) => view! {
                                <ul class="inbox-items" data-test="conversations">
                                    {list.into_iter().map(|c| {
                                        let id = c.id;
                                        let name = title(&c, me);
                                        let tz = session::time_zone();
                                        let at = c.last_message_at;
                                        view! {
                                            <li>
                                                <button type="button" class="inbox-item"
                                                    class:selected=move || pane.get() == Pane::Conversation(id)
                                                    class:unread={c.unread > 0}
                                                    data-kind={c.kind.as_str()}
                                                    on:click=move |_| choose(Pane::Conversation(id))>
                                                    <span class="inbox-name">{name}</span>
                                                    <span class="inbox-time muted" title=i18n::datetime(&at, &tz)>{i18n::when_short(&at, &tz)}</span>
                                                    <span class="inbox-preview muted">{match c.preview.clone() {
                                                        Some(p) if p.is_empty() => t("messaging.files_only"),
                                                        Some(p) => p,
                                                        None => t("messaging.deleted"),
                                                    }}</span>
                                                    {(c.unread > 0).then(|| view! { <span class="badge" data-test="unread">{c.unread}</span> })}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {more.then(|| view! {
                                    <button type="button" class="secondary more" data-test="more-conversations"
                                        on:click=move |_| shown_pages.update(|n| *n += 1)>{tr("messaging.more")}</button>
                                })}
                            }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                        })}
                    </Suspense>
                </aside>
                <div class="inbox-pane">
                    {move || match pane.get() {
                        Pane::Conversation(id) => view! { <Thread id=id version=version /> }.into_any(),
                        Pane::New => view! { <NewConversation on_done=Callback::new(move |id| { bump(); choose(Pane::Conversation(id)); }) /> }.into_any(),
                        Pane::Broadcast => view! { <NewBroadcast on_done=Callback::new(move |id| { bump(); choose(Pane::Conversation(id)); }) /> }.into_any(),
                        Pane::Nothing => view! { <p class="empty inbox-hint">{tr("messaging.pick")}</p> }.into_any(),
                    }}
                </div>
            </div>
        </section>
    }
}

/// One conversation: its messages oldest first, read as they are shown.
#[component]
fn Thread(id: Uuid, version: RwSignal<u32>) -> impl IntoView {
    let session = session::current();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let errors = RwSignal::new(None::<api::ApiError>);
    let conversation = LocalResource::new(move || {
        version.track();
        async move { api::get::<ConversationView>(&format!("/api/v1/conversations/{id}")).await }
    });
    // Pages of 100 messages, newest first: earlier ones on asking.
    let shown_pages = RwSignal::new(1usize);
    let earlier = RwSignal::new(false);
    let messages = LocalResource::new(move || {
        version.track();
        let pages = shown_pages.get();
        async move {
            first_pages::<MessageView>(
                &format!("/api/v1/messages?conversation_id={id}&limit=100"),
                pages,
            )
            .await
            // Newest first, shown from the bottom up (the list is
            // `column-reverse`): the newest is in view without scrolling.
            .map(|(list, more)| {
                earlier.set(more);
                list
            })
        }
    });
    // What is shown is read: tell the server, up to the newest message
    // shown, once for each newest message (a refusal is not retried).
    let told = StoredValue::new(None::<Uuid>);
    Effect::new(move |_| {
        let unread = conversation
            .get()
            .and_then(|r| r.ok())
            .is_some_and(|c| c.unread > 0);
        let newest = messages
            .get()
            .and_then(|r| r.ok())
            .and_then(|list| list.first().map(|m| m.id));
        let Some(newest) = newest.filter(|_| unread) else {
            return;
        };
        if told.get_value() == Some(newest) {
            return;
        }
        told.set_value(Some(newest));
        spawn_local(async move {
            let read = api::post::<_, ConversationView>(
                &format!("/api/v1/conversations/{id}/read"),
                &MarkReadRequest {
                    up_to: Some(newest),
                },
            )
            .await;
            if read.is_ok() {
                version.update(|v| *v += 1);
            }
        });
    });
    let draft = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    // Files uploaded for the next message, and how many are on their way.
    let pending = RwSignal::new(Vec::<AttachmentView>::new());
    let uploading = RwSignal::new(0usize);
    let toasts = toasts();
    let attach = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let picked: Vec<web_sys::File> = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        // The same file may be picked again after it is removed.
        input.set_value("");
        for f in picked {
            if f.size() > ATTACHMENT_MAX_BYTES as f64 {
                toasts.error(tf("messaging.too_big", &[("name", &f.name())]));
                continue;
            }
            uploading.update(|n| *n += 1);
            spawn_local(async move {
                let path = format!("/api/v1/attachments?filename={}", api::enc(&f.name()));
                match api::upload::<AttachmentView>(&path, f).await {
                    Ok(a) => pending.update(|p| p.push(a)),
                    Err(e) => errors.set(Some(e)),
                }
                uploading.update(|n| *n -= 1);
            });
        }
    };
    let unattach = move |aid: Uuid| {
        pending.update(|p| p.retain(|a| a.id != aid));
        spawn_local(async move {
            let _ = api::delete(&format!("/api/v1/attachments/{aid}")).await;
        });
    };
    let send = move || {
        if sending.get_untracked() || uploading.get_untracked() > 0 {
            return;
        }
        let body = SendMessageRequest {
            conversation_id: id,
            body: draft.get_untracked(),
            attachment_ids: pending.with_untracked(|p| p.iter().map(|a| a.id).collect()),
        };
        sending.set(true);
        let sent = body.attachment_ids.clone();
        spawn_local(async move {
            match api::post::<_, MessageView>("/api/v1/messages", &body).await {
                Ok(_) => {
                    draft.set(String::new());
                    // Only what went: a file that finished uploading
                    // meanwhile waits for the next message.
                    pending.update(|p| p.retain(|a| !sent.contains(&a.id)));
                    errors.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    // Files the server no longer holds for this message
                    // (discarded, or kept more than a day) are let go.
                    let stale = e
                        .problem
                        .as_ref()
                        .is_some_and(|p| p.errors.iter().any(|f| f.field == "attachment_ids"));
                    if stale {
                        pending.update(|p| p.retain(|a| !sent.contains(&a.id)));
                    }
                    errors.set(Some(e));
                }
            }
            sending.set(false);
        });
    };
    let editing = RwSignal::new(None::<(Uuid, i32)>);
    let edit_text = RwSignal::new(String::new());
    let save_edit = move || {
        let Some((mid, v)) = editing.get_untracked() else {
            return;
        };
        let body = UpdateMessageRequest {
            body: edit_text.get_untracked(),
        };
        spawn_local(async move {
            match api::patch_at::<_, MessageView>(&format!("/api/v1/messages/{mid}"), v, &body)
                .await
            {
                Ok(_) => {
                    editing.set(None);
                    version.update(|x| *x += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let remove = move |mid: Uuid| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(&t("messaging.delete_sure")).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/api/v1/messages/{mid}")).await {
                Ok(()) => version.update(|x| *x += 1),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <article class="thread" data-test="thread">
            {move || conversation.get().map(|r| match r {
                Ok(c) => view! {
                    <header class="thread-header">
                        <h2>{title(&c, me)}</h2>
                        <span class="muted">{t(&format!("messaging.kind.{}", c.kind.as_str()))}</span>
                    </header>
                }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
            })}
            <FormError errors=errors />
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || {
                    let c = conversation.get().and_then(|r| r.ok());
                    messages.get().map(|r| match r {
                        Ok(list) => {
                            let tz = session::time_zone();
                            let last_mine = list.iter().find(|m| m.author_id == me && me.is_some()).map(|m| m.id);
                            view! {
                                <ol class="messages" data-test="messages">
                                    {list.into_iter().map(|m| {
                                        let mine = m.author_id.is_some() && m.author_id == me;
                                        let mid = m.id;
                                        let version_of = m.version;
                                        let at = m.created_at;
                                        let author = match m.kind {
                                            MessageKind::Notification => t("messaging.system"),
                                            _ => m.author_name.clone().unwrap_or_else(|| t("messaging.someone")),
                                        };
                                        let seen = (Some(mid) == last_mine).then(|| receipt(&m, c.as_ref())).flatten();
                                        let body = m.body.clone();
                                        let html = m.body_html.clone();
                                        let deleted = m.deleted_at.is_some();
                                        let edited = m.edited_at.is_some();
                                        let kind = m.kind.as_str();
                                        view! {
                                            <li class="message" class:mine=mine class:deleted=deleted data-kind=kind>
                                                <p class="message-meta muted">
                                                    <strong>{author}</strong> " · " {i18n::datetime(&at, &tz)}
                                                    {edited.then(|| view! { " · " {tr("messaging.edited")} })}
                                                </p>
                                                {move || if editing.get().map(|(e, _)| e) == Some(mid) {
                                                    view! {
                                                        <div class="message-edit">
                                                            <textarea rows="3" prop:value=move || edit_text.get() on:input=move |ev| edit_text.set(event_target_value(&ev))></textarea>
                                                            <button type="button" on:click=move |_| save_edit()>{tr("messaging.save")}</button>
                                                            <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("messaging.cancel")}</button>
                                                        </div>
                                                    }.into_any()
                                                } else {
                                                    match html.clone() {
                                                        Some(html) => view! { <div class="message-body" inner_html=html></div> }.into_any(),
                                                        None => view! { <p class="message-body muted"><em>{tr("messaging.deleted")}</em></p> }.into_any(),
                                                    }
                                                }}
                                                {(!m.attachments.is_empty()).then(|| view! { <Files files=m.attachments.clone() /> })}
                                                {(mine && !deleted).then(|| {
                                                    let body = body.clone().unwrap_or_default();
                                                    view! {
                                                        <div class="message-actions">
                                                            <button type="button" class="link" on:click=move |_| { edit_text.set(body.clone()); editing.set(Some((mid, version_of))); }>{tr("messaging.edit")}</button>
                                                            <button type="button" class="link danger" on:click=move |_| remove(mid)>{tr("messaging.delete")}</button>
                                                        </div>
                                                    }
                                                })}
                                                {seen.map(|s| view! { <p class="receipt muted" data-test="receipt">{s}</p> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                    // Last, so shown on top of the reversed list.
                                    {move || earlier.get().then(|| view! {
                                        <li class="earlier">
                                            <button type="button" class="secondary more" data-test="earlier"
                                                on:click=move |_| shown_pages.update(|n| *n += 1)>{tr("messaging.earlier")}</button>
                                        </li>
                                    })}
                                </ol>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    })
                }}
            </Suspense>
            {move || {
                let can_reply = conversation.get().and_then(|r| r.ok()).is_some_and(|c| c.can_reply);
                if can_reply {
                    view! {
                        <form class="composer" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); send(); }>
                            <textarea rows="3" data-test="composer" placeholder=move || t("messaging.write")
                                prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev))
                                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                                        ev.prevent_default();
                                        send();
                                    }
                                }></textarea>
                            <div class="composer-actions">
                                <label class="button secondary attach" title=move || t("messaging.attach_hint")>
                                    {tr("messaging.attach")}
                                    <input type="file" multiple class="visually-hidden" data-test="attach" disabled=move || sending.get() on:change=attach />
                                </label>
                                <button type="submit" disabled=move || sending.get() || uploading.get() != 0>{tr("messaging.send")}</button>
                            </div>
                            <Show when=move || !pending.with(Vec::is_empty) || uploading.get() != 0>
                                <ul class="attachments pending" data-test="pending">
                                    <For each=move || pending.get() key=|a| a.id let:a>
                                        {
                                            let aid = a.id;
                                            view! {
                                                <li class="attachment">
                                                    <span class="attachment-name">{a.file_name.clone()}</span>
                                                    <span class="muted attachment-size">{size_label(a.size)}</span>
                                                    <button type="button" class="link danger" aria-label=move || tf("messaging.remove_file", &[("name", &a.file_name)])
                                                        on:click=move |_| unattach(aid)>"×"</button>
                                                </li>
                                            }
                                        }
                                    </For>
                                    {move || (uploading.get() > 0).then(|| view! { <li class="attachment muted">{tr("messaging.uploading")}</li> })}
                                </ul>
                            </Show>
                        </form>
                    }.into_any()
                } else {
                    view! { <p class="muted composer-closed">{tr("messaging.no_replies")}</p> }.into_any()
                }
            }}
        </article>
    }
}

/// A file's size as people read it.
fn size_label(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", (b + 512) / 1024),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// A message's files: each downloads on a click; a picture shows small.
#[component]
fn Files(files: Vec<AttachmentView>) -> impl IntoView {
    let toasts = toasts();
    view! {
        <ul class="attachments" data-test="attachments">
            {files.into_iter().map(|a| {
                let path = format!("/api/v1/attachments/{}", a.id);
                let picture = matches!(a.content_type.as_str(), "image/png" | "image/jpeg" | "image/gif" | "image/webp");
                let thumb = RwSignal::new(None::<String>);
                if picture {
                    let p = path.clone();
                    spawn_local(async move {
                        if let Ok(url) = api::picture(&p).await {
                            // The message may be gone by now.
                            if thumb.try_set(Some(url.clone())).is_some() {
                                let _ = web_sys::Url::revoke_object_url(&url);
                            }
                        }
                    });
                    on_cleanup(move || {
                        if let Some(url) = thumb.try_get_untracked().flatten() {
                            let _ = web_sys::Url::revoke_object_url(&url);
                        }
                    });
                }
                let name = a.file_name.clone();
                let fetch = move |_| {
                    let p = path.clone();
                    spawn_local(async move {
                        if let Err(e) = api::download(&p).await {
                            toasts.error(e.message());
                        }
                    });
                };
                view! {
                    <li class="attachment">
                        {move || thumb.get().map(|src| view! { <img class="attachment-thumb" src=src alt="" /> })}
                        <button type="button" class="link attachment-name" on:click=fetch>{name}</button>
                        <span class="muted attachment-size">{size_label(a.size)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Under one's own newest message: whether the others have seen it, or
/// how many of a broadcast's audience have read it.
fn receipt(m: &MessageView, c: Option<&ConversationView>) -> Option<String> {
    let c = c?;
    match c.kind {
        ConversationKind::Broadcast => Some(tf(
            "messaging.read_by",
            &[
                ("read", &m.read.to_string()),
                ("of", &m.recipients.to_string()),
            ],
        )),
        ConversationKind::Direct | ConversationKind::Group => {
            // Seen once every recipient's delivery of it is read.
            let seen = m.recipients > 0 && m.read == m.recipients;
            Some(if seen {
                t("messaging.seen")
            } else {
                t("messaging.sent")
            })
        }
        ConversationKind::Notifications => None,
    }
}

/// Start a conversation: choose whom, then write.
#[component]
fn NewConversation(on_done: Callback<Uuid>) -> impl IntoView {
    let contacts = LocalResource::new(|| api::get::<Vec<ContactView>>("/api/v1/inbox/contacts"));
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let find = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<api::ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let s = subject.get_untracked();
        let req = StartConversationRequest {
            participant_ids: chosen.get_untracked(),
            subject: (!s.trim().is_empty()).then_some(s),
            body: body.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, ConversationView>("/api/v1/conversations", &req).await {
                Ok(c) => on_done.run(c.id),
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card compose" data-test="compose" on:submit=submit>
            <h2>{tr("messaging.new")}</h2>
            <FormError errors=errors />
            <label>
                {tr("messaging.to")}
                <input type="search" data-test="find-contact" placeholder=move || t("messaging.find")
                    prop:value=move || find.get() on:input=move |ev| find.set(event_target_value(&ev)) />
            </label>
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
                {move || contacts.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{tr("messaging.no_contacts")}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="contacts">
                            {move || {
                                let needle = find.get().to_lowercase();
                                list.iter()
                                    .filter(|c| needle.is_empty() || c.name.to_lowercase().contains(&needle))
                                    .take(30)
                                    .map(|c| {
                                        let id = c.user_id;
                                        view! {
                                            <li>
                                                <label class="check">
                                                    <input type="checkbox"
                                                        prop:checked=move || chosen.with(|v| v.contains(&id))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } });
                                                        } />
                                                    {c.name.clone()} <span class="muted">{role_label(c.role)}</span>
                                                </label>
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                })}
            </Suspense>
            {move || (chosen.with(|v| v.len()) > 1).then(|| view! {
                <label>
                    {tr("messaging.subject")}
                    <input prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
                </label>
            })}
            <label>
                {tr("messaging.message")}
                <textarea rows="4" data-test="first-message" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit">{tr("messaging.send")}</button>
        </form>
    }
}

/// A broadcast: to everyone, one role, or one group.
#[component]
fn NewBroadcast(on_done: Callback<Uuid>) -> impl IntoView {
    let session = session::current();
    let template = session
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.workspace.template))
        .unwrap_or(rapport_domain::Template::Sales);
    let has_groups = session.has_module(Module::Groups);
    let groups = LocalResource::new(move || async move {
        if has_groups {
            api::get::<GroupPage>("/api/v1/groups?limit=200")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        } else {
            vec![]
        }
    });
    // `everyone`, `role:<role>` or `group:<id>`.
    let audience = RwSignal::new("everyone".to_string());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<api::ApiError>);
    let toasts = toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let a = audience.get_untracked();
        let audience = if let Some(r) = a.strip_prefix("role:") {
            Role::ALL
                .into_iter()
                .find(|x| x.as_str() == r)
                .map(|role| Audience::Role { role })
        } else if let Some(g) = a.strip_prefix("group:") {
            g.parse().ok().map(|group_id| Audience::Group { group_id })
        } else {
            Some(Audience::Everyone)
        };
        let Some(audience) = audience else { return };
        let req = BroadcastRequest {
            audience,
            subject: subject.get_untracked(),
            body: body.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, BroadcastView>("/api/v1/broadcasts", &req).await {
                Ok(b) => {
                    let n = b.message.recipients;
                    toasts.info(if n == 1 {
                        t("messaging.broadcast_sent_one")
                    } else {
                        tf("messaging.broadcast_sent", &[("n", &n.to_string())])
                    });
                    on_done.run(b.conversation.id)
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card compose" data-test="broadcast" on:submit=submit>
            <h2>{tr("messaging.broadcast")}</h2>
            <FormError errors=errors />
            <label>
                {tr("messaging.audience")}
                <select data-test="audience" on:change=move |ev| audience.set(event_target_value(&ev))>
                    <option value="everyone">{tr("messaging.everyone")}</option>
                    {template.roles().into_iter().filter(|r| *r != Role::Owner).map(|r| view! {
                        <option value=format!("role:{}", r.as_str())>{tf("messaging.every", &[("role", &role_label(r))])}</option>
                    }).collect_view()}
                    {move || groups.get().map(|list| list.into_iter().map(|g| view! {
                        <option value=format!("group:{}", g.id)>{g.name.clone()}</option>
                    }).collect_view())}
                </select>
            </label>
            <label>
                {tr("messaging.subject")}
                <input data-test="subject" prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
            </label>
            <label>
                {tr("messaging.message")}
                <textarea rows="5" data-test="broadcast-body" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit">{tr("messaging.send")}</button>
        </form>
    }
}
