//! Events: what changed, for the outbox, the events list and the WebSocket.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::System => "system",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
}

/// One event, the same on the WebSocket, in `/events` and in webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1234, "type": "member.updated", "occurred_at": "2026-01-01T09:00:00Z",
    "actor": {"kind": "user", "id": "01936f0e-0000-7000-8000-000000000000"},
    "data": {"user_id": "01936f0e-0000-7000-8000-000000000001", "role": "admin"}
})))]
pub struct EventView {
    /// Per-workspace sequence number.
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub data: Vec<EventView>,
    /// Pass as `after` to continue; absent when nothing more is stored yet.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WsTicketResponse {
    pub ticket: String,
    pub expires_in: i64,
}

/// Every event type a client can receive, besides the stream's own
/// `stream.ready`. The server refuses to emit another (a test build panics),
/// and the app has a sentence for each in every language.
pub const KINDS: &[&str] = &[
    "workspace.created",
    "member.added",
    "member.updated",
    "member.removed",
    "invitation.created",
    "invitation.accepted",
    "invitation.revoked",
    "invitation.resent",
    "api_key.created",
    "api_key.revoked",
    "person.created",
    "person.updated",
    "person.deleted",
    "person.restored",
    "person.erased",
    "branch.created",
    "branch.updated",
    "branch.archived",
    "branch.restored",
    "member_branches.updated",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organization.restored",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.restored",
    "group_member.created",
    "group_member.updated",
    "group_member.deleted",
    "note.created",
    "note.updated",
    "note.deleted",
    "custom_field.created",
    "custom_field.updated",
    "custom_field.deleted",
    "custom_field.restored",
    "import.created",
    "import.updated",
    "session.created",
    "session.updated",
    "session.cancelled",
    "session.deleted",
    "session.reminder",
    "session_series.created",
    "session_series.updated",
    "attendance.created",
    "attendance.updated",
    "ledger_entry.created",
    "medal_settings.updated",
    "store_item.created",
    "store_item.updated",
    "store_order.created",
    "store_order.fulfilled",
    "store_order.cancelled",
    "fee_plan.created",
    "fee_plan.updated",
    "fee_plan.deleted",
    "fee_discount.created",
    "fee_discount.updated",
    "fee_discount.deleted",
    "tuition_charge.created",
    "tuition_charge.voided",
    "payment.created",
    "rate.created",
    "rate.updated",
    "rate.deleted",
    "pay_rate.created",
    "pay_rate.updated",
    "pay_rate.deleted",
    "invoice.created",
    "package.created",
    "credit_note.created",
    "guardians.updated",
    "attendance.deleted",
    "availability.updated",
    "person_availability.updated",
    "booking_rule.updated",
    "reminder_settings.updated",
    "message.created",
    "message.updated",
    "message.deleted",
    "conversation.read",
];
