//! Medals: bronze, silver and gold on the ledger. Teachers award them by
//! hand within monthly limits (per teacher, student and medal, and a cap
//! per student, counted in the workspace's time zone and held under a lock
//! per student, so that fifty awards at once never pass them); a student
//! present at a lesson gets a bronze once, taken back when the register is
//! corrected; students exchange bronze for silver at the workspace's rate.

pub mod allowance;
pub mod award;
pub mod exchange;
pub mod settings;

use crate::error::ApiError;
use crate::extract::Ctx;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use rapport_db::Conn;
use rapport_domain::api::{AttendanceStatus, Medal};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(settings::read)
        .service(settings::write)
        .service(award::award)
        .service(allowance::allowance)
        .service(exchange::exchange);
}

/// The calendar month around `now` in time zone `zone`: from its first
/// day's midnight to the next month's, as instants.
pub fn month_of(zone: &str, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = crate::scheduling::recurrence::zone(zone).unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let next = if today.month() == 12 {
        NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)
    }
    .unwrap_or(today);
    let at = |d: NaiveDate| crate::scheduling::recurrence::instant(tz, d.and_time(NaiveTime::MIN));
    (at(first), at(next))
}

/// After a line of a register is recorded as `status`: a student present
/// has one bronze for the lesson, once however often the register is
/// saved; one no longer present has it taken back (unless it was spent:
/// then it stays, and the register is still corrected). Only where the
/// workspace has medals and gives them for attendance.
pub async fn on_attendance(
    conn: &mut Conn,
    ctx: &Ctx,
    ws: Uuid,
    session_id: Uuid,
    person_id: Uuid,
    status: AttendanceStatus,
) -> Result<(), ApiError> {
    use diesel_async::AsyncConnection;
    if !rapport_db::medals::settings(conn, ws)
        .await?
        .attendance_bronze
    {
        return Ok(());
    }
    let cause = format!("{session_id}:{person_id}");
    let given = rapport_db::medals::attendance_bronze(conn, ws, &cause).await?;
    match (status == AttendanceStatus::Present, given) {
        (true, None) => {
            // Nobody earns medals once deleted.
            let live =
                rapport_db::people::find(conn, &crate::extract::Scope::Workspace(ws), person_id)
                    .await?
                    .is_some_and(|p| p.deleted_at.is_none());
            if !live {
                return Ok(());
            }
            super::ledger::post(
                conn,
                ctx,
                ws,
                super::ledger::Posting {
                    person_id,
                    amount_minor: 1,
                    currency: Medal::Bronze.currency(),
                    reason: "Present at a lesson",
                    cause: Some((rapport_db::medals::ATTENDANCE.into(), cause)),
                    corrects: None,
                },
            )
            .await?;
        }
        (false, Some(entry)) => {
            // In a savepoint: a bronze already spent stays, and the
            // register's correction goes through all the same.
            let taken = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    super::ledger::post(
                        conn,
                        ctx,
                        ws,
                        super::ledger::Posting {
                            person_id,
                            amount_minor: -1,
                            currency: Medal::Bronze.currency(),
                            reason: "No longer marked present",
                            cause: Some((rapport_db::medals::ATTENDANCE.into(), cause)),
                            corrects: Some(entry),
                        },
                    )
                    .await
                })
                .await;
            match taken {
                Ok(_) | Err(ApiError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_counted_in_the_workspaces_zone() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 1 December 01:00 in Auckland is still 30 November in UTC.
        let (from, to) = month_of("Pacific/Auckland", at("2026-11-30T12:00:00Z"));
        assert_eq!(from, at("2026-11-30T11:00:00Z"));
        assert_eq!(to, at("2026-12-31T11:00:00Z"));
        let (from, to) = month_of("UTC", at("2026-12-31T23:59:59Z"));
        assert_eq!(
            (from, to),
            (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
        );
        let (from, _) = month_of("Europe/Paris", at("2027-03-31T22:30:00Z"));
        assert_eq!(
            from,
            at("2027-03-31T22:00:00Z"),
            "April starts at midnight summer time"
        );
    }
}
