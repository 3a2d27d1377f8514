//! Events: the outbox read back by polling clients, and streamed over the
//! WebSocket to clients on every instance by each instance's dispatcher.

pub mod dispatcher;
pub mod hub;
pub mod list;
pub mod reach;
pub mod ws;
pub mod ws_ticket;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list::list)
        .service(ws_ticket::ticket)
        .service(ws::connect);
}

/// Events about the person (their record, notes on them, their stays) keep
/// their kind and lose their data.
pub fn privacy(h: &mut Vec<crate::privacy::Holder>) {
    h.push(crate::privacy::Holder {
        name: "events",
        tables: &["events"],
        export: crate::privacy::nothing,
        erase: |conn, s| {
            Box::pin(async move {
                Ok(rapport_db::privacy::scrub_events(conn, s.workspace_id, s.person.id).await?)
            })
        },
    });
}

/// What `caller` reaches when they are staff who see only their own
/// records (a school's teacher) or a moderator, who may be limited to
/// branches: the events they hear are narrowed to it.
/// `None` for everyone else: those who see the workspace's records, and
/// members, whose permissions already keep them to the events of their own
/// records (they hear a person's, a class's or a register's changes only
/// as their subject), so that no connection of theirs costs a reach.
pub async fn reach_of(
    conn: &mut rapport_db::Conn,
    caller: &crate::extract::Caller,
) -> Result<Option<reach::Reach>, crate::error::ApiError> {
    let staff = caller.role == rapport_domain::Role::Staff;
    let moderator = caller.role == rapport_domain::Role::Manager;
    match caller.user_id() {
        Some(user) if staff && crate::people::sees_their_own(caller) => Ok(Some(
            reach::Reach::of(conn, caller.workspace_id(), user).await?,
        )),
        // A moderator hears of their branches' (all, while they have
        // none); read again as rights are, so that branches given while
        // connected narrow what they hear from then on.
        Some(user) if moderator => Ok(Some(
            reach::Reach::of_branches(conn, caller.workspace_id(), user, caller.branches.clone())
                .await?,
        )),
        _ => Ok(None),
    }
}
