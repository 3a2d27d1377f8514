//! Logging sessions without a connection. A log made on this device goes
//! first into a queue in IndexedDB, with an id of its own and the version
//! of the session it was based on; it is sent from there at once when the
//! connection allows, else when it comes back (`online`), and the server
//! applies each log once whatever the number of times it arrives. A log the
//! server refuses (the session was cancelled, invoiced or changed since)
//! stays in the queue with its reason until the user logs it again or
//! discards it. The queue belongs to the device: each user sends only
//! their own logs.

use crate::api::{self, ApiError};
use crate::session::{self, Status};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{AttendanceEntry, LogSessionRequest};
use rapport_domain::validate::Validate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB: &str = "rapport";
const STORE: &str = "session_logs";
/// The API reads the service worker keeps for use without a connection.
const DATA_CACHE: &str = "rapport-data";

/// What the app reads of a session: its version, and what the queue shows.
/// (Only these fields: the whole session's reading stays out of the app's
/// first download.)
#[derive(Deserialize)]
struct SessionBits {
    version: i32,
    title: String,
    starts_at: DateTime<Utc>,
}

/// What the app reads of an applied log.
#[derive(Deserialize)]
struct Applied {
    session: SessionBits,
}

/// Why the server refused a log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    /// In the app's language, when it was refused.
    pub message: String,
}

/// A log kept on this device until the server has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedLog {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub version: i32,
    pub completed: bool,
    #[serde(default)]
    pub records: Vec<QueuedRecord>,
    pub logged_at: DateTime<Utc>,
    /// What the list shows of the session.
    pub title: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub refused: Option<Refusal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedRecord {
    pub person_id: Uuid,
    pub status: rapport_domain::api::AttendanceStatus,
    pub note: Option<String>,
}

impl From<AttendanceEntry> for QueuedRecord {
    fn from(e: AttendanceEntry) -> QueuedRecord {
        QueuedRecord {
            person_id: e.person_id,
            status: e.status,
            note: e.note,
        }
    }
}

impl QueuedLog {
    fn request(&self) -> LogSessionRequest {
        LogSessionRequest {
            id: self.id,
            version: self.version,
            completed: self.completed,
            records: self
                .records
                .iter()
                .map(|r| AttendanceEntry {
                    person_id: r.person_id,
                    status: r.status,
                    note: r.note.clone(),
                })
                .collect(),
            logged_at: self.logged_at,
        }
    }
}

/// What a screen asks to log of a session.
pub struct Draft {
    pub session_id: Uuid,
    pub version: i32,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub completed: bool,
    /// Attendance to record with it, if any.
    pub records: Vec<QueuedRecord>,
}

/// How a log ended up, for the screen that made it.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Sent,
    /// Kept on the device, to be sent when the connection is back.
    Queued,
    Refused(String),
}

/// The device's queue and whether it is online. Provided by the app.
#[derive(Clone, Copy)]
pub struct Offline {
    pub online: RwSignal<bool>,
    /// The queue, oldest first: this user's logs.
    pub logs: RwSignal<Vec<QueuedLog>>,
    sending: StoredValue<bool>,
    /// A log came while the queue was being sent: send again after.
    again: StoredValue<bool>,
    /// Whether the queue is followed yet (see [`Offline::start`]).
    started: StoredValue<bool>,
    live: crate::live::Live,
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

fn navigator_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

impl Offline {
    /// Whether a log of session `id` waits on this device (a completion,
    /// when `completion`), read as a reactive value.
    pub fn waits(&self, id: Uuid, completion: bool) -> bool {
        self.logs.with(|l| {
            l.iter()
                .any(|q| q.session_id == id && q.refused.is_none() && (q.completed || !completion))
        })
    }

    /// The device's state, and its service worker.
    pub fn install(live: crate::live::Live) -> Offline {
        let o = Offline {
            online: RwSignal::new(navigator_online()),
            logs: RwSignal::new(Vec::new()),
            sending: StoredValue::new(false),
            again: StoredValue::new(false),
            started: StoredValue::new(false),
            live,
        };
        provide_context(o);
        register_worker();
        o
    }

    /// Follows the connection and sends what waits when it comes back;
    /// once, from the bar above every page (a chunk of its own, so that
    /// none of this is part of the first download).
    fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        let o = self;
        o.online.set(navigator_online());
        if let Some(w) = web_sys::window() {
            let went_online = Closure::<dyn Fn()>::new(move || {
                o.online.set(true);
                spawn_local(async move { o.reconnect().await });
            });
            let went_offline = Closure::<dyn Fn()>::new(move || o.online.set(false));
            let _ =
                w.add_event_listener_with_callback("online", went_online.as_ref().unchecked_ref());
            let _ = w
                .add_event_listener_with_callback("offline", went_offline.as_ref().unchecked_ref());
            // For the app's lifetime.
            went_online.forget();
            went_offline.forget();
        }
        // The browser may say it is online while the server is not there
        // (a restart, a captive portal): what waits is tried again now
        // and then.
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(20_000).await;
                let s = session::current();
                let stranded = s.token.get_untracked().is_none()
                    && s.status.get_untracked() == Status::SignedIn;
                let waiting = o
                    .logs
                    .with_untracked(|l| l.iter().any(|q| q.refused.is_none()));
                if navigator_online() && (stranded || waiting) {
                    o.online.set(true);
                    o.reconnect().await;
                }
            }
        });
    }

    /// This user's logs from the queue.
    pub async fn load(&self) {
        let user = current_user();
        let mut all = read_all().await.unwrap_or_default();
        all.retain(|l| Some(l.user_id) == user);
        all.sort_by_key(|l| (l.logged_at, l.id));
        self.logs.set(all);
    }

    /// Back online: the session renewed when it was opened from what the
    /// device kept (and its live events with it), then the queue sent.
    async fn reconnect(&self) {
        let s = session::current();
        if s.token.get_untracked().is_none() && s.status.get_untracked() == Status::SignedIn {
            s.restore().await;
            if s.token.get_untracked().is_some() {
                self.live.stop();
                self.live.start();
            }
        }
        self.flush().await;
    }

    /// Logs a session: kept on the device first, then sent if it can be.
    pub async fn log(&self, d: Draft) -> Outcome {
        let Some(user_id) = current_user() else {
            return Outcome::Refused(crate::i18n::t("error.generic"));
        };
        let log = QueuedLog {
            id: Uuid::new_v4(),
            user_id,
            session_id: d.session_id,
            version: d.version,
            completed: d.completed,
            records: d.records,
            logged_at: now(),
            title: d.title,
            starts_at: d.starts_at,
            refused: None,
        };
        // Checked as the server checks it: a log it would refuse is never
        // kept (nothing said, a note too long).
        if let Err(errors) = log.request().validate() {
            let said = errors
                .iter()
                .find(|e| e.field == "records" && e.code == "required")
                .map(|_| crate::i18n::t("offline.nothing_to_log"))
                .or_else(|| errors.first().map(api::field_message));
            return Outcome::Refused(said.unwrap_or_else(|| crate::i18n::t("error.generic")));
        }
        let id = log.id;
        if write(&log).await.is_err() {
            // No IndexedDB (a private window of some browsers): sent
            // directly, and only when online.
            return match self.send(&log).await {
                Ok(()) => Outcome::Sent,
                Err(e) => Outcome::Refused(e.message()),
            };
        }
        self.logs.update(|l| l.push(log));
        if !self.online.get_untracked() {
            return Outcome::Queued;
        }
        self.flush().await;
        // Sent by the flush already running, if it could: wait for it.
        for _ in 0..150 {
            if !self.sending.get_value() {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(100).await;
        }
        match self
            .logs
            .with_untracked(|l| l.iter().find(|q| q.id == id).cloned())
        {
            None => Outcome::Sent,
            Some(QueuedLog {
                refused: Some(r), ..
            }) => Outcome::Refused(r.message),
            Some(_) => Outcome::Queued,
        }
    }

    async fn send(&self, log: &QueuedLog) -> Result<(), ApiError> {
        api::post::<_, Applied>(
            &format!("/api/v1/sessions/{}/logs", log.session_id),
            &log.request(),
        )
        .await
        .map(|_| ())
    }

    /// Sends this user's queue in order, while the connection and the
    /// session allow; a log refused is kept with its reason. A log made
    /// meanwhile is sent in the same go.
    pub async fn flush(&self) {
        if self.sending.get_value() {
            self.again.set_value(true);
            return;
        }
        let s = session::current();
        if s.token.get_untracked().is_none() || !self.online.get_untracked() {
            return;
        }
        self.sending.set_value(true);
        loop {
            self.again.set_value(false);
            let stopped = self.send_waiting().await;
            if stopped || !self.again.get_value() {
                break;
            }
        }
        self.sending.set_value(false);
    }

    /// One go through the queue; whether it stopped for want of a
    /// connection or a session.
    async fn send_waiting(&self) -> bool {
        let user = current_user();
        let waiting: Vec<QueuedLog> = self
            .logs
            .get_untracked()
            .into_iter()
            .filter(|l| l.refused.is_none() && Some(l.user_id) == user)
            .collect();
        for log in waiting {
            // Based on the version a log sent before it left, if so.
            let log = self
                .logs
                .with_untracked(|l| l.iter().find(|q| q.id == log.id).cloned())
                .unwrap_or(log);
            match api::post::<_, Applied>(
                &format!("/api/v1/sessions/{}/logs", log.session_id),
                &log.request(),
            )
            .await
            {
                Ok(applied) => {
                    self.online.set(true);
                    let _ = remove(log.id).await;
                    self.logs.update(|l| l.retain(|q| q.id != log.id));
                    self.rebase(&log, applied.session.version).await;
                }
                // No connection, the session gone, or the server busy:
                // later.
                Err(e)
                    if e.status == 0 || e.status == 401 || e.status == 429 || e.status >= 500 =>
                {
                    if e.status == 0 {
                        self.online.set(false);
                    }
                    return true;
                }
                Err(e) => {
                    let code = e
                        .problem
                        .as_ref()
                        .map(|p| p.code.clone())
                        .unwrap_or_default();
                    let message = if code == "stale_version" {
                        crate::i18n::t("offline.changed")
                    } else {
                        e.message()
                    };
                    let refused = QueuedLog {
                        refused: Some(Refusal {
                            status: e.status,
                            code,
                            message,
                        }),
                        ..log
                    };
                    let _ = write(&refused).await;
                    self.logs.update(|l| {
                        if let Some(q) = l.iter_mut().find(|q| q.id == refused.id) {
                            *q = refused;
                        }
                    });
                }
            }
        }
        false
    }

    /// This device's later logs of the session `sent` was of, made on the
    /// version it was based on, are based on the version it left.
    async fn rebase(&self, sent: &QueuedLog, version: i32) {
        let later: Vec<QueuedLog> = self.logs.with_untracked(|l| {
            l.iter()
                .filter(|q| q.session_id == sent.session_id && q.version == sent.version)
                .cloned()
                .collect()
        });
        for mut q in later {
            q.version = version;
            let _ = write(&q).await;
            self.logs.update(|l| {
                if let Some(old) = l.iter_mut().find(|o| o.id == q.id) {
                    *old = q.clone();
                }
            });
        }
    }

    /// A refused log made anew on the session as it is now.
    pub async fn relog(&self, id: Uuid) -> Result<(), ApiError> {
        let Some(old) = self
            .logs
            .with_untracked(|l| l.iter().find(|q| q.id == id).cloned())
        else {
            return Ok(());
        };
        let now_is: SessionBits = api::get(&format!("/api/v1/sessions/{}", old.session_id)).await?;
        self.discard(id).await;
        self.log(Draft {
            session_id: old.session_id,
            version: now_is.version,
            title: now_is.title,
            starts_at: now_is.starts_at,
            completed: old.completed,
            records: old.records,
        })
        .await;
        Ok(())
    }

    pub async fn discard(&self, id: Uuid) {
        let _ = remove(id).await;
        self.logs.update(|l| l.retain(|q| q.id != id));
    }
}

fn current_user() -> Option<Uuid> {
    session::current()
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.user.id))
}

/// Installs the service worker that keeps the app and the sessions for use
/// without a connection.
/// Where there is none (an insecure page, a browser that blocks them) the
/// app works as before, online.
fn register_worker() {
    let Some(w) = web_sys::window() else { return };
    let container = js_sys::Reflect::get(&w.navigator(), &"serviceWorker".into())
        .ok()
        .filter(|c| c.is_object());
    let register = container
        .as_ref()
        .and_then(|c| js_sys::Reflect::get(c, &"register".into()).ok())
        .and_then(|r| r.dyn_into::<js_sys::Function>().ok());
    if let (Some(container), Some(register)) = (container, register) {
        // A refusal is a rejected promise (or a throw), never the app's end.
        if let Ok(promise) = register.call1(&container, &"/sw.js".into()) {
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = promise.catch(&ignore);
                ignore.forget();
            }
        }
    }
}

/// Forgets the API reads the service worker kept (signing out).
pub fn forget_kept_data() {
    // Where the page is not a secure one, there is no `caches`.
    let Some(caches) = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"caches".into()).ok())
        .filter(|c| c.is_object())
    else {
        return;
    };
    let delete = js_sys::Reflect::get(&caches, &"delete".into())
        .ok()
        .and_then(|d| d.dyn_into::<js_sys::Function>().ok());
    if let Some(delete) = delete {
        if let Ok(promise) = delete.call1(&caches, &DATA_CACHE.into()) {
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = promise.catch(&ignore);
                ignore.forget();
            }
        }
    }
}

/// Waits for an IndexedDB request.
async fn done(req: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB refused"));
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| JsValue::from_str("no IndexedDB"))?;
    let req = factory.open_with_u32(DB, 1)?;
    let upgrading = req.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Some(db) = upgrading
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    req.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(done(&req).await?.unchecked_into())
}

/// Runs one request on the store and waits until its transaction is
/// written.
async fn on_store(
    mode: IdbTransactionMode,
    f: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, JsValue> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, mode)?;
    // Says whether the transaction was written (never rejects: an abort
    // is said by the request, or here).
    let committed = js_sys::Promise::new(&mut |resolve, _| {
        let written = resolve.clone();
        let on_complete = Closure::once_into_js(move || {
            let _ = written.call1(&JsValue::NULL, &JsValue::TRUE);
        });
        let on_abort = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    let asked = tx.object_store(STORE).and_then(|s| f(&s));
    let value = match asked {
        Ok(req) => done(&req).await,
        Err(e) => Err(e),
    };
    let written = JsFuture::from(committed).await;
    db.close();
    match (value, written) {
        (Ok(v), Ok(w)) if w.is_truthy() => Ok(v),
        (Err(e), _) => Err(e),
        _ => Err(JsValue::from_str("IndexedDB did not write")),
    }
}

async fn write(log: &QueuedLog) -> Result<(), JsValue> {
    let json = serde_json::to_string(log).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let key = JsValue::from_str(&log.id.to_string());
    on_store(IdbTransactionMode::Readwrite, |s| {
        s.put_with_key(&JsValue::from_str(&json), &key)
    })
    .await
    .map(|_| ())
}

async fn remove(id: Uuid) -> Result<(), JsValue> {
    let key = JsValue::from_str(&id.to_string());
    on_store(IdbTransactionMode::Readwrite, |s| s.delete(&key))
        .await
        .map(|_| ())
}

async fn read_all() -> Result<Vec<QueuedLog>, JsValue> {
    let all = on_store(IdbTransactionMode::Readonly, |s| s.get_all()).await?;
    Ok(js_sys::Array::from(&all)
        .iter()
        .filter_map(|v| v.as_string())
        .filter_map(|s| serde_json::from_str(&s).ok())
        .collect())
}

/// Above every page: that the device is offline, how many logs wait to be
/// sent, and those the server refused, each with its reason and what can
/// be done (log it again on the session as it is now, or discard it).
/// The bar, in a chunk of its own.
#[leptos::lazy]
pub fn bar() -> AnyView {
    view! { <OfflineBar /> }.into_any()
}

#[component]
fn OfflineBar() -> impl IntoView {
    use crate::components::toast::toasts;
    use crate::i18n::{self, t, tf};
    let o = expect_context::<Offline>();
    o.start();
    // Whoever signs in here: their logs kept on this device, sent.
    let s = session::current();
    Effect::new(move |_| {
        if s.me.with(|m| m.as_ref().map(|m| m.user.id)).is_some() {
            spawn_local(async move {
                o.load().await;
                o.flush().await;
            });
        }
    });
    let toasts = toasts();
    let zone = session::time_zone;
    let waiting = move || {
        o.logs
            .with(|l| l.iter().filter(|q| q.refused.is_none()).count())
    };
    let refused = move || {
        o.logs.with(|l| {
            l.iter()
                .filter(|q| q.refused.is_some())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let relog = move |id: Uuid| {
        spawn_local(async move {
            if let Err(e) = o.relog(id).await {
                toasts.error(e.message());
            }
        })
    };
    let discard = move |id: Uuid| spawn_local(async move { o.discard(id).await });
    view! {
        <Show when=move || !o.online.get()>
            <p class="offline-bar" role="status" data-test="offline">{move || t("offline.offline")}</p>
        </Show>
        <Show when=move || { waiting() > 0 }>
            <p class="offline-bar waiting" role="status" data-test="queued-count">
                {move || tf("offline.waiting", &[("n", &waiting().to_string())])}
            </p>
        </Show>
        <Show when=move || !refused().is_empty()>
            <section class="card offline-refused" data-test="refused-logs" aria-label=move || t("offline.refused")>
                <h2>{move || t("offline.refused")}</h2>
                <ul class="plain">
                    {move || refused().into_iter().map(|q| {
                        let id = q.id;
                        let reason = q.refused.clone().unwrap_or(Refusal { status: 0, code: String::new(), message: String::new() });
                        let again = reason.code == "stale_version";
                        let when = i18n::date(&q.starts_at, &zone());
                        view! {
                            <li data-log=id.to_string()>
                                <strong>{q.title.clone()}</strong>" "<span class="hint">{when}</span>
                                <p class="form-error" data-test="refusal">{reason.message}</p>
                                {again.then(|| view! {
                                    <button class="small" type="button" data-action="relog" on:click=move |_| relog(id)>
                                        {t("offline.relog")}
                                    </button>
                                })}
                                " "
                                <button class="secondary small" type="button" data-action="discard" on:click=move |_| discard(id)>
                                    {t("offline.discard")}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
