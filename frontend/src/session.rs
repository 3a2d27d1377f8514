//! Who is signed in, kept in memory only: the access token never touches
//! storage; a reload restores the session through the HttpOnly refresh cookie.

use crate::api::{self, ApiResult};
use leptos::prelude::*;
use rapport_domain::api::{MeResponse, TokenResponse};
use std::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Restoring the session at start.
    Loading,
    SignedIn,
    SignedOut,
}

#[derive(Clone, Copy)]
pub struct Session {
    pub token: RwSignal<Option<String>>,
    pub me: RwSignal<Option<MeResponse>>,
    pub status: RwSignal<Status>,
}

thread_local! {
    static CURRENT: Cell<Option<Session>> = const { Cell::new(None) };
}

/// The tab's session.
pub fn current() -> Session {
    try_current().expect("the session is created at start")
}

/// The workspace's IANA time zone, for dates shown to people.
pub fn time_zone() -> String {
    current()
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.workspace.time_zone.clone()))
        .unwrap_or_else(|| "UTC".into())
}

pub fn try_current() -> Option<Session> {
    CURRENT.with(|c| c.get())
}

impl Session {
    pub fn install() -> Session {
        let s = Session {
            token: RwSignal::new(None),
            me: RwSignal::new(None),
            status: RwSignal::new(Status::Loading),
        };
        CURRENT.with(|c| c.set(Some(s)));
        s
    }

    pub fn accept_tokens(&self, t: &TokenResponse) {
        self.token.set(Some(t.access_token.clone()));
    }

    /// Takes new tokens and loads who the user is there.
    pub async fn start(&self, t: &TokenResponse) -> ApiResult<()> {
        self.accept_tokens(t);
        self.reload().await
    }

    pub async fn reload(&self) -> ApiResult<()> {
        let me: MeResponse = api::get("/api/v1/me").await?;
        // Another person or workspace here: what the device kept of the
        // one before is not theirs.
        let before = self
            .me
            .with_untracked(|m| m.as_ref().map(|m| (m.user.id, m.workspace.id)));
        if before.is_some_and(|b| b != (me.user.id, me.workspace.id)) {
            crate::offline::forget_kept_data();
        }
        self.me.set(Some(me));
        self.status.set(Status::SignedIn);
        Ok(())
    }

    /// Restores the session from the refresh cookie, if there is one.
    /// Without a connection, the app opens on what the device kept of who
    /// the user is (the service worker's copy), with no token: it reads
    /// what was kept and queues what is logged, until the connection is
    /// back and this runs again.
    pub async fn restore(&self) {
        if !has_session_hint() {
            self.signed_out();
            return;
        }
        match api::refresh().await {
            Ok(t) => {
                if self.start(&t).await.is_err() {
                    self.signed_out();
                }
            }
            Err(e) if e.status == 0 => match api::get::<MeResponse>("/api/v1/me").await {
                Ok(me) => {
                    self.me.set(Some(me));
                    self.status.set(Status::SignedIn);
                }
                Err(_) => self.signed_out(),
            },
            Err(_) => self.signed_out(),
        }
    }

    /// Signed out: what the device kept of the user's data is forgotten
    /// too (their queued logs stay, theirs only, until they come back).
    pub fn signed_out(&self) {
        self.token.set(None);
        self.me.set(None);
        self.status.set(Status::SignedOut);
        crate::offline::forget_kept_data();
    }

    /// Whether the role holds a permission (`members:manage`, ...). Reactive.
    /// Whether the caller holds `permission` here (its module switched on included).
    pub fn can(&self, permission: rapport_domain::Permission) -> bool {
        self.me.with(|m| {
            m.as_ref().is_some_and(|m| {
                m.permissions
                    .iter()
                    .any(|p| p.as_str() == permission.as_str())
            })
        })
    }

    pub fn has_module(&self, module: rapport_domain::Module) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|m| m.modules.contains(&module)))
    }
}

/// Whether the server left its sign-in hint cookie (the refresh cookie itself is HttpOnly).
fn has_session_hint() -> bool {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .is_some_and(|c| c.split(';').any(|kv| kv.trim() == "rapport_signed_in=1"))
}
