//! RFC 9457 problem details, the one error shape of the API.

use serde::{Deserialize, Serialize};

/// A closed set of codes: each variant's text, and every variant, so that a
/// client can hold a message for each.
macro_rules! codes {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    /// Every `code` a problem answer can carry. The app has a message for
    /// each in every language, and shows it instead of the English `detail`.
    pub enum Code {
        BadRequest = "bad_request",
        Unauthorized = "unauthorized",
        Forbidden = "forbidden",
        ModuleDisabled = "module_disabled",
        NotFound = "not_found",
        StaleVersion = "stale_version",
        TooLarge = "too_large",
        Validation = "validation",
        RateLimited = "rate_limited",
        Unavailable = "unavailable",
        Busy = "busy",
        Internal = "internal",
        /// A concurrent change won; the same request may simply be retried.
        Retry = "retry",
        Duplicate = "duplicate",
        Constraint = "constraint",
        Unstorable = "unstorable",
        LastOwner = "last_owner",
        EmailTaken = "email_taken",
        AlreadyMember = "already_member",
        AlreadyInvited = "already_invited",
        NotPending = "not_pending",
        /// The person was erased: nothing of them can come back.
        Erased = "erased",
        /// The host has another session at that time (its buffers included).
        HostBusy = "host_busy",
        /// An invoiced session (its times, status, host, fee, title,
        /// participants and attendance) is changed no more until a credit
        /// note gives its line back whole.
        Invoiced = "invoiced",
        /// A cancelled session is changed no more.
        Cancelled = "cancelled",
        /// Attendance recorded by the host or staff, which a user logging
        /// their own sessions may not overwrite.
        Recorded = "recorded",
        /// Every seat of the session is taken.
        Full = "full",
        /// Only a scheduled session is marked so (not one marked no-show,
        /// nor one waiting for its host's confirmation).
        NotScheduled = "not_scheduled",
        /// Not enough on the balance (medals are never spent beyond it).
        Insufficient = "insufficient",
        /// A ledger entry is corrected once, and a correction not at all.
        AlreadyCorrected = "already_corrected",
        /// A monthly limit (of medals awarded) is reached; the detail says
        /// which.
        LimitReached = "limit_reached",
        /// Not enough of the item is left (or it is not for sale).
        OutOfStock = "out_of_stock",
        /// An order fulfilled or cancelled changes no more.
        OrderClosed = "order_closed",
        /// A message deleted is changed no more.
        MessageDeleted = "message_deleted",
        /// The conversation takes no replies (a broadcast received, one's
        /// notifications).
        NoReplies = "no_replies",
        /// A file sent with a message goes only with the message.
        AttachmentSent = "attachment_sent",
        /// Nobody to mail it to: no e-mail address on file.
        NoAddress = "no_address",
        IdempotencyInFlight = "idempotency_in_flight",
        IdempotencyKeyReused = "idempotency_key_reused",
        IdempotencySecretWithheld = "idempotency_secret_withheld",
    }
}

codes! {
    /// Every `code` of a field error: why one field is invalid.
    pub enum FieldCode {
        Required = "required",
        /// Not in the expected form (an e-mail, a cursor, a time).
        Format = "format",
        /// Shorter than `min` characters.
        TooShort = "too_short",
        /// Longer than `max` characters or items.
        TooLong = "too_long",
        /// Outside `min` to `max`.
        Range = "range",
        /// Not one of the allowed values (`choices`).
        OneOf = "one_of",
        /// Of the wrong JSON type.
        Type = "type",
        /// A time that has passed where a future one is needed.
        Past = "past",
        /// Wrong (a password), or unknown, used or expired (a link).
        Invalid = "invalid",
        /// Names a record (an organisation, a member) that the workspace does not have.
        Unknown = "unknown",
        /// A cursor from another list, sort or workspace.
        Mismatch = "mismatch",
        /// A query string that cannot be read, or names an unknown filter.
        Query = "query",
    }
}

/// One invalid field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name in the request body (dotted for nested fields).
    pub field: String,
    /// A stable machine-readable reason, one of `FieldCode`: `required`,
    /// `format`, `too_long`, ...
    pub code: String,
    /// In English, for people reading the answer; apps show their own
    /// message for the code, filled with `params`.
    pub message: String,
    /// The figures the message names: `min`, `max`, `choices`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.as_str().to_string(),
            message: message.into(),
            params: serde_json::Map::new(),
        }
    }

    /// Adds a figure the message names.
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

/// `application/problem+json` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type": "https://rapport.dev/problems/validation", "title": "Invalid input", "status": 422,
    "detail": "1 field is invalid", "code": "validation",
    "errors": [{"field": "email", "code": "format", "message": "not an e-mail address"}]
})))]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}
