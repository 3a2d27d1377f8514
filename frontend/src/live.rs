//! One WebSocket per tab: reconnects with exponential backoff and jitter
//! (at most 30 s), resumes with `after=` so nothing is missed, and calls each
//! page's subscription once per event, in order (events that arrive together
//! are never merged, as a signal read by an effect would merge them).

use crate::api;
use futures::StreamExt;
use gloo_net::websocket::{futures::WebSocket, Message};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{EventView, WsTicketResponse};
use std::rc::Rc;

/// A page's subscription: an id to end it with, and what it runs per event.
type Subscriber = (u64, Rc<dyn Fn(&EventView)>);

/// What runs for an event no page told of in its own words.
type Fallback = Option<Rc<dyn Fn(&EventView)>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    Offline,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    /// The pages' subscriptions, called in order for each event.
    subscribers: StoredValue<Vec<Subscriber>, LocalStorage>,
    next_subscriber: StoredValue<u64>,
    /// The bell's toast, for an event no page told of itself.
    fallback: StoredValue<Fallback, LocalStorage>,
    /// Whether a page told of the event being delivered.
    told: StoredValue<bool>,
    /// Recent events for the notification bell, newest first.
    pub recent: RwSignal<Vec<EventView>>,
    pub unread: RwSignal<usize>,
    generation: RwSignal<u64>,
}

/// Events that are bookkeeping, not news.
fn is_news(e: &EventView) -> bool {
    !e.kind.starts_with("stream.")
}

impl Live {
    pub fn new() -> Live {
        Live {
            state: RwSignal::new(LiveState::Connecting),
            subscribers: StoredValue::new_local(Vec::new()),
            next_subscriber: StoredValue::new(0),
            fallback: StoredValue::new_local(None),
            told: StoredValue::new(false),
            recent: RwSignal::new(Vec::new()),
            unread: RwSignal::new(0),
            generation: RwSignal::new(0),
        }
    }

    /// Starts (or restarts, after a workspace switch) the connection.
    pub fn start(&self) {
        let gen = self.generation.get_untracked() + 1;
        self.generation.set(gen);
        self.recent.set(Vec::new());
        self.unread.set(0);
        let live = *self;
        spawn_local(async move { live.run(gen).await });
    }

    /// Runs `f` once for each event that arrives from now on, in order,
    /// until the calling page (its reactive owner) goes away.
    pub fn on_event(&self, f: impl Fn(&EventView) + 'static) {
        let id = self.next_subscriber.get_value();
        self.next_subscriber.set_value(id + 1);
        self.subscribers
            .update_value(|s| s.push((id, Rc::new(f) as Rc<dyn Fn(&EventView)>)));
        let subscribers = self.subscribers;
        on_cleanup(move || {
            subscribers.try_update_value(|s| s.retain(|(i, _)| *i != id));
        });
    }

    /// Runs `f` for each event that no page tells of in its own words
    /// (see [`Live::told`]), after the pages' subscriptions, until the
    /// calling component goes away.
    pub fn otherwise(&self, f: impl Fn(&EventView) + 'static) {
        self.fallback.set_value(Some(Rc::new(f)));
        let fallback = self.fallback;
        on_cleanup(move || {
            fallback.try_set_value(None);
        });
    }

    /// Said by a subscription that has told the person of the event being
    /// delivered (a toast of its own): the general one is not raised too.
    pub fn told(&self) {
        self.told.set_value(true);
    }

    /// Hands one event to every subscription, in the order they were made,
    /// then to the fallback unless one of them told of it.
    fn deliver(&self, event: &EventView) {
        self.told.set_value(false);
        // A copy of the list: a subscription may add or end subscriptions.
        let subscribers = self.subscribers.with_value(|s| s.clone());
        for (_, f) in subscribers {
            f(event);
        }
        if !self.told.get_value() {
            if let Some(f) = self.fallback.with_value(Clone::clone) {
                f(event);
            }
        }
    }

    pub fn stop(&self) {
        self.generation.update(|g| *g += 1);
    }

    fn current(&self, gen: u64) -> bool {
        self.generation.get_untracked() == gen
    }

    async fn run(self, gen: u64) {
        let mut attempt: u32 = 0;
        let mut after: Option<i64> = None;
        while self.current(gen) {
            self.state.set(LiveState::Connecting);
            match api::get::<WsTicketResponse>("/api/v1/ws/ticket").await {
                Ok(t) => {
                    let mut url = format!("{}/api/v1/ws?ticket={}", ws_base(), api::enc(&t.ticket));
                    if let Some(a) = after {
                        url.push_str(&format!("&after={a}"));
                    }
                    if let Ok(ws) = WebSocket::open(&url) {
                        let (_write, mut read) = ws.split();
                        while let Some(msg) = read.next().await {
                            if !self.current(gen) {
                                return;
                            }
                            let Ok(Message::Text(text)) = msg else {
                                // 4403: the role changed (or the membership ended):
                                // learn the new rights before reconnecting with them.
                                if let Err(gloo_net::websocket::WebSocketError::ConnectionClose(
                                    c,
                                )) = &msg
                                {
                                    if c.code == 4403 {
                                        let _ = crate::session::current().reload().await;
                                        attempt = 0;
                                    }
                                }
                                if msg.is_err() {
                                    break;
                                }
                                continue;
                            };
                            let Ok(event) = serde_json::from_str::<EventView>(&text) else {
                                continue;
                            };
                            self.state.set(LiveState::Live);
                            attempt = 0;
                            after = Some(event.id);
                            if is_news(&event) {
                                self.recent.update(|r| {
                                    r.insert(0, event.clone());
                                    r.truncate(30);
                                });
                                self.unread.update(|n| *n += 1);
                                self.deliver(&event);
                            }
                        }
                    }
                }
                Err(e) if e.status == 401 || e.status == 403 => {
                    self.state.set(LiveState::Offline);
                    return;
                }
                Err(_) => {}
            }
            if !self.current(gen) {
                return;
            }
            self.state.set(LiveState::Offline);
            attempt = attempt.saturating_add(1);
            gloo_timers::future::TimeoutFuture::new(backoff_ms(attempt, js_sys::Math::random()))
                .await;
        }
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

/// Exponential backoff with jitter: 0.5 s, 1 s, 2 s … at most 30 s, times 0.5–1.
pub fn backoff_ms(attempt: u32, random: f64) -> u32 {
    let base = 500f64 * 2f64.powi(attempt.saturating_sub(1).min(10) as i32);
    (base.min(30_000.0) * (0.5 + random.clamp(0.0, 1.0) / 2.0)) as u32
}

fn ws_base() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let proto = loc
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .unwrap_or_default();
    let host = loc.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if proto == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped_at_thirty_seconds() {
        assert_eq!(super::backoff_ms(1, 1.0), 500);
        assert_eq!(super::backoff_ms(2, 1.0), 1000);
        assert_eq!(super::backoff_ms(20, 1.0), 30_000);
        assert_eq!(super::backoff_ms(20, 0.0), 15_000);
    }
}
