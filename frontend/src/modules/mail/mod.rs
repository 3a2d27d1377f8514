use crate::api;
use crate::components::ui::{Empty, PageHeader, Skeleton};
use crate::i18n::{self, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use crate::session;
use leptos::prelude::*;
use rapport_domain::api::MailPage;
use rapport_domain::Permission;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <Mail /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "mail",
    label: "nav.mail",
    section: Section::Foot,
    visible: |s| {
        // Each person's own mail, when the server has no mail server to send it through.
        s.can(Permission::MailRead) && s.me.with(|m| m.as_ref().is_some_and(|m| m.mail_viewer))
    },
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn Mail() -> impl IntoView {
    view! {
        <Guard permission=Permission::MailRead>
            <MailPageView />
        </Guard>
    }
}

/// A message's text with its links made clickable; links to this app stay in the app.
fn body_view(body: &str) -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    body.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                let href = trimmed
                    .strip_prefix(&origin)
                    .filter(|p| p.starts_with('/'))
                    .map(String::from)
                    .unwrap_or_else(|| trimmed.to_string());
                let rest = word[trimmed.len()..].to_string();
                view! { <a href=href>{trimmed.to_string()}</a>{rest} }.into_any()
            } else {
                word.to_string().into_any()
            }
        })
        .collect_view()
}

#[component]
fn MailPageView() -> impl IntoView {
    let live = expect_context::<Live>();
    let tz = session::time_zone();
    let mail = LocalResource::new(|| api::get::<MailPage>("/api/v1/dev/mail?limit=50"));
    live.on_event(move |_| mail.refetch());
    view! {
        <section class="page" data-page="mail">
            <PageHeader title="mail.title" lead="mail.lead" />
            <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                {move || {
                    let tz = tz.clone();
                    mail.get().map(move |r| match r {
                        Ok(page) if page.data.is_empty() => view! { <Empty text="mail.empty" /> }.into_any(),
                        Ok(page) => view! {
                            <ul class="mail">
                                {page.data.into_iter().map(|m| {
                                    let at = m.created_at;
                                    let tz = tz.clone();
                                    view! {
                                        <li class="card mail-item">
                                            <h2>{m.subject.clone()}</h2>
                                            <p class="muted">{tr("mail.to")} ": " {m.to.clone()} " · " {move || i18n::datetime(&at, &tz)}</p>
                                            <pre>{body_view(&m.body)}</pre>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}
