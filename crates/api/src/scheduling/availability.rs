//! Availability: a host's hours (weekly, by date, time off) in their own
//! zone, the workspace's booking rules per kind of session, and the free
//! slots that follow (`slots`).

use super::recurrence;
use super::slots::{self, Hours, Rules};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db, IfMatch, Valid, Visible};
use crate::pagination::Filters;
use crate::record::Found;
use crate::respond::Reply;
use actix_web::{get, put, web, web::Json};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{AvailabilityRow, BookingRuleRow};
use rapport_db::Conn;
use rapport_domain::api::{
    AvailabilityView, BookableHost, BookingRule, BookingRuleView, DateHours,
    PutAvailabilityRequest, SessionKind, SessionStatus, Slot, TimeOff, WeeklyHours,
    SLOT_RANGE_MAX_DAYS,
};
use rapport_domain::problem::{FieldCode, FieldError};
use rapport_domain::{Permission, Role};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

impl crate::record::Audited for AvailabilityView {
    const KIND: &'static str = "availability";
    const HEARD_BY: Permission = Permission::SessionsWrite;
    fn record_id(&self) -> String {
        self.user_id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("version");
        }
        v
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        Some(self.user_id)
    }
}

impl crate::record::Audited for BookingRuleView {
    const KIND: &'static str = "booking_rule";
    const HEARD_BY: Permission = Permission::SessionsWrite;
    fn record_id(&self) -> String {
        self.kind.as_str().to_string()
    }
    fn audited(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

pub(crate) fn view(
    user: Uuid,
    default_zone: &str,
    row: Option<AvailabilityRow>,
) -> AvailabilityView {
    match row {
        None => AvailabilityView {
            user_id: user,
            time_zone: default_zone.to_string(),
            weekly: vec![],
            overrides: vec![],
            time_off: vec![],
            version: 0,
        },
        Some(r) => AvailabilityView {
            user_id: user,
            time_zone: r.time_zone,
            weekly: serde_json::from_value(r.weekly).unwrap_or_default(),
            overrides: serde_json::from_value(r.overrides).unwrap_or_default(),
            time_off: serde_json::from_value(r.time_off).unwrap_or_default(),
            version: r.version,
        },
    }
}

fn rule_view(kind: SessionKind, row: Option<&BookingRuleRow>) -> BookingRuleView {
    BookingRuleView {
        kind,
        rule: row.map_or_else(BookingRule::default, BookingRuleRow::rule),
    }
}

/// The workspace's rules, one per kind of session (the defaults where none
/// was set).
async fn rules_of(conn: &mut Conn, ws: Uuid) -> Result<Vec<BookingRuleView>, ApiError> {
    let rows = rapport_db::scheduling::booking_rules(conn, ws).await?;
    Ok(SessionKind::ALL
        .into_iter()
        .map(|k| rule_view(k, rows.iter().find(|r| r.kind == k.as_str())))
        .collect())
}

/// How each kind of session is booked: length, buffers, slot interval,
/// notice, how far ahead, limits per day and week, confirmation.
#[utoipa::path(
    tag = "sessions",
    responses((status = 200, description = "The rules", body = Vec<BookingRuleView>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/availability/rules")]
pub async fn rules(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
) -> ApiResult<Json<Vec<BookingRuleView>>> {
    let conn = db.conn().await?;
    Ok(Json(rules_of(conn, caller.workspace_id()).await?))
}

/// Set how one kind of session is booked.
#[utoipa::path(
    tag = "sessions",
    params(("kind" = SessionKind, Path, description = "The kind of session")),
    request_body = BookingRule,
    responses((status = 200, description = "The rule", body = BookingRuleView)),
    security(("bearer" = ["booking_rules:manage"]), ("api_key" = ["booking_rules:manage"]))
)]
#[put("/availability/rules/{kind}")]
pub async fn set_rule(
    mut db: Db,
    caller: Authz<perm::BookingRulesManage>,
    ctx: Ctx,
    kind: web::Path<SessionKind>,
    Valid(body): Valid<BookingRule>,
) -> ApiResult<Json<BookingRuleView>> {
    let ws = caller.workspace_id();
    let kind = kind.into_inner();
    let conn = db.conn().await?;
    let after = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rules_of(conn, ws)
                .await?
                .into_iter()
                .find(|r| r.kind == kind)
                .unwrap_or_else(|| rule_view(kind, None));
            let r = &body;
            let row = rapport_db::scheduling::put_booking_rule(
                conn,
                &BookingRuleRow {
                    workspace_id: ws,
                    kind: kind.as_str().to_string(),
                    duration_min: r.duration_min,
                    buffer_before_min: r.buffer_before_min,
                    buffer_after_min: r.buffer_after_min,
                    slot_interval_min: r.slot_interval_min,
                    min_notice_min: r.min_notice_min,
                    window_days: r.window_days,
                    max_per_day: r.max_per_day,
                    max_per_week: r.max_per_week,
                    requires_confirmation: r.requires_confirmation,
                },
            )
            .await?;
            let after = rule_view(kind, Some(&row));
            if after != before {
                ctx.changed(conn, ws, "updated", &before, &after).await?;
            }
            Ok(after)
        })
        .await?;
    Ok(Json(after))
}

/// The members who can be booked (they have set their hours), by name.
#[utoipa::path(
    tag = "sessions",
    responses((status = 200, description = "The hosts", body = Vec<BookableHost>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/availability/hosts")]
pub async fn hosts(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
) -> ApiResult<Json<Vec<BookableHost>>> {
    let conn = db.conn().await?;
    let rows = rapport_db::scheduling::bookable_hosts(conn, caller.workspace_id()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(user_id, name, time_zone)| BookableHost {
                user_id,
                name,
                time_zone,
            })
            .collect(),
    ))
}

/// A member's hours: weekly, by date and time off, in their zone (the
/// workspace's until they set their own).
#[utoipa::path(
    tag = "sessions",
    params(("user_id" = Uuid, Path, description = "The member's id")),
    responses((status = 200, description = "Their hours", body = AvailabilityView)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/availability/{user_id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    user_id: web::Path<Uuid>,
) -> ApiResult<Reply<AvailabilityView>> {
    let ws = caller.workspace_id();
    let user = user_id.into_inner();
    let conn = db.conn().await?;
    rapport_db::members::find(conn, ws, user).await?.found()?;
    let row = rapport_db::scheduling::availability_of(conn, ws, user).await?;
    let mut v = view(user, &caller.workspace.time_zone, row);
    // Why someone is away is theirs and staff's to read.
    if caller.user_id() != Some(user) && !caller.allows(Permission::SessionsWrite) {
        for t in &mut v.time_off {
            t.reason = None;
        }
    }
    let version = v.version;
    Ok(Reply::ok(&v).etag(version))
}

/// Set a member's hours, all of them. Staff set their own; managers and
/// admins anyone's. With `If-Match`, only over the version it names.
#[utoipa::path(
    tag = "sessions",
    params(("user_id" = Uuid, Path, description = "The member's id")),
    request_body = PutAvailabilityRequest,
    responses((status = 200, description = "Their hours", body = AvailabilityView)),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[put("/availability/{user_id}")]
pub async fn write(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    ctx: Ctx,
    user_id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<PutAvailabilityRequest>,
) -> ApiResult<Reply<AvailabilityView>> {
    let ws = caller.workspace_id();
    let user = user_id.into_inner();
    if caller.role == Role::Staff && caller.user_id() != Some(user) {
        return Err(ApiError::Forbidden(
            "staff set their own hours; a manager sets anyone's".into(),
        ));
    }
    recurrence::zone(&body.time_zone)
        .map_err(|e| ApiError::validation("time_zone", FieldCode::Unknown, &e))?;
    let zone = caller.workspace.time_zone.clone();
    let conn = db.conn().await?;
    let after = conn
        .transaction::<_, ApiError, _>(async |conn| {
            rapport_db::members::find(conn, ws, user).await?.found()?;
            let before = view(
                user,
                &zone,
                rapport_db::scheduling::availability_of(conn, ws, user).await?,
            );
            let (weekly, overrides, time_off) = stored(&body)?;
            let row = rapport_db::scheduling::put_availability(
                conn,
                ws,
                user,
                body.time_zone.trim(),
                &weekly,
                &overrides,
                &time_off,
                if_match.0,
            )
            .await?
            .current()?;
            let after = view(user, &zone, Some(row));
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    let version = after.version;
    Ok(Reply::ok(&after).etag(version))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// The member to book.
    pub host_id: Uuid,
    /// From this time (RFC 3339).
    pub from: DateTime<Utc>,
    /// To this time, at most 62 days after `from`.
    pub to: DateTime<Utc>,
    /// Minutes a slot lasts: the kind's length when left out.
    pub duration: Option<i32>,
    /// The kind of session, whose rule applies: `consultation` when left
    /// out.
    pub kind: Option<SessionKind>,
    /// A person the session is for (a student): only the slots within
    /// when they are free (any time until they say), clear of their other
    /// sessions.
    pub person_id: Option<Uuid>,
}

impl Filters for SlotQuery {
    fn check(&mut self, e: &mut Vec<FieldError>) {
        rapport_domain::validate::time(e, "from", &self.from);
        rapport_domain::validate::time(e, "to", &self.to);
        if self.to <= self.from {
            e.push(FieldError::new(
                "to",
                FieldCode::Range,
                "must be after from",
            ));
        } else if self.to - self.from > Duration::days(SLOT_RANGE_MAX_DAYS) {
            e.push(
                FieldError::new(
                    "to",
                    FieldCode::Range,
                    format!("at most {SLOT_RANGE_MAX_DAYS} days after from"),
                )
                .with("max", SLOT_RANGE_MAX_DAYS),
            );
        }
        if self.duration.is_some_and(|d| !(5..=1440).contains(&d)) {
            e.push(
                FieldError::new("duration", FieldCode::Range, "from 5 to 1,440 minutes")
                    .with("min", 5)
                    .with("max", 1440),
            );
        }
    }
}

/// Hours as they are stored: weekly, by date and time off, each in order.
pub(crate) fn stored(
    body: &PutAvailabilityRequest,
) -> Result<(serde_json::Value, serde_json::Value, serde_json::Value), ApiError> {
    let mut weekly = body.weekly.clone();
    weekly.sort_by(|a, b| (a.weekday, &a.from).cmp(&(b.weekday, &b.from)));
    let mut overrides = body.overrides.clone();
    overrides.sort_by_key(|o| o.date);
    let mut time_off = body.time_off.clone();
    time_off.sort_by_key(|t| t.starts_at);
    let json = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
    };
    Ok((
        json(serde_json::to_value(&weekly))?,
        json(serde_json::to_value(&overrides))?,
        json(serde_json::to_value(&time_off))?,
    ))
}

/// Host `user`'s hours in `ws` (none, in `default_zone`, until set).
pub(crate) async fn hours_of(
    conn: &mut Conn,
    ws: Uuid,
    user: Uuid,
    default_zone: &str,
) -> Result<AvailabilityView, ApiError> {
    let row = rapport_db::scheduling::availability_of(conn, ws, user).await?;
    Ok(view(user, default_zone, row))
}

/// Read a host's hours for the slot search.
pub(crate) fn hours(v: &AvailabilityView) -> Result<Hours, ApiError> {
    let tz = recurrence::zone(&v.time_zone).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let mut weekly: HashMap<u32, Vec<_>> = HashMap::new();
    for WeeklyHours { weekday, from, to } in &v.weekly {
        let i = rapport_domain::api::Interval {
            from: from.clone(),
            to: to.clone(),
        };
        if let Some(t) = i.times() {
            weekly.entry(*weekday as u32).or_default().push(t);
        }
    }
    let overrides = v
        .overrides
        .iter()
        .map(|DateHours { date, intervals }| {
            (*date, intervals.iter().filter_map(|i| i.times()).collect())
        })
        .collect();
    let time_off = v
        .time_off
        .iter()
        .map(
            |TimeOff {
                 starts_at, ends_at, ..
             }| (*starts_at, *ends_at),
        )
        .collect();
    Ok(Hours {
        tz,
        weekly,
        overrides,
        time_off,
    })
}

/// A host's free slots from `from` to `to`: generated day by day in the
/// host's zone from their hours, clear of their sessions (both sides'
/// buffers), their time off, the notice and the window of the kind's rule,
/// and under its limits per day and week. At most 62 days at once.
#[utoipa::path(
    tag = "sessions",
    params(SlotQuery),
    responses((status = 200, description = "The free slots, earliest first", body = Vec<Slot>)),
    security(("bearer" = ["sessions:read"]), ("api_key" = ["sessions:read"]))
)]
#[get("/availability/slots")]
pub async fn free(
    mut db: Db,
    caller: Authz<perm::SessionsRead>,
    Visible(scope, ..): Visible<crate::people::Policy>,
    query: crate::pagination::Checked<SlotQuery>,
) -> ApiResult<Json<Vec<Slot>>> {
    let q = query.0;
    let ws = caller.workspace_id();
    let conn = db.conn().await?;
    rapport_db::members::find(conn, ws, q.host_id)
        .await?
        .found()?;
    let v = hours_of(conn, ws, q.host_id, &caller.workspace.time_zone).await?;
    let kind = q.kind.unwrap_or(SessionKind::Consultation);
    let rule = rules_of(conn, ws)
        .await?
        .into_iter()
        .find(|r| r.kind == kind)
        .map(|r| r.rule)
        .unwrap_or_default();
    let limits = Rules::of(&rule, q.duration);
    let m = |n: i32| Duration::minutes(n as i64);
    // A week around the range: the limits count whole days and weeks.
    let held = rapport_db::scheduling::held(
        conn,
        ws,
        q.host_id,
        q.from - Duration::days(8),
        q.to + Duration::days(8),
    )
    .await?
    .into_iter()
    .map(|(s, e, b, a)| (s, e, m(b), m(a)))
    .collect::<Vec<_>>();
    let mut found = slots::slots(&hours(&v)?, &limits, &held, q.from, q.to, Utc::now());
    if let Some(person) = q.person_id {
        // Someone the caller sees, free then, and not in another session.
        rapport_db::people::find(conn, &scope, person)
            .await?
            .filter(|p| p.deleted_at.is_none())
            .ok_or_else(|| {
                ApiError::validation("person_id", FieldCode::Unknown, "no such person here")
            })?;
        let free = match super::free_times::hours_of_person(conn, ws, person).await? {
            Some(v) => Some(hours(&v)?),
            None => None,
        };
        // Their other sessions, as far as the caller sees them (a teacher
        // learns nothing here of another class's lessons).
        let filter = rapport_db::scheduling::SessionFilter {
            person_id: Some(person),
            from: Some(q.from),
            to: Some(q.to),
            ..Default::default()
        };
        let page = rapport_db::list::PageRequest {
            sort: <rapport_db::scheduling::SessionSort as rapport_db::list::Sorts>::DEFAULT,
            after: None,
            limit: 2000,
        };
        let taken: Vec<_> = rapport_db::scheduling::list(conn, &scope, &filter, &page)
            .await?
            .into_iter()
            .filter(|s| s.status != SessionStatus::Cancelled)
            .map(|s| (s.starts_at, s.ends_at))
            .collect();
        found.retain(|s| {
            free.as_ref()
                .is_none_or(|h| h.holds(s.starts_at, s.ends_at))
                && !taken
                    .iter()
                    .any(|(a, b)| s.starts_at < *b && *a < s.ends_at)
        });
    }
    Ok(Json(found))
}
