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
    pub locked_until: Option<DateTime<Utc>>,
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

/// Counts a failed sign-in; the fifth within `window` locks the account for `lock`.
/// One statement, so concurrent failures all count. Returns the lock's end, if locked.
pub async fn record_failed_login(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    max_failures: i32,
    window_secs: i64,
    lock_secs: i64,
) -> QueryResult<Option<DateTime<Utc>>> {
    use diesel::sql_types::{BigInt, Integer, Nullable, Timestamptz};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<Timestamptz>)]
        locked_until: Option<DateTime<Utc>>,
    }
    let row: Row = diesel::sql_query(
        "UPDATE users SET
            failed_logins = CASE WHEN first_failed_at IS NULL OR first_failed_at < now() - make_interval(secs => $2)
                                 THEN 1 ELSE failed_logins + 1 END,
            first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at < now() - make_interval(secs => $2)
                                 THEN now() ELSE first_failed_at END,
            locked_until = CASE WHEN (CASE WHEN first_failed_at IS NULL OR first_failed_at < now() - make_interval(secs => $2)
                                 THEN 1 ELSE failed_logins + 1 END) >= $3
                                 THEN now() + make_interval(secs => $4) ELSE locked_until END
         WHERE id = $1
         RETURNING locked_until",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<BigInt, _>(window_secs)
    .bind::<Integer, _>(max_failures)
    .bind::<BigInt, _>(lock_secs)
    .get_result(conn)
    .await?;
    Ok(row.locked_until.filter(|t| *t > Utc::now()))
}

pub async fn clear_failed_logins(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(
        users::table.find(id).filter(
            users::failed_logins
                .ne(0)
                .or(users::locked_until.is_not_null()),
        ),
    )
    .set((
        users::failed_logins.eq(0),
        users::first_failed_at.eq(None::<DateTime<Utc>>),
        users::locked_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn set_password(conn: &mut AsyncPgConnection, id: Uuid, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
            users::version.eq(users::version + 1),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
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
