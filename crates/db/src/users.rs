use crate::schema::users;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

impl User {
    pub fn view(&self) -> rapport_domain::api::UserView {
        rapport_domain::api::UserView {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// E-mail addresses are kept trimmed and lower-cased, so that one person is one account.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The key failed password checks are counted under: a digest of the address,
/// so that addresses without an account are not kept in clear.
pub fn address_key(email: &str) -> Vec<u8> {
    crate::sha256(normalize_email(email))
}

/// When the address is locked, the end of the lock.
pub async fn locked_until(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    use crate::schema::password_failures as f;
    let until: Option<Option<DateTime<Utc>>> = f::table
        .find(address_key(email))
        .select(f::locked_until)
        .first(conn)
        .await
        .optional()?;
    Ok(until.flatten().filter(|t| *t > Utc::now()))
}

/// What a password attempt may do, decided before any hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The address is locked until then: refuse without checking.
    Locked(DateTime<Utc>),
    /// Counted as a failure in advance (a right password clears it); when this
    /// attempt is the one that reaches the limit, the lock it set.
    Counted(Option<DateTime<Utc>>),
}

/// Counts a password attempt for an address, whether or not it has an
/// account, before the password is checked: so that attempts made at once all
/// count, and the one that reaches `max_failures` within `window` locks the
/// address for `lock`. One statement. A locked address is not counted.
pub async fn begin_password_attempt(
    conn: &mut AsyncPgConnection,
    email: &str,
    max_failures: i32,
    window_secs: i64,
    lock_secs: i64,
) -> QueryResult<Attempt> {
    use diesel::sql_types::{BigInt, Binary, Integer, Nullable, Timestamptz};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<Timestamptz>)]
        locked_until: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = crate::sql_query(
        "INSERT INTO password_failures AS f (address_hash, failures, first_failed_at, locked_until)
         VALUES ($1, 1, now(), CASE WHEN 1 >= $3 THEN now() + make_interval(secs => $4) END)
         ON CONFLICT (address_hash) DO UPDATE SET
            failures = CASE WHEN f.first_failed_at < now() - make_interval(secs => $2)
                            THEN 1 ELSE f.failures + 1 END,
            first_failed_at = CASE WHEN f.first_failed_at < now() - make_interval(secs => $2)
                            THEN now() ELSE f.first_failed_at END,
            locked_until = CASE WHEN (CASE WHEN f.first_failed_at < now() - make_interval(secs => $2)
                            THEN 1 ELSE f.failures + 1 END) >= $3
                            THEN now() + make_interval(secs => $4) END
         WHERE f.locked_until IS NULL OR f.locked_until <= now()
         RETURNING locked_until",
    )
    .bind::<Binary, _>(address_key(email))
    .bind::<BigInt, _>(window_secs)
    .bind::<Integer, _>(max_failures)
    .bind::<BigInt, _>(lock_secs)
    .get_result(conn)
    .await
    .optional()?;
    match row {
        Some(r) => Ok(Attempt::Counted(r.locked_until)),
        None => Ok(Attempt::Locked(
            locked_until(conn, email)
                .await?
                .unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(1)),
        )),
    }
}

/// Drops failure counts that no longer matter (a day old and not locked).
pub async fn prune_password_failures(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    use crate::schema::password_failures as f;
    diesel::delete(
        f::table
            .filter(f::first_failed_at.lt(Utc::now() - chrono::Duration::days(1)))
            .filter(f::locked_until.is_null().or(f::locked_until.lt(Utc::now()))),
    )
    .execute(conn)
    .await
}

/// Forgets the failures of an address (a correct password, or a reset).
pub async fn clear_failed_passwords(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    use crate::schema::password_failures as f;
    diesel::delete(f::table.find(address_key(email)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Sets a new password. Any pending reset link of the user stops working, and
/// the lock of the address (an attacker's failed guesses) is lifted.
pub async fn set_password(conn: &mut AsyncPgConnection, id: Uuid, hash: &str) -> QueryResult<()> {
    let email: String = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
            users::version.eq(users::version + 1),
        ))
        .returning(users::email)
        .get_result(conn)
        .await?;
    crate::tokens::void_resets(conn, id).await?;
    clear_failed_passwords(conn, &email).await
}

pub async fn set_name(conn: &mut AsyncPgConnection, id: Uuid, name: &str) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::updated_at.eq(diesel::dsl::now),
            users::version.eq(users::version + 1),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}
