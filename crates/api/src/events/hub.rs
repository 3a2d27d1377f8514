//! The clients connected to this instance, by workspace, each with a bounded queue.

use crate::events::reach::Reach;
use rapport_db::access::{Credential, Rights};
use rapport_db::events::Event;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

struct Client {
    id: u64,
    tx: mpsc::Sender<Arc<Event>>,
    permissions: Vec<&'static str>,
    user_id: Option<Uuid>,
    /// For one who sees only their own records: what they reach.
    reach: Option<Reach>,
    /// What the connection was opened with, and the rights it had then.
    credential: Credential,
    rights: Rights,
    /// Closes the connection: its rights changed or ended.
    kick: Option<oneshot::Sender<Kick>>,
}

/// Why the server closes a connection whose rights changed.
#[derive(Debug, Clone)]
pub struct Kick {
    /// 4401: the session or key ended; 4403: the role or the workspace's
    /// modules changed, or the membership ended.
    pub code: u16,
    pub reason: &'static str,
}

struct Room {
    /// The last event handed to this workspace's clients.
    cursor: i64,
    clients: Vec<Client>,
}

pub struct Hub {
    queue: usize,
    rooms: Mutex<HashMap<Uuid, Room>>,
    next_id: AtomicU64,
    connections: AtomicI64,
    shutdown: watch::Sender<bool>,
}

/// A registered client: its id and the queue it reads.
pub struct Subscription {
    pub id: u64,
    pub workspace_id: Uuid,
    pub rx: mpsc::Receiver<Arc<Event>>,
    pub kicked: oneshot::Receiver<Kick>,
}

/// The whom-and-what of a new connection.
pub struct Listener {
    pub permissions: Vec<&'static str>,
    pub user_id: Option<Uuid>,
    /// For one who sees only their own records: what they reach.
    pub reach: Option<Reach>,
    pub credential: Credential,
    pub rights: Rights,
}

impl Hub {
    pub fn new(queue: usize) -> Self {
        Hub {
            queue: queue.max(1),
            rooms: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            connections: AtomicI64::new(0),
            shutdown: watch::channel(false).0,
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Room>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a client. `head` is the workspace's newest event when the room is
    /// new: everything after it will be dispatched, and the client replays up to it.
    pub fn subscribe(&self, workspace_id: Uuid, head: i64, who: Listener) -> Subscription {
        let (tx, rx) = mpsc::channel(self.queue);
        let (kick, kicked) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut rooms = self.rooms();
        let room = rooms.entry(workspace_id).or_insert(Room {
            cursor: head,
            clients: Vec::new(),
        });
        room.clients.push(Client {
            id,
            tx,
            permissions: who.permissions,
            user_id: who.user_id,
            reach: who.reach,
            credential: who.credential,
            rights: who.rights,
            kick: Some(kick),
        });
        self.connections.fetch_add(1, Ordering::Relaxed);
        Subscription {
            id,
            workspace_id,
            rx,
            kicked,
        }
    }

    /// Every connection's credential and rights, to be checked against the database.
    pub fn credentials(&self) -> Vec<(Uuid, u64, Credential, Rights)> {
        self.rooms()
            .iter()
            .flat_map(|(ws, r)| {
                r.clients
                    .iter()
                    .map(|c| (*ws, c.id, c.credential, c.rights.clone()))
            })
            .collect()
    }

    /// The connections that hear only what they reach: workspace, id and
    /// user, for their reach to be read again.
    pub fn reaching(&self) -> Vec<(Uuid, u64, Reach)> {
        self.rooms()
            .iter()
            .flat_map(|(ws, r)| {
                r.clients
                    .iter()
                    .filter_map(|c| c.reach.as_ref().map(|reach| (*ws, c.id, reach.clone())))
            })
            .collect()
    }

    /// Gives connection `id` what it reaches now.
    pub fn set_reach(&self, workspace_id: Uuid, id: u64, reach: Reach) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&workspace_id) {
            for c in room
                .clients
                .iter_mut()
                .filter(|c| c.id == id && c.reach.is_some())
            {
                c.reach = Some(reach.clone());
            }
        }
    }

    /// Closes one connection, and stops handing it events at once.
    pub fn kick(&self, workspace_id: Uuid, id: u64, why: Kick) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&workspace_id) {
            for c in room.clients.iter_mut().filter(|c| c.id == id) {
                // No more events: the permissions it was opened with no longer hold.
                c.permissions.clear();
                c.user_id = None;
                if let Some(k) = c.kick.take() {
                    let _ = k.send(why.clone());
                }
            }
        }
    }

    pub fn unsubscribe(&self, workspace_id: Uuid, id: u64) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&workspace_id) {
            let before = room.clients.len();
            room.clients.retain(|c| c.id != id);
            if room.clients.len() < before {
                self.connections.fetch_sub(1, Ordering::Relaxed);
            }
            if room.clients.is_empty() {
                rooms.remove(&workspace_id);
            }
        }
    }

    /// Where each room stands, for the dispatcher's next read.
    pub fn cursors(&self) -> Vec<(Uuid, i64)> {
        self.rooms().iter().map(|(ws, r)| (*ws, r.cursor)).collect()
    }

    /// Hands events to the clients that may see them. A client whose queue is
    /// full is dropped: its connection closes and it resumes with `after=`.
    pub fn dispatch(&self, events: Vec<Event>) {
        let mut rooms = self.rooms();
        for event in events {
            let Some(room) = rooms.get_mut(&event.workspace_id) else {
                continue;
            };
            if event.seq <= room.cursor {
                continue;
            }
            room.cursor = event.seq;
            let event = Arc::new(event);
            let before = room.clients.len();
            room.clients.retain(|c| {
                if !event.visible_to(&c.permissions, c.user_id)
                    || c.reach.as_ref().is_some_and(|r| !r.hears(&event))
                {
                    return !c.tx.is_closed();
                }
                c.tx.try_send(event.clone()).is_ok()
            });
            let dropped = before - room.clients.len();
            if dropped > 0 {
                self.connections
                    .fetch_sub(dropped as i64, Ordering::Relaxed);
            }
        }
        rooms.retain(|_, r| !r.clients.is_empty());
    }

    pub fn connections(&self) -> i64 {
        self.connections.load(Ordering::Relaxed)
    }

    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every session to close with "going away", and the workers to stop.
    pub fn shut_down(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Resolves once shutdown has begun, even if it began before the call.
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|down| *down).await;
}
