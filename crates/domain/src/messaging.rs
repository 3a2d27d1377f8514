//! Conversations and messages: direct conversations between members, an
//! admin's broadcasts, and each member's notifications, in one inbox. Each
//! message has one delivery per recipient, which holds its read state.

use crate::access::Role;
use crate::problem::{FieldCode, FieldError};
use crate::validate::Validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest message, in characters.
pub const MESSAGE_MAX: usize = 20_000;
/// The longest subject, in characters.
pub const SUBJECT_MAX: usize = 200;
/// The most members a conversation is started with, besides its author.
pub const CONVERSATION_MEMBERS_MAX: usize = 50;

/// What a conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Two members; there is one such conversation per pair.
    Direct,
    /// Three members or more.
    Group,
    /// An admin's message to an audience, who read it but do not answer.
    Broadcast,
    /// A member's notifications from the system.
    Notifications,
}

impl ConversationKind {
    pub const ALL: [ConversationKind; 4] = [
        Self::Direct,
        Self::Group,
        Self::Broadcast,
        Self::Notifications,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
            Self::Broadcast => "broadcast",
            Self::Notifications => "notifications",
        }
    }
}

impl std::str::FromStr for ConversationKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Written by a member.
    Message,
    /// Sent by an admin to an audience.
    Broadcast,
    /// Written by the system (a session moved, an invoice issued).
    Notification,
}

impl MessageKind {
    pub const ALL: [MessageKind; 3] = [Self::Message, Self::Broadcast, Self::Notification];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Broadcast => "broadcast",
            Self::Notification => "notification",
        }
    }
}

impl std::str::FromStr for MessageKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// A member of a conversation, with when they last read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantView {
    pub user_id: Uuid,
    pub name: String,
    /// When they last read the conversation: what the others see as "seen".
    pub last_read_at: Option<DateTime<Utc>>,
}

/// A conversation as its member sees it in their inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationView {
    pub id: Uuid,
    pub kind: ConversationKind,
    pub subject: Option<String>,
    /// The members, the caller included; a broadcast shows its sender only.
    pub participants: Vec<ParticipantView>,
    /// Whether the caller may write in it (not in a broadcast they
    /// received, nor in their notifications).
    pub can_reply: bool,
    /// The caller's messages not yet read in it.
    pub unread: i64,
    pub last_message_at: DateTime<Utc>,
    /// The newest message's first line, for the inbox.
    pub preview: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The largest file sent with a message: 10 MiB.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most files one message carries.
pub const ATTACHMENTS_MAX: usize = 10;
/// The longest file name kept.
pub const FILE_NAME_MAX: usize = 255;

/// A file sent with a message, or uploaded to be sent with the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentView {
    pub id: Uuid,
    /// The message it went with; empty until it is sent.
    pub message_id: Option<Uuid>,
    /// Its name, as its uploader's device gave it.
    pub file_name: String,
    /// Its type, as its uploader's device gave it (`application/pdf`).
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// Whether `name` may name an uploaded file: 1 to 255 characters, no
/// path separator, no control character, and none of the invisible marks
/// that turn text around or hide in it (a name that shows as `cat.png`
/// and saves as `gnp.exe`).
pub fn file_name_ok(name: &str) -> bool {
    let hidden = |c: char| {
        matches!(c, '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    };
    let n = name.chars().count();
    (1..=FILE_NAME_MAX).contains(&n)
        && name.trim() == name
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control() || hidden(c))
}

/// A message, its Markdown as safe HTML, its files, and how many of its
/// recipients have read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub kind: MessageKind,
    /// Who wrote it; empty for a notification.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    /// As written (Markdown); empty once deleted.
    pub body: Option<String>,
    /// The Markdown as HTML, made safe: no script, no event handler, no
    /// `javascript:` link survives.
    pub body_html: Option<String>,
    /// What a notification is about (`session`, `invoice`) and its id.
    pub link_type: Option<String>,
    pub link_id: Option<Uuid>,
    /// Everyone it was delivered to, its author aside.
    pub recipients: i64,
    /// How many of them have read it.
    pub read: i64,
    /// Whether the caller has read it (always, for their own).
    pub read_by_me: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// Its files, in the order they were uploaded (none once deleted).
    pub attachments: Vec<AttachmentView>,
}

/// The caller's unread messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxView {
    /// Messages not yet read.
    pub unread_messages: i64,
    /// Conversations with at least one of them.
    pub unread_conversations: i64,
}

/// A member the caller may write to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
}

fn body(e: &mut Vec<FieldError>, body: &str) {
    if body.trim().is_empty() {
        e.push(FieldError::new("body", FieldCode::Required, "is required"));
    } else if body.chars().count() > MESSAGE_MAX {
        e.push(FieldError::new(
            "body",
            FieldCode::TooLong,
            format!("at most {MESSAGE_MAX} characters"),
        ));
    }
}

fn subject(e: &mut Vec<FieldError>, subject: Option<&str>) {
    if let Some(s) = subject {
        crate::validate::text(e, "subject", s, SUBJECT_MAX);
    }
}

/// Start a conversation with one member (the conversation of the two is
/// found again if it exists) or several, with its first message.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"participant_ids": ["0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b"], "body": "Can we move Thursday's session to **4 pm**?"})))]
#[serde(deny_unknown_fields)]
pub struct StartConversationRequest {
    /// The other members (user ids), one to fifty.
    pub participant_ids: Vec<Uuid>,
    /// A subject, for a conversation of several.
    #[serde(default)]
    pub subject: Option<String>,
    /// The first message: Markdown, at most 20,000 characters.
    pub body: String,
}

impl Validate for StartConversationRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.participant_ids.is_empty() {
            e.push(FieldError::new(
                "participant_ids",
                FieldCode::Required,
                "name at least one member to write to",
            ));
        } else if self.participant_ids.len() > CONVERSATION_MEMBERS_MAX {
            e.push(FieldError::new(
                "participant_ids",
                FieldCode::TooLong,
                format!("at most {CONVERSATION_MEMBERS_MAX} members"),
            ));
        }
        subject(e, self.subject.as_deref());
        body(e, &self.body);
    }
}

/// A message in a conversation the caller may write in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"conversation_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "body": "Yes, 4 pm suits."})))]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    pub conversation_id: Uuid,
    /// Markdown, at most 20,000 characters; may be empty when files go
    /// with it.
    pub body: String,
    /// Files the caller uploaded (`POST /attachments`) and has not sent
    /// yet, at most 10: they go with this message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<Uuid>,
}

impl Validate for SendMessageRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.attachment_ids.is_empty() || !self.body.trim().is_empty() {
            body(e, &self.body);
        }
        if self.attachment_ids.len() > ATTACHMENTS_MAX {
            e.push(FieldError::new(
                "attachment_ids",
                FieldCode::TooLong,
                format!("at most {ATTACHMENTS_MAX} files"),
            ));
        } else {
            let mut seen = std::collections::HashSet::new();
            if !self.attachment_ids.iter().all(|id| seen.insert(*id)) {
                e.push(FieldError::new(
                    "attachment_ids",
                    FieldCode::Invalid,
                    "names a file twice",
                ));
            }
        }
    }
}

/// A message rewritten by its author.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"body": "Yes, 4 pm suits **me**."})))]
#[serde(deny_unknown_fields)]
pub struct UpdateMessageRequest {
    pub body: String,
}

impl Validate for UpdateMessageRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        body(e, &self.body);
    }
}

/// Whom a broadcast goes to: everyone, the members of one role, or the
/// members linked to the people of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Audience {
    Everyone,
    Role { role: Role },
    Group { group_id: Uuid },
}

/// A broadcast: one message to an audience, each recipient with their own
/// read state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"audience": {"kind": "role", "role": "member"}, "subject": "Closed on Monday", "body": "The centre is closed on **Monday 7th**; sessions move to Tuesday."})))]
#[serde(deny_unknown_fields)]
pub struct BroadcastRequest {
    pub audience: Audience,
    /// At most 200 characters.
    pub subject: String,
    /// Markdown, at most 20,000 characters.
    pub body: String,
}

impl Validate for BroadcastRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        crate::validate::text(e, "subject", &self.subject, SUBJECT_MAX);
        body(e, &self.body);
    }
}

/// A broadcast sent: its conversation and how many it reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BroadcastView {
    pub conversation: ConversationView,
    pub message: MessageView,
}

/// Marks a conversation read, up to a message (by default its newest).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    /// The newest message read; those before it are read too.
    #[serde(default)]
    pub up_to: Option<Uuid>,
}

impl Validate for MarkReadRequest {
    fn check(&self, _: &mut Vec<FieldError>) {}
}

/// The first line of a message, at most 120 characters, for an inbox.
pub fn preview(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_names_someone_and_says_something() {
        let ok = StartConversationRequest {
            participant_ids: vec![Uuid::from_u128(1)],
            subject: None,
            body: "hello".into(),
        };
        assert!(ok.validate().is_ok());
        let nobody = StartConversationRequest {
            participant_ids: vec![],
            ..ok.clone()
        };
        assert_eq!(nobody.validate().unwrap_err()[0].field, "participant_ids");
        let crowd = StartConversationRequest {
            participant_ids: (0..51).map(Uuid::from_u128).collect(),
            ..ok.clone()
        };
        assert_eq!(crowd.validate().unwrap_err()[0].code, "too_long");
        let blank = SendMessageRequest {
            conversation_id: Uuid::nil(),
            body: " \n ".into(),
            attachment_ids: Vec::new(),
        };
        assert_eq!(blank.validate().unwrap_err()[0].code, "required");
        // Files need no words, but at most ten, each once.
        let files = SendMessageRequest {
            attachment_ids: vec![Uuid::from_u128(1)],
            ..blank.clone()
        };
        assert!(files.validate().is_ok());
        let many = SendMessageRequest {
            attachment_ids: (0..11).map(Uuid::from_u128).collect(),
            ..blank.clone()
        };
        assert_eq!(many.validate().unwrap_err()[0].code, "too_long");
        let twice = SendMessageRequest {
            attachment_ids: vec![Uuid::from_u128(1), Uuid::from_u128(1)],
            ..blank.clone()
        };
        assert_eq!(twice.validate().unwrap_err()[0].field, "attachment_ids");
        let long = UpdateMessageRequest {
            body: "é".repeat(MESSAGE_MAX + 1),
        };
        assert_eq!(long.validate().unwrap_err()[0].code, "too_long");
        assert!(file_name_ok("report (final).pdf") && file_name_ok("Zoé.png"));
        for bad in [
            "",
            " x",
            "a/b",
            "a\\b",
            "a\nb",
            "cat\u{202E}gnp.exe",
            "a\u{200B}b",
            &"x".repeat(256),
        ] {
            assert!(!file_name_ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_audience_reads_as_the_api_writes_it() {
        let a: Audience = serde_json::from_str(r#"{"kind":"role","role":"member"}"#).unwrap();
        assert_eq!(a, Audience::Role { role: Role::Member });
        assert!(serde_json::from_str::<Audience>(r#"{"kind":"planet"}"#).is_err());
        assert!(serde_json::from_str::<Audience>(r#"{"kind":"group"}"#).is_err());
    }

    #[test]
    fn a_preview_is_the_first_line_cut_short() {
        assert_eq!(preview("\n  Hello there \nsecond"), "Hello there");
        let long = "a".repeat(130);
        assert_eq!(preview(&long).chars().count(), 121);
    }
}
