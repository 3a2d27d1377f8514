//! Sessions: a lesson, a tutoring session, a consultation or a meeting, held
//! by a host for its participants. A host is never booked twice at once.

use crate::problem::{FieldCode, FieldError};
use crate::validate::{self, Validate};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const TITLE_MAX: usize = 200;
pub const LOCATION_MAX: usize = 500;
pub const ONLINE_URL_MAX: usize = 2000;
pub const REASON_MAX: usize = 1000;
pub const NOTES_MAX: usize = 20_000;
/// The longest a session lasts.
pub const LENGTH_MAX_HOURS: i64 = 24;
/// The longest buffer before or after a session, in minutes.
pub const BUFFER_MAX_MIN: i32 = 1440;
pub const CAPACITY_MAX: i32 = 10_000;
/// The people one session can name.
pub const PARTICIPANTS_MAX: usize = 500;
/// The groups one session can be for.
pub const GROUPS_MAX: usize = 20;

/// What a session is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A class's lesson.
    Lesson,
    /// A private tutoring session.
    Tutoring,
    /// A consultation of a certification programme.
    Consultation,
    /// A meeting of a sales team with a contact.
    #[default]
    Meeting,
}

impl SessionKind {
    pub const ALL: [SessionKind; 4] = [
        Self::Lesson,
        Self::Tutoring,
        Self::Consultation,
        Self::Meeting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lesson => "lesson",
            Self::Tutoring => "tutoring",
            Self::Consultation => "consultation",
            Self::Meeting => "meeting",
        }
    }
}

impl std::str::FromStr for SessionKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Booked, waiting for its host to confirm: it holds no time until then.
    Pending,
    /// To come (or come and not yet marked).
    #[default]
    Scheduled,
    /// It took place.
    Completed,
    /// Called off, with a reason; it holds no time.
    Cancelled,
    /// The participants did not come.
    NoShow,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 5] = [
        Self::Pending,
        Self::Scheduled,
        Self::Completed,
        Self::Cancelled,
        Self::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Scheduled => "scheduled",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
        }
    }
}

impl std::str::FromStr for SessionStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// An amount of money: minor units (cents) of an ISO 4217 currency. Never a
/// float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// In the currency's minor unit: 2500 is 25.00 EUR.
    pub amount_minor: i64,
    /// Three capital letters: `EUR`, `USD`.
    pub currency: String,
}

impl Money {
    fn check(&self, e: &mut Vec<FieldError>, field: &str) {
        if self.amount_minor < 0 {
            e.push(
                FieldError::new(
                    format!("{field}.amount_minor").as_str(),
                    FieldCode::Range,
                    "must not be negative",
                )
                .with("min", 0),
            );
        }
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            e.push(FieldError::new(
                format!("{field}.currency").as_str(),
                FieldCode::Format,
                "three capital letters, such as EUR",
            ));
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: Uuid,
    pub kind: SessionKind,
    pub title: String,
    /// UTC; shown in the workspace's (or the viewer's) time zone.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    /// The online room's address.
    pub online_url: Option<String>,
    /// The member who holds it (`null` once that member has left).
    pub host_id: Option<Uuid>,
    pub status: SessionStatus,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The member who booked it (`POST /bookings`): they may reschedule or
    /// cancel it.
    pub booked_by: Option<Uuid>,
    pub notes: Option<String>,
    pub fee: Option<Money>,
    /// Seats of a group session.
    pub capacity: Option<i32>,
    /// Minutes the host keeps free before it.
    pub buffer_before_min: i32,
    /// Minutes the host keeps free after it.
    pub buffer_after_min: i32,
    /// The people it names.
    pub participant_ids: Vec<Uuid>,
    /// The groups it is for (a class's lesson): their members on its day
    /// take part too (its register lists them).
    pub group_ids: Vec<Uuid>,
    /// The series it is an occurrence of (`GET /sessions/series/{id}`).
    pub series_id: Option<Uuid>,
    /// An occurrence's original start, as its series' rule gave it (the
    /// iCalendar RECURRENCE-ID): it names the occurrence however it is
    /// moved.
    pub recurrence_id: Option<DateTime<Utc>>,
    /// An occurrence changed on its own ("this session"): changes to its
    /// series leave it as it is.
    pub exception: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// The longest RRULE text.
pub const RRULE_MAX: usize = 500;
/// The dates one series can skip.
pub const EXDATES_MAX: usize = 500;

/// How a session repeats: an iCalendar (RFC 5545) rule, read as wall-clock
/// time in a time zone, so that a weekly 16:00 lesson stays at 16:00 on
/// both sides of a change to or from summer time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "rrule": "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270630T000000Z",
    "time_zone": "Europe/Paris", "exdates": ["2027-04-19"]
})))]
#[serde(deny_unknown_fields)]
pub struct Recurrence {
    /// An RRULE value without its `RRULE:` name: `FREQ=WEEKLY;BYDAY=MO`.
    /// Daily at most often (`FREQ` `DAILY`, `WEEKLY`, `MONTHLY` or
    /// `YEARLY`), at the session's start time (no `BYHOUR`, `BYMINUTE` or
    /// `BYSECOND`); `UNTIL` in UTC (`...Z`) or `COUNT` ends it.
    pub rrule: String,
    /// The IANA zone its wall-clock times are in: the workspace's when left
    /// out.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Days on which it does not take place (the iCalendar EXDATE), in that
    /// zone.
    #[serde(default)]
    pub exdates: Vec<chrono::NaiveDate>,
}

impl Recurrence {
    /// What can be checked without the zone table: lengths and the rule's
    /// outline. The server reads the rule whole.
    fn check(&self, e: &mut Vec<FieldError>) {
        let rule = self.rrule.trim();
        if rule.is_empty() || rule.chars().count() > RRULE_MAX {
            e.push(
                FieldError::new(
                    "recurrence.rrule",
                    FieldCode::Format,
                    "an RRULE such as FREQ=WEEKLY;BYDAY=MO",
                )
                .with("max", RRULE_MAX),
            );
        }
        if let Some(z) = &self.time_zone {
            if z.is_empty() || z.len() > 64 {
                e.push(FieldError::new(
                    "recurrence.time_zone",
                    FieldCode::Unknown,
                    "an IANA time zone such as Europe/Paris",
                ));
            }
        }
        if self.exdates.len() > EXDATES_MAX {
            e.push(
                FieldError::new(
                    "recurrence.exdates",
                    FieldCode::TooLong,
                    format!("at most {EXDATES_MAX} days"),
                )
                .with("max", EXDATES_MAX),
            );
        }
    }
}

/// Which occurrences of a series a change or a cancellation is for, as
/// calendar users know them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplyTo {
    /// This session only: it becomes an exception of its series.
    #[default]
    This,
    /// This session and the ones after it: the series is split here.
    Following,
    /// Every occurrence of the series that has not begun.
    All,
}

/// A series of sessions: the rule, its zone and what each occurrence is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesView {
    pub id: Uuid,
    pub rrule: String,
    pub time_zone: String,
    /// The first occurrence's start, as wall-clock time in `time_zone`.
    pub starts_local: chrono::NaiveDateTime,
    pub duration_min: i32,
    pub exdates: Vec<chrono::NaiveDate>,
    /// No occurrence starts at or after this time (a series split or
    /// cancelled from an occurrence on).
    pub ends_before: Option<DateTime<Utc>>,
    /// Occurrences exist up to here; a job keeps a rolling year ahead.
    pub materialised_until: DateTime<Utc>,
    pub kind: SessionKind,
    pub title: String,
    pub host_id: Option<Uuid>,
    pub participant_ids: Vec<Uuid>,
    pub group_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A booking: a free slot of a host (`host_id`, `starts_at`), or a seat
/// of a group session (`session_id`). A member books for themself (the
/// person linked to them); staff name the person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "host_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b", "kind": "consultation",
    "starts_at": "2027-01-04T09:00:00Z"
})))]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// `consultation` when left out: its rule gives the length and buffers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SessionKind>,
    /// Minutes, the rule's length when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<i32>,
    /// A seat of this group session instead of a slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    /// Whom it is for: staff name a person; a member's own when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Validate for BookingRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        match (self.session_id, self.host_id, self.starts_at) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (Some(_), ..) => e.push(FieldError::new(
                "session_id",
                FieldCode::Invalid,
                "a seat of a session, or a slot of a host: not both",
            )),
            (None, None, _) => e.push(FieldError::new(
                "host_id",
                FieldCode::Required,
                "is required",
            )),
            (None, Some(_), None) => e.push(FieldError::new(
                "starts_at",
                FieldCode::Required,
                "is required",
            )),
        }
        if let Some(t) = &self.starts_at {
            validate::time(e, "starts_at", t);
        }
        if self.duration_min.is_some_and(|d| !(5..=1440).contains(&d)) {
            e.push(
                FieldError::new("duration_min", FieldCode::Range, "from 5 to 1,440 minutes")
                    .with("min", 5)
                    .with("max", 1440),
            );
        }
        if let Some(t) = self.title.as_deref() {
            validate::text(e, "title", t, TITLE_MAX);
        }
    }
}

/// A group session with seats to book (`POST /bookings` with its
/// `session_id`): what a member needs to choose one, not who else comes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatOffer {
    pub session_id: Uuid,
    pub kind: SessionKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub host_id: Option<Uuid>,
    pub host_name: Option<String>,
    /// What a seat costs, when it has a price.
    pub fee: Option<Money>,
    pub capacity: i32,
    /// Seats not yet taken (everyone it is for takes one, groups included).
    pub seats_left: i32,
    /// Whether a person linked to the caller holds a seat already (cancel
    /// it with `POST /bookings/{session_id}/cancel`).
    pub booked: bool,
    pub version: i32,
}

/// A booking moved to another free slot of its host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    pub starts_at: DateTime<Utc>,
}

impl Validate for RescheduleRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::time(e, "starts_at", &self.starts_at);
    }
}

/// A member's private calendar feed: an address that Google or Apple
/// Calendar subscribe to. It is shown once; a new one replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    /// `https://…/ical/<token>.ics`: whoever has it reads the calendar.
    pub url: String,
}

/// A page of the list.
pub type SessionPage = crate::list::Page<SessionView>;

/// What both a new session and a change check of their times and texts.
#[allow(clippy::too_many_arguments)]
fn check(
    e: &mut Vec<FieldError>,
    starts_at: Option<&DateTime<Utc>>,
    ends_at: Option<&DateTime<Utc>>,
    location: Option<&str>,
    online_url: Option<&str>,
    notes: Option<&str>,
    fee: Option<&Money>,
    capacity: Option<i32>,
    buffers: [Option<i32>; 2],
    participants: Option<&[Uuid]>,
    groups: Option<&[Uuid]>,
) {
    if let Some(t) = starts_at {
        validate::time(e, "starts_at", t);
    }
    if let Some(t) = ends_at {
        validate::time(e, "ends_at", t);
    }
    if let (Some(s), Some(t)) = (starts_at, ends_at) {
        if t <= s {
            e.push(FieldError::new(
                "ends_at",
                FieldCode::Range,
                "must be after starts_at",
            ));
        } else if *t - *s > Duration::hours(LENGTH_MAX_HOURS) {
            e.push(
                FieldError::new(
                    "ends_at",
                    FieldCode::Range,
                    format!("a session lasts at most {LENGTH_MAX_HOURS} hours"),
                )
                .with("max", LENGTH_MAX_HOURS),
            );
        }
    }
    validate::optional_text(
        e,
        "location",
        location.filter(|v| !v.trim().is_empty()),
        LOCATION_MAX,
    );
    if let Some(u) = online_url.map(str::trim).filter(|u| !u.is_empty()) {
        if u.chars().count() > ONLINE_URL_MAX || !crate::custom_fields::is_url(u) {
            e.push(FieldError::new(
                "online_url",
                FieldCode::Format,
                "an address such as https://meet.example/room",
            ));
        }
    }
    if let Some(n) = notes {
        if n.chars().count() > NOTES_MAX {
            e.push(
                FieldError::new(
                    "notes",
                    FieldCode::TooLong,
                    format!("must be at most {NOTES_MAX} characters"),
                )
                .with("max", NOTES_MAX),
            );
        }
    }
    if let Some(f) = fee {
        f.check(e, "fee");
    }
    if let Some(c) = capacity {
        if !(1..=CAPACITY_MAX).contains(&c) {
            e.push(
                FieldError::new("capacity", FieldCode::Range, "from 1 to 10,000 seats")
                    .with("min", 1)
                    .with("max", CAPACITY_MAX),
            );
        }
    }
    for (field, b) in ["buffer_before_min", "buffer_after_min"]
        .into_iter()
        .zip(buffers)
    {
        if b.is_some_and(|b| !(0..=BUFFER_MAX_MIN).contains(&b)) {
            e.push(
                FieldError::new(field, FieldCode::Range, "from 0 to 1,440 minutes")
                    .with("min", 0)
                    .with("max", BUFFER_MAX_MIN),
            );
        }
    }
    if let Some(g) = groups {
        if g.len() > GROUPS_MAX {
            e.push(
                FieldError::new(
                    "group_ids",
                    FieldCode::TooLong,
                    format!("at most {GROUPS_MAX} groups"),
                )
                .with("max", GROUPS_MAX),
            );
        }
    }
    if let Some(p) = participants {
        if p.len() > PARTICIPANTS_MAX {
            e.push(
                FieldError::new(
                    "participant_ids",
                    FieldCode::TooLong,
                    format!("at most {PARTICIPANTS_MAX} people"),
                )
                .with("max", PARTICIPANTS_MAX),
            );
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "kind": "tutoring", "title": "Maths with Ada", "starts_at": "2026-12-07T15:00:00Z",
    "ends_at": "2026-12-07T16:00:00Z", "host_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5b",
    "participant_ids": ["0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5c"],
    "fee": {"amount_minor": 4000, "currency": "EUR"}
})))]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    #[serde(default)]
    pub kind: SessionKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// A member of the workspace; the caller when left out.
    #[serde(default)]
    pub host_id: Option<Uuid>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub online_url: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub fee: Option<Money>,
    #[serde(default)]
    pub capacity: Option<i32>,
    #[serde(default)]
    pub buffer_before_min: i32,
    #[serde(default)]
    pub buffer_after_min: i32,
    /// People of the workspace.
    #[serde(default)]
    pub participant_ids: Vec<Uuid>,
    /// Groups of the workspace: their members on the session's day take
    /// part.
    #[serde(default)]
    pub group_ids: Vec<Uuid>,
    /// Makes this the first of a series of sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
}

impl Validate for CreateSessionRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "title", &self.title, TITLE_MAX);
        if let Some(r) = &self.recurrence {
            r.check(e);
        }
        check(
            e,
            Some(&self.starts_at),
            Some(&self.ends_at),
            self.location.as_deref(),
            self.online_url.as_deref(),
            self.notes.as_deref(),
            self.fee.as_ref(),
            self.capacity,
            [Some(self.buffer_before_min), Some(self.buffer_after_min)],
            Some(&self.participant_ids),
            Some(&self.group_ids),
        );
    }
}

/// Only the fields sent change; `null` clears a field that may be empty.
/// A cancelled session is changed no more.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"starts_at": "2026-12-07T16:00:00Z", "ends_at": "2026-12-07T17:00:00Z"})))]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SessionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_id: Option<Uuid>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub location: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub online_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub notes: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Option<Money>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub capacity: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_before_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_after_min: Option<i32>,
    /// `completed` or `no_show` once it has begun, or back to `scheduled`;
    /// cancelling is `POST /sessions/{id}/cancel`, with a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SessionStatus>,
    /// The people it names, all of them: replaces the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_ids: Option<Vec<Uuid>>,
    /// The groups it is for, all of them: replaces the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<Uuid>>,
    /// For an occurrence of a series: this one (the default), this and the
    /// following ones, or all that have not begun. A move of several
    /// shifts each by the same wall-clock time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to: Option<ApplyTo>,
}

impl Validate for UpdateSessionRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if let Some(t) = &self.title {
            validate::text(e, "title", t, TITLE_MAX);
        }
        // The times together are checked against each other where both
        // are known: the server checks the pair it will store.
        check(
            e,
            self.starts_at.as_ref(),
            self.ends_at.as_ref(),
            self.location.clone().flatten().as_deref(),
            self.online_url.clone().flatten().as_deref(),
            self.notes.clone().flatten().as_deref(),
            self.fee.as_ref().and_then(Option::as_ref),
            self.capacity.flatten(),
            [self.buffer_before_min, self.buffer_after_min],
            self.participant_ids.as_deref(),
            self.group_ids.as_deref(),
        );
        if self.status == Some(SessionStatus::Cancelled) {
            e.push(FieldError::new(
                "status",
                FieldCode::OneOf,
                "cancel through POST /sessions/{id}/cancel, with a reason",
            ));
        }
        if self.status.is_some() && self.apply_to.is_some_and(|a| a != ApplyTo::This) {
            e.push(FieldError::new(
                "status",
                FieldCode::Invalid,
                "a status is marked one session at a time",
            ));
        }
    }
}

/// Cancelling a session: it keeps its place in the calendar, marked, and
/// frees its host's time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "The tutor is ill"})))]
#[serde(deny_unknown_fields)]
pub struct CancelSessionRequest {
    pub reason: String,
    /// For an occurrence of a series: this one (the default), this and
    /// every one after it, or every one that has not begun. The series
    /// then ends: no more are made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to: Option<ApplyTo>,
}

impl Validate for CancelSessionRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        validate::text(e, "reason", &self.reason, REASON_MAX);
    }
}

/// Whether a participant came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    Late,
    Absent,
    /// Absent, with a reason accepted.
    Excused,
}

impl AttendanceStatus {
    pub const ALL: [AttendanceStatus; 4] = [Self::Present, Self::Late, Self::Absent, Self::Excused];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Late => "late",
            Self::Absent => "absent",
            Self::Excused => "excused",
        }
    }
}

impl std::str::FromStr for AttendanceStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

pub const ATTENDANCE_NOTE_MAX: usize = 1000;

/// One participant of a session and whether they came (`status` is `null`
/// until it is recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceView {
    pub session_id: Uuid,
    pub person_id: Uuid,
    /// The participant's name, as the register shows it.
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub status: Option<AttendanceStatus>,
    pub note: Option<String>,
    /// The member who recorded it last.
    pub recorded_by: Option<Uuid>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// 0 until it is recorded.
    pub version: i32,
}

/// One participant's attendance to record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttendanceEntry {
    pub person_id: Uuid,
    pub status: AttendanceStatus,
    #[serde(default)]
    pub note: Option<String>,
}

/// The register of a session, taken at once: the participants named are
/// recorded (or corrected), the others left as they are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"records": [
    {"person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5c", "status": "present"},
    {"person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5d", "status": "late", "note": "Bus"}
]})))]
#[serde(deny_unknown_fields)]
pub struct RecordAttendanceRequest {
    pub records: Vec<AttendanceEntry>,
}

impl Validate for RecordAttendanceRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.records.is_empty() {
            e.push(FieldError::new(
                "records",
                FieldCode::Required,
                "is required",
            ));
        }
        check_records(e, &self.records);
    }
}

/// A register's lines: at most [`PARTICIPANTS_MAX`], each person once.
fn check_records(e: &mut Vec<FieldError>, records: &[AttendanceEntry]) {
    if records.len() > PARTICIPANTS_MAX {
        e.push(
            FieldError::new(
                "records",
                FieldCode::TooLong,
                format!("at most {PARTICIPANTS_MAX} people"),
            )
            .with("max", PARTICIPANTS_MAX),
        );
    }
    for (i, r) in records.iter().enumerate() {
        if records[..i].iter().any(|o| o.person_id == r.person_id) {
            e.push(FieldError::new(
                format!("records.{i}.person_id"),
                FieldCode::Invalid,
                "named twice",
            ));
        }
        if let Some(n) = r.note.as_deref().filter(|n| !n.trim().is_empty()) {
            validate::text(e, &format!("records.{i}.note"), n, ATTENDANCE_NOTE_MAX);
        }
    }
}

/// A session logged on a device, perhaps while it was offline, sent when
/// the connection allows: held (`completed`) and/or the attendance of its
/// people. The device gives the log its `id`, so that sending it again
/// applies it once, and says which `version` of the session it showed, so
/// that a session that changed meanwhile is not logged blindly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a60",
    "version": 3,
    "completed": true,
    "records": [{"person_id": "0193f1c2-7d4e-7a21-9c3b-5b1d2e3f4a5c", "status": "present"}],
    "logged_at": "2026-12-05T16:05:00Z"
})))]
#[serde(deny_unknown_fields)]
pub struct LogSessionRequest {
    /// The log's own id, made by the device.
    pub id: Uuid,
    /// The session's version the device showed.
    pub version: i32,
    /// Whether the session was held.
    #[serde(default)]
    pub completed: bool,
    /// Attendance to record, as `PUT /sessions/{id}/attendance` takes it.
    #[serde(default)]
    pub records: Vec<AttendanceEntry>,
    /// When it was logged on the device.
    pub logged_at: DateTime<Utc>,
}

impl Validate for LogSessionRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        if self.version < 1 {
            e.push(FieldError::new("version", FieldCode::Range, "at least 1").with("min", 1));
        }
        if !self.completed && self.records.is_empty() {
            e.push(FieldError::new(
                "records",
                FieldCode::Required,
                "log the session as held, or some attendance",
            ));
        }
        check_records(e, &self.records);
    }
}

/// A session's log as the server applied it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionLogView {
    pub id: Uuid,
    pub session_id: Uuid,
    /// The log had been applied before; this time nothing changed.
    pub replayed: bool,
    pub logged_at: DateTime<Utc>,
    pub applied_at: DateTime<Utc>,
    /// The session as it is now.
    pub session: SessionView,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateSessionRequest {
        let at = "2026-12-07T15:00:00Z".parse().unwrap();
        CreateSessionRequest {
            kind: SessionKind::Tutoring,
            title: "Maths".into(),
            starts_at: at,
            ends_at: at + Duration::hours(1),
            host_id: None,
            location: None,
            online_url: None,
            notes: None,
            fee: None,
            capacity: None,
            buffer_before_min: 0,
            buffer_after_min: 0,
            participant_ids: vec![],
            group_ids: vec![],
            recurrence: None,
        }
    }

    fn fields(r: &impl Validate) -> Vec<String> {
        let mut e = vec![];
        r.check(&mut e);
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_session_ends_after_it_starts_within_a_day_and_costs_money_not_floats() {
        assert!(fields(&request()).is_empty());
        let mut r = request();
        r.ends_at = r.starts_at;
        assert_eq!(fields(&r), ["ends_at"]);
        r.ends_at = r.starts_at + Duration::hours(25);
        assert_eq!(fields(&r), ["ends_at"]);
        let mut r = request();
        r.fee = Some(Money {
            amount_minor: -1,
            currency: "eur".into(),
        });
        r.buffer_after_min = 1441;
        r.capacity = Some(0);
        r.online_url = Some("not a url".into());
        assert_eq!(
            fields(&r),
            [
                "online_url",
                "fee.amount_minor",
                "fee.currency",
                "capacity",
                "buffer_after_min"
            ]
        );
    }

    #[test]
    fn a_change_cannot_cancel_without_a_reason() {
        let r = UpdateSessionRequest {
            status: Some(SessionStatus::Cancelled),
            ..Default::default()
        };
        assert_eq!(fields(&r), ["status"]);
    }
}
