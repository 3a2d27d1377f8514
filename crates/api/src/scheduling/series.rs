//! Series of sessions: made from a first session and a rule, kept a rolling
//! year ahead by a job, changed or cancelled from an occurrence on ("this
//! and following", which splits the series) or as a whole ("all", the
//! occurrences that have not begun). An occurrence changed on its own is an
//! exception, which changes to its series leave alone; cancelling "all" or
//! "following" cancels every remaining one, exceptions included, and ends
//! the series.

use super::recurrence::{self, Rule};
use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Ctx, Db};
use crate::jobs::schedule::{CatchUp, Schedule};
use crate::jobs::{Job, JobCtx, Registry};
use crate::record::Found;
use actix_web::{get, web, web::Json};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use rapport_db::scheduling::{SeriesRow, SessionChanges, SessionRow};
use rapport_db::Conn;
use rapport_domain::api::{SeriesView, SessionKind, SessionStatus};
use rapport_domain::problem::{Code, FieldCode};
use rapport_domain::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

impl crate::record::Audited for SeriesRow {
    const KIND: &'static str = "session_series";
    const HEARD_BY: Permission = Permission::SessionsWrite;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn audited(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(view(self)).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            // The job's progress is not a change anyone made.
            o.remove("materialised_until");
            o.remove("updated_at");
            o.remove("version");
        }
        v
    }
    fn subject_user_id(&self) -> Option<Uuid> {
        self.host_id
    }
    fn follow_up(&self) -> Option<crate::jobs::Queued> {
        crate::jobs::Queued::of(&super::invitations::Invite {
            workspace_id: self.workspace_id,
            session_id: self.id,
            series: true,
        })
    }
}

pub fn view(s: &SeriesRow) -> SeriesView {
    SeriesView {
        id: s.id,
        rrule: s.rrule.clone(),
        time_zone: s.time_zone.clone(),
        starts_local: s.starts_local,
        duration_min: s.duration_min,
        exdates: s.exdates.clone(),
        ends_before: s.ends_before,
        materialised_until: s.materialised_until,
        kind: s.kind.parse().unwrap_or(SessionKind::Meeting),
        title: s.title.clone(),
        host_id: s.host_id,
        participant_ids: s.participant_ids.clone(),
        group_ids: s.group_ids.clone(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        version: s.version,
    }
}

fn zone_of(s: &SeriesRow) -> Result<chrono_tz::Tz, ApiError> {
    recurrence::zone(&s.time_zone).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
}

fn rule_of(s: &SeriesRow) -> Result<Rule, ApiError> {
    recurrence::parse(&s.rrule).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
}

/// The starts of `s`'s occurrences from `from` to `to`.
pub fn starts_of(
    s: &SeriesRow,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, ApiError> {
    let tz = zone_of(s)?;
    recurrence::starts(
        &rule_of(s)?,
        tz,
        s.starts_local,
        &s.exdates,
        from,
        to,
        s.ends_before,
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
}

/// Whether an error is the host's exclusion constraint.
fn host_busy(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Conflict {
            code: Code::HostBusy,
            ..
        }
    )
}

/// The people and groups of `s` that are still there, in its order.
async fn live_template(conn: &mut Conn, s: &SeriesRow) -> Result<(Vec<Uuid>, Vec<Uuid>), ApiError> {
    let ws = s.workspace_id;
    let live = rapport_db::scheduling::live_people(conn, ws, &s.participant_ids).await?;
    let people = s
        .participant_ids
        .iter()
        .filter(|p| live.contains(p))
        .copied()
        .collect();
    let live = rapport_db::scheduling::live_groups(conn, ws, &s.group_ids).await?;
    let groups = s
        .group_ids
        .iter()
        .filter(|g| live.contains(g))
        .copied()
        .collect();
    Ok((people, groups))
}

/// Makes the occurrences of `s` that start in `from..to` and do not exist
/// yet, with its people and groups. When `strict`, an occurrence the host
/// cannot take refuses the whole (409 `host_busy`, naming its day); else
/// (the job extending a series) it is made cancelled, with the reason, so
/// that the host sees it and nothing is lost without a word.
pub async fn materialise(
    conn: &mut Conn,
    s: &SeriesRow,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    strict: bool,
) -> Result<Vec<SessionRow>, ApiError> {
    let ws = s.workspace_id;
    if let Some(host) = s.host_id {
        rapport_db::scheduling::hold_host(conn, ws, host).await?;
    }
    let existing = rapport_db::scheduling::occurrence_ids(conn, ws, s.id).await?;
    let (people, groups) = live_template(conn, s).await?;
    let tz = zone_of(s)?;
    let mut made = vec![];
    for at in starts_of(s, from, to)? {
        if existing.contains(&at) {
            continue;
        }
        let new = s.occurrence(at, at);
        let inserted = conn
            .transaction::<_, ApiError, _>(async |conn| {
                Ok(rapport_db::scheduling::insert(conn, &new).await?)
            })
            .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if host_busy(&e) && strict => {
                let day = recurrence::wall(tz, at).format("%Y-%m-%d %H:%M");
                return Err(ApiError::conflict(
                    Code::HostBusy,
                    format!("the host already has a session at {day} ({}), an occurrence of this series", s.time_zone),
                ));
            }
            Err(e) if host_busy(&e) => rapport_db::scheduling::insert(
                conn,
                &rapport_db::scheduling::NewSession {
                    status: Some(SessionStatus::Cancelled.as_str().to_string()),
                    cancel_reason: Some(
                        "The host already had a session at this time when this occurrence was made"
                            .into(),
                    ),
                    ..new
                },
            )
            .await?,
            Err(e) => return Err(e),
        };
        rapport_db::scheduling::set_participants(conn, ws, row.id, &people).await?;
        rapport_db::scheduling::set_groups(conn, ws, row.id, &groups).await?;
        made.push(row);
    }
    Ok(made)
}

/// A new series from the first session `first` and its recurrence, in
/// `default_zone` when the request names none: its row and its occurrences
/// a year ahead (422 for a rule or zone that cannot be read, or a rule that
/// makes no occurrence; 409 `host_busy` naming the first occurrence the
/// host cannot take). Nothing is written when it fails.
pub async fn create(
    conn: &mut Conn,
    first: &rapport_db::scheduling::NewSession,
    r: &rapport_domain::api::Recurrence,
    default_zone: &str,
    participants: &[Uuid],
    groups: &[Uuid],
) -> Result<(SeriesRow, Vec<SessionRow>), ApiError> {
    let zone_name = r.time_zone.as_deref().unwrap_or(default_zone);
    let tz = recurrence::zone(zone_name)
        .map_err(|e| ApiError::validation("recurrence.time_zone", FieldCode::Unknown, &e))?;
    let rule = recurrence::parse(&r.rrule)
        .map_err(|e| ApiError::validation("recurrence.rrule", FieldCode::Format, &e))?;
    let horizon = first.starts_at.max(Utc::now()) + recurrence::horizon();
    let mut exdates = r.exdates.clone();
    exdates.sort();
    exdates.dedup();
    let now = Utc::now();
    let s = SeriesRow {
        workspace_id: first.workspace_id,
        id: Uuid::now_v7(),
        rrule: rule.text(),
        time_zone: zone_name.to_string(),
        starts_local: recurrence::wall(tz, first.starts_at),
        duration_min: (first.ends_at - first.starts_at).num_minutes().max(1) as i32,
        exdates,
        ends_before: None,
        materialised_until: horizon,
        kind: first.kind.clone(),
        title: first.title.clone(),
        location: first.location.clone(),
        online_url: first.online_url.clone(),
        host_id: first.host_id,
        notes: first.notes.clone(),
        fee_minor: first.fee_minor,
        fee_currency: first.fee_currency.clone(),
        capacity: first.capacity,
        buffer_before_min: first.buffer_before_min,
        buffer_after_min: first.buffer_after_min,
        participant_ids: participants.to_vec(),
        group_ids: groups.to_vec(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    if starts_of(&s, first.starts_at, horizon)?.is_empty() {
        return Err(ApiError::validation(
            "recurrence.rrule",
            FieldCode::Range,
            "this rule makes no occurrence from starts_at on",
        ));
    }
    let s = rapport_db::scheduling::insert_series(conn, &s).await?;
    let made = materialise(conn, &s, first.starts_at, horizon, true).await?;
    Ok((s, made))
}

/// A series as it is now, with the occurrence of it that a request came
/// through.
pub struct Through {
    pub series: SeriesRow,
    pub occurrence: SessionRow,
}

/// Applies a change to the occurrences of a series from `t.occurrence` on
/// (`following`: the series is split there, unless it is its first) or to
/// all that have not begun. `shift` moves each by the same wall-clock time;
/// `duration_min` gives each a new length; `template` holds the fields every
/// occurrence takes. Occurrences changed on their own keep their changes.
/// Answers the occurrence the request came through, as it is after.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    conn: &mut Conn,
    ctx: &Ctx,
    t: Through,
    following: bool,
    shift: Duration,
    duration_min: Option<i32>,
    template: SessionChanges,
    people: Option<Vec<Uuid>>,
    groups: Option<Vec<Uuid>>,
) -> Result<SeriesRow, ApiError> {
    let ws = t.series.workspace_id;
    let before = t.series.clone();
    let tz = zone_of(&before)?;
    let pivot = t.occurrence.recurrence_id.unwrap_or(t.occurrence.starts_at);
    let first = recurrence::instant(tz, before.starts_local);
    let mut target = before.clone();
    let reset_people = people.is_some() || groups.is_some();
    apply(&mut target, &template, shift, duration_min, people, groups);
    let target = if following && pivot > first {
        // The series is split: the old one ends before this occurrence, a
        // new one takes this and the following (its COUNT what is left).
        let rule = rule_of(&before)?;
        let used = recurrence::count_before(&rule, tz, before.starts_local, pivot)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        let rest = rule.less(used).ok_or(ApiError::NotFound)?;
        let old = rapport_db::scheduling::save_series(
            conn,
            &SeriesRow {
                ends_before: Some(pivot),
                ..before.clone()
            },
        )
        .await?;
        ctx.changed(conn, ws, "updated", &before, &old).await?;
        let now = Utc::now();
        let new = SeriesRow {
            id: Uuid::now_v7(),
            rrule: rest.text(),
            starts_local: recurrence::wall(tz, pivot) + shift,
            created_at: now,
            updated_at: now,
            version: 1,
            ..target
        };
        let new = rapport_db::scheduling::insert_series(conn, &new).await?;
        rapport_db::scheduling::move_occurrences(conn, ws, before.id, new.id, pivot).await?;
        ctx.created(conn, ws, &new).await?;
        new
    } else {
        let target = rapport_db::scheduling::save_series(conn, &target).await?;
        ctx.changed(conn, ws, "updated", &before, &target).await?;
        target
    };
    reconcile(conn, ctx, &target, shift, reset_people).await?;
    Ok(target)
}

fn apply(
    s: &mut SeriesRow,
    c: &SessionChanges,
    shift: Duration,
    duration_min: Option<i32>,
    people: Option<Vec<Uuid>>,
    groups: Option<Vec<Uuid>>,
) {
    s.starts_local += shift;
    if let Some(d) = duration_min {
        s.duration_min = d;
    }
    if let Some(v) = &c.kind {
        s.kind = v.clone();
    }
    if let Some(v) = &c.title {
        s.title = v.clone();
    }
    if let Some(v) = &c.location {
        s.location = v.clone();
    }
    if let Some(v) = &c.online_url {
        s.online_url = v.clone();
    }
    if let Some(v) = c.host_id {
        s.host_id = v;
    }
    if let Some(v) = &c.notes {
        s.notes = v.clone();
    }
    if let Some(v) = c.fee_minor {
        s.fee_minor = v;
    }
    if let Some(v) = &c.fee_currency {
        s.fee_currency = v.clone();
    }
    if let Some(v) = c.capacity {
        s.capacity = v;
    }
    if let Some(v) = c.buffer_before_min {
        s.buffer_before_min = v;
    }
    if let Some(v) = c.buffer_after_min {
        s.buffer_after_min = v;
    }
    if let Some(p) = people {
        s.participant_ids = p;
    }
    if let Some(g) = groups {
        s.group_ids = g;
    }
}

/// Makes the occurrences of `s` that have not begun what it says: each
/// one not changed on its own takes its fields and its time (its original
/// start moved by `shift`) and, when `reset_people`, its people and groups
/// (else those booked on it stay); those the rule no longer has are
/// deleted (audited), and those it now has are made. Moves go from the far
/// end, so that no occurrence runs into one not yet moved. The rows are
/// locked before the host, as a single change locks its row first.
async fn reconcile(
    conn: &mut Conn,
    ctx: &Ctx,
    s: &SeriesRow,
    shift: Duration,
    reset_people: bool,
) -> Result<(), ApiError> {
    let ws = s.workspace_id;
    let tz = zone_of(s)?;
    let now = Utc::now();
    let coming = rapport_db::scheduling::coming_occurrences(
        conn,
        ws,
        s.id,
        DateTime::<Utc>::UNIX_EPOCH,
        now,
    )
    .await?;
    if let Some(host) = s.host_id {
        rapport_db::scheduling::hold_host(conn, ws, host).await?;
    }
    let wanted = starts_of(s, now, s.materialised_until)?;
    let moved = |o: &SessionRow| {
        let rid = o.recurrence_id.unwrap_or(o.starts_at);
        recurrence::instant(tz, recurrence::wall(tz, rid) + shift)
    };
    let (mut plain, exceptions): (Vec<SessionRow>, Vec<SessionRow>) = coming
        .into_iter()
        .partition(|o| !o.exception && o.status != SessionStatus::Cancelled);
    let mut plain: Vec<(SessionRow, DateTime<Utc>)> = plain
        .drain(..)
        .map(|o| {
            let m = moved(&o);
            (o, m)
        })
        .collect();
    // The ones the rule no longer has go first.
    let mut kept = vec![];
    for (o, moved) in plain.drain(..) {
        if wanted.contains(&moved) {
            kept.push((o, moved));
        } else {
            let gone = super::Session::of(conn, o).await?;
            rapport_db::scheduling::delete(conn, ws, gone.row.id).await?;
            ctx.removed(conn, ws, "deleted", &gone).await?;
        }
    }
    if shift > Duration::zero() {
        kept.reverse();
    }
    let (people, groups) = live_template(conn, s).await?;
    for (o, moved) in kept {
        let changes = SessionChanges {
            starts_at: Some(moved),
            ends_at: Some(moved + Duration::minutes(s.duration_min as i64)),
            recurrence_id: Some(Some(moved)),
            ..s.fields()
        };
        if changes.changes_anything(&o) {
            rapport_db::scheduling::update(conn, ws, o.id, o.version, &changes)
                .await?
                .current()?;
        }
        if reset_people {
            rapport_db::scheduling::set_participants(conn, ws, o.id, &people).await?;
            rapport_db::scheduling::set_groups(conn, ws, o.id, &groups).await?;
        }
        for gone in rapport_db::scheduling::drop_stray_attendance(conn, ws, o.id).await? {
            ctx.removed(conn, ws, "deleted", &gone).await?;
        }
    }
    // An occurrence changed on its own keeps its changes, and is still the
    // occurrence it was: its original start moves with the series, so
    // that the series does not make it again.
    if shift != Duration::zero() {
        for o in exceptions {
            let changes = SessionChanges {
                recurrence_id: Some(Some(moved(&o))),
                ..Default::default()
            };
            rapport_db::scheduling::update(conn, ws, o.id, o.version, &changes)
                .await?
                .current()?;
        }
    }
    materialise(conn, s, now, s.materialised_until, true).await?;
    Ok(())
}

/// Cancels, with `reason`, every occurrence of `t.series` from
/// `t.occurrence` on (`following`) or every one (`all`) that has not begun,
/// exceptions included, and ends the series there: no more are made.
/// Each cancellation is audited and announced.
pub async fn cancel(
    conn: &mut Conn,
    ctx: &Ctx,
    t: &Through,
    following: bool,
    reason: &str,
) -> Result<(), ApiError> {
    let ws = t.series.workspace_id;
    let now = Utc::now();
    let pivot = match following {
        true => t.occurrence.recurrence_id.unwrap_or(t.occurrence.starts_at),
        false => DateTime::<Utc>::UNIX_EPOCH,
    };
    let ends = t
        .series
        .ends_before
        .map_or(pivot.max(now), |e| e.min(pivot.max(now)));
    let ended = rapport_db::scheduling::save_series(
        conn,
        &SeriesRow {
            ends_before: Some(ends),
            ..t.series.clone()
        },
    )
    .await?;
    ctx.changed(conn, ws, "updated", &t.series, &ended).await?;
    let coming =
        rapport_db::scheduling::coming_occurrences(conn, ws, t.series.id, pivot, now).await?;
    // Those in it are told once, of the first occurrence cancelled and
    // those after it, not once per occurrence.
    let mut first = None;
    for o in coming {
        if o.status == SessionStatus::Cancelled {
            continue;
        }
        let before = super::Session::of(conn, o).await?;
        let changes = SessionChanges {
            status: Some(SessionStatus::Cancelled.as_str().to_string()),
            cancel_reason: Some(Some(reason.to_string())),
            ..Default::default()
        };
        let after = before
            .change_telling(conn, ctx, "cancelled", &changes, false)
            .await?;
        first.get_or_insert(after.row);
    }
    if let Some(first) = first {
        super::tell_cancelled_from(conn, ctx, &first, true).await?;
    }
    Ok(())
}

/// A series: its rule, its zone and what each occurrence is. Its
/// occurrences are `GET /sessions?series_id=`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The series' id")),
    responses((status = 200, description = "The series", body = SeriesView)),
    security(("bearer" = ["sessions:write"]), ("api_key" = ["sessions:write"]))
)]
#[get("/sessions/series/{id}")]
pub async fn read(
    mut db: Db,
    caller: Authz<perm::SessionsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<Json<SeriesView>> {
    let conn = db.conn().await?;
    let s = rapport_db::scheduling::find_series(conn, caller.workspace_id(), id.into_inner())
        .await?
        .found()?;
    Ok(Json(view(&s)))
}

/// Keeps every series' occurrences a rolling year ahead.
#[derive(Debug, Serialize, Deserialize)]
pub struct Extend {}

impl Job for Extend {
    const NAME: &'static str = "sessions.extend";

    async fn run(self, ctx: JobCtx<'_>) -> anyhow::Result<()> {
        let conn = ctx.conn;
        let mut made = 0usize;
        loop {
            let horizon = Utc::now() + recurrence::horizon();
            // Extended a week past the year at a time, so that a series is
            // taken up again only once a week.
            let batch =
                rapport_db::scheduling::series_to_extend(conn, horizon - Duration::days(7), 100)
                    .await?;
            if batch.is_empty() {
                break;
            }
            for (ws, id) in batch {
                let n = conn
                    .transaction::<_, ApiError, _>(async |conn| {
                        let Some(s) = rapport_db::scheduling::lock_series(conn, ws, id).await?
                        else {
                            return Ok(0);
                        };
                        let rows =
                            materialise(conn, &s, s.materialised_until, horizon, false).await?;
                        rapport_db::scheduling::save_series(
                            conn,
                            &SeriesRow {
                                materialised_until: horizon,
                                ..s
                            },
                        )
                        .await?;
                        Ok(rows.len())
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("extending series {id}: {e:?}"))?;
                made += n;
            }
        }
        tracing::info!(made, "extended the series of sessions");
        Ok(())
    }
}

/// The module's job kinds.
pub fn jobs(r: &mut Registry) {
    r.register::<Extend>();
}

/// The module's recurring jobs.
pub fn schedules(s: &mut Vec<Schedule>) {
    s.push(Schedule::every(
        "sessions.extend",
        Duration::hours(6),
        CatchUp::Latest,
        |_| Extend {},
    ));
}
