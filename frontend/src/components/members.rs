//! The workspace's members by id, for pages that show who did or owns what.

use crate::api;
use crate::session;
use leptos::prelude::*;
use rapport_domain::api::MemberPage;
use rapport_domain::Permission;
use std::collections::HashMap;
use uuid::Uuid;

/// Each member's name by user id; empty when the role may not list members.
pub fn member_names() -> LocalResource<HashMap<Uuid, String>> {
    LocalResource::new(move || async move {
        if session::current().can(Permission::MembersRead) {
            api::get::<MemberPage>("/api/v1/members?limit=200")
                .await
                .map(|p| p.data.into_iter().map(|m| (m.user_id, m.name)).collect())
                .unwrap_or_default()
        } else {
            HashMap::new()
        }
    })
}
