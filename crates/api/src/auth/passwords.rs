//! The one way a password is checked. Sign-in, accepting an invitation as an
//! existing account and changing one's password all come here, so that each
//! is under the same per-address rate limit and the same lockout, and none
//! tells an address with an account from one without.

use crate::auth::secrets;
use crate::error::ApiError;
use crate::extract::Db;
use crate::state::AppState;
use rapport_db::users::{Attempt, User};

/// What a password check found.
pub enum Checked {
    /// The password is the account's.
    Right(User),
    /// Wrong password, or no account with this address: the caller answers the same for both.
    Wrong,
}

fn locked(until: chrono::DateTime<chrono::Utc>) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: (until - chrono::Utc::now()).num_seconds().max(1) as u64,
        detail: "too many failed attempts for this address; it is locked for a while \
                 (a password reset lifts the lock)"
            .into(),
        limit: None,
    }
}

/// Checks `password` for the account of `email`. Counts toward the
/// per-address limit of password checks, and counts the attempt toward the
/// lockout before hashing anything (so attempts made at once all count; a
/// right password clears the count), whether or not the address has an
/// account. A locked address is refused without a check.
///
/// Gives the request's connection back while the password is hashed.
pub async fn check(
    state: &AppState,
    db: &mut Db,
    client_ip: Option<&str>,
    email: &str,
    password: String,
) -> Result<Checked, ApiError> {
    let config = &state.config;
    let (user, attempt) = {
        let conn = db.conn().await?;
        let ip = client_ip.unwrap_or("unknown");
        if let Err(info) =
            crate::ratelimit::hit(conn, &format!("password:{ip}"), config.auth_rate_per_min).await?
        {
            return Err(info.refused(format!(
                "at most {} password checks a minute from one address",
                info.limit
            )));
        }
        let attempt = rapport_db::users::begin_password_attempt(
            conn,
            email,
            config.login_max_failures,
            config.login_window_secs,
            config.login_lock_secs,
        )
        .await?;
        if let Attempt::Locked(until) = attempt {
            return Err(locked(until));
        }
        (
            rapport_db::users::find_by_email(conn, email).await?,
            attempt,
        )
    };
    db.release();
    let right = secrets::verify_password(
        state,
        password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    match (user, attempt) {
        (Some(user), _) if right => {
            rapport_db::users::clear_failed_passwords(db.conn().await?, email).await?;
            Ok(Checked::Right(user))
        }
        (_, Attempt::Counted(Some(until))) => Err(locked(until)),
        _ => Ok(Checked::Wrong),
    }
}
