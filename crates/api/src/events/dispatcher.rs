//! Reads new events from the outbox and hands them to this instance's
//! clients. LISTEN/NOTIFY wakes it at once; a poll every two seconds covers a
//! lost notification, because the outbox, not the notification, is the truth.

use crate::state::AppState;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub async fn run(state: Arc<AppState>, database_url: String) {
    let wake = Arc::new(Notify::new());
    tokio::spawn(listen(
        database_url,
        wake.clone(),
        state.hub.shutdown_signal(),
    ));
    let mut shutdown = state.hub.shutdown_signal();
    let mut poll = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = poll.tick() => {}
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

/// Keeps a LISTEN connection open, reconnecting with backoff.
async fn listen(url: String, wake: Arc<Notify>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                backoff = Duration::from_millis(200);
                let messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {}", rapport_db::events::CHANNEL);
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
                        }
                        m = messages.next() => match m {
                            Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => wake.notify_one(),
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
