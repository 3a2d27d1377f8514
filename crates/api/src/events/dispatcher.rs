//! Reads new events from the outbox and hands them to this instance's
//! clients, looking five times a second while any client is connected
//! (writers do not NOTIFY: PostgreSQL would serialise their commits).
//! LISTEN/NOTIFY carries changes of rights, which are rare, at once.

use crate::events::hub::Kick;
use crate::state::AppState;
use futures::StreamExt;
use rapport_db::access::Standing;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub async fn run(state: Arc<AppState>, database_url: String) {
    let wake = Arc::new(Notify::new());
    let access = Arc::new(Notify::new());
    tokio::spawn(listen(
        database_url,
        wake.clone(),
        access.clone(),
        state.hub.shutdown_signal(),
    ));
    let mut shutdown = state.hub.shutdown_signal();
    let mut poll = tokio::time::interval(Duration::from_secs(2));
    let mut fresh = tokio::time::interval(Duration::from_millis(200));
    fresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            // Rights first: no event goes out under rights that just changed.
            biased;
            _ = access.notified() => {
                recheck(&state).await;
                continue;
            }
            _ = wake.notified() => {}
            _ = fresh.tick() => {}
            _ = poll.tick() => recheck(&state).await,
            _ = crate::events::hub::stopped(&mut shutdown) => return,
        }
        loop {
            let cursors = state.hub.cursors();
            if cursors.is_empty() {
                break;
            }
            let batch = match state.pool.get().await {
                Ok(mut conn) => rapport_db::events::since_for(&mut conn, &cursors, 1000).await,
                Err(e) => {
                    tracing::warn!(error = %e, "dispatcher: no database connection");
                    break;
                }
            };
            match batch {
                Ok(events) => {
                    let full = events.len() == 1000;
                    state.hub.dispatch(events);
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "dispatcher: reading events failed");
                    break;
                }
            }
        }
    }
}

/// Checks every open connection's credential against the database: a socket
/// whose session or key ended is closed with 4401, one whose member was
/// removed or given another role, or whose workspace switched a module on or
/// off, with 4403 (it reconnects with its new rights).
pub async fn recheck(state: &AppState) {
    refresh_reach(state).await;
    let open = state.hub.credentials();
    if open.is_empty() {
        return;
    }
    let credentials: Vec<_> = open.iter().map(|(_, _, c, _)| *c).collect();
    let standing = match state.pool.get().await {
        Ok(mut conn) => rapport_db::access::standing(&mut conn, &credentials).await,
        Err(e) => {
            tracing::warn!(error = %e, "rights check: no database connection");
            return;
        }
    };
    let standing = match standing {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "rights check failed");
            return;
        }
    };
    for ((ws, id, _, rights), now) in open.into_iter().zip(standing) {
        let kick = match now {
            Standing::Valid(r) if r == rights => continue,
            Standing::Valid(r) if r.role != rights.role => Kick {
                code: 4403,
                reason: "your role changed; reconnect",
            },
            Standing::Valid(_) => Kick {
                code: 4403,
                reason: "the workspace's modules changed; reconnect",
            },
            Standing::NotMember => Kick {
                code: 4403,
                reason: "you are no longer a member of this workspace",
            },
            Standing::Ended => Kick {
                code: 4401,
                reason: "the session or API key has ended",
            },
        };
        state.hub.kick(ws, id, kick);
    }
}

/// Reads again, every fifth check (about every ten seconds), what each
/// connection that hears only its own records reaches: a student who
/// joined a teacher's class is heard of from then on, one who left no
/// longer.
async fn refresh_reach(state: &AppState) {
    static CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if !CHECKS
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .is_multiple_of(5)
    {
        return;
    }
    let reaching = state.hub.reaching();
    if reaching.is_empty() {
        return;
    }
    let mut conn = match state.pool.get().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "reach check: no database connection");
            return;
        }
    };
    for (ws, id, reach) in reaching {
        match reach.again(&mut conn, ws).await {
            Ok(reach) => state.hub.set_reach(ws, id, reach),
            Err(e) => tracing::warn!(error = %e, "reach check failed"),
        }
    }
}

/// Keeps a LISTEN connection open, reconnecting with backoff.
async fn listen(
    url: String,
    wake: Arc<Notify>,
    access: Arc<Notify>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                backoff = Duration::from_millis(200);
                let messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {}", rapport_db::access::CHANNEL);
                let listening = client.batch_execute(&statement);
                tokio::pin!(messages);
                tokio::pin!(listening);
                let mut listened = false;
                loop {
                    tokio::select! {
                        r = &mut listening, if !listened => {
                            listened = true;
                            if let Err(e) = r {
                                tracing::warn!(error = %e, "LISTEN failed");
                                break;
                            }
                            wake.notify_one();
                            access.notify_one();
                        }
                        m = messages.next() => match m {
                            Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                                if n.channel() == rapport_db::access::CHANNEL {
                                    access.notify_one();
                                } else {
                                    wake.notify_one();
                                }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(e)) => { tracing::warn!(error = %e, "LISTEN connection failed"); break; }
                            None => break,
                        },
                        _ = crate::events::hub::stopped(&mut shutdown) => return,
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot open the LISTEN connection"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = crate::events::hub::stopped(&mut shutdown) => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
