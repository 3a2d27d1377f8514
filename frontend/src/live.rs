//! One WebSocket per tab: reconnects with exponential backoff and jitter
//! (at most 30 s), resumes with `after=` so nothing is missed, and hands each
//! event to the pages that watch `last`.

use crate::api;
use futures::StreamExt;
use gloo_net::websocket::{futures::WebSocket, Message};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{EventView, WsTicketResponse};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    Offline,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    /// The newest event; pages refresh when it concerns them.
    pub last: RwSignal<Option<EventView>>,
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
            last: RwSignal::new(None),
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

    /// Runs `f` for each event that arrives from now on (not for the one
    /// already there), for pages that refresh what an event concerns.
    pub fn on_event(&self, f: impl Fn(&EventView) + 'static) {
        let last = self.last;
        Effect::new(move |seen: Option<()>| {
            let event = last.get();
            if seen.is_some() {
                if let Some(e) = event {
                    f(&e);
                }
            }
        });
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
                                self.last.set(Some(event));
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
