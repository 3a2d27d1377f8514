//! Organisations: companies and client companies.

use crate::schema::organizations;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Whether workspace `ws` has a live (not deleted) organisation `id`.
pub async fn is_live(conn: &mut AsyncPgConnection, ws: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table
            .filter(organizations::workspace_id.eq(ws))
            .filter(organizations::id.eq(id))
            .filter(organizations::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization<'a> {
    pub workspace_id: Uuid,
    pub id: Uuid,
    pub name: &'a str,
    pub domain: Option<&'a str>,
    pub industry: Option<&'a str>,
}

pub async fn insert(conn: &mut AsyncPgConnection, o: &NewOrganization<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(organizations::table)
        .values(o)
        .returning(organizations::id)
        .get_result(conn)
        .await
}

/// Removes for good the organisations deleted more than
/// [`crate::people::KEPT_DELETED_DAYS`] ago.
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let before = Utc::now() - chrono::Duration::days(crate::people::KEPT_DELETED_DAYS);
    diesel::delete(organizations::table)
        .filter(organizations::deleted_at.lt(before))
        .execute(conn)
        .await
}
