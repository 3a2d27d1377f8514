//! Toasts: short messages in an `aria-live` region that go away by themselves.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Info,
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub kind: Kind,
    pub text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: RwSignal<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Toasts {
            items: RwSignal::new(Vec::new()),
            next: RwSignal::new(1),
        }
    }

    pub fn push(&self, kind: Kind, text: impl Into<String>) {
        let id = self.next.get_untracked();
        self.next.set(id + 1);
        self.items.update(|v| {
            v.push(Toast {
                id,
                kind,
                text: text.into(),
            });
            if v.len() > 4 {
                v.remove(0);
            }
        });
        let items = self.items;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(if kind == Kind::Error { 8000 } else { 5000 })
                .await;
            items.update(|v| v.retain(|t| t.id != id));
        });
    }

    pub fn success(&self, text: impl Into<String>) {
        self.push(Kind::Success, text)
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(Kind::Error, text)
    }

    pub fn info(&self, text: impl Into<String>) {
        self.push(Kind::Info, text)
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|v| v.retain(|t| t.id != id));
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Toasts::new()
    }
}

pub fn toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For
                each=move || toasts.items.get()
                key=|t| t.id
                children=move |toast: Toast| {
                    let kind = match toast.kind {
                        Kind::Info => "toast toast-info",
                        Kind::Success => "toast toast-success",
                        Kind::Error => "toast toast-error",
                    };
                    let id = toast.id;
                    view! {
                        <div class=kind>
                            <span>{toast.text}</span>
                            <button class="icon" aria-label=crate::i18n::tr("common.close") on:click=move |_| toasts.dismiss(id)>
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
