//! What every kind of record that is deleted softly shares: a row locked
//! before a change, a change on condition of the version, deletion and
//! restoration as a stamp, and the purge 30 days later.
//!
//! A module writes its rows, its list and its `find` (which applies its
//! visibility rule), then calls [`soft_deleted!`] for the rest:
//!
//! ```ignore
//! crate::soft_deleted!(people, PersonRow, PersonChanges);
//! ```

/// How long a deleted record can be restored before it is purged.
pub const KEPT_DELETED_DAYS: i64 = 30;

/// `lock`, `update`, `set_deleted` and `purge` for the table `$table`
/// (with `workspace_id`, `id`, `version`, `updated_at` and `deleted_at`),
/// its row type `$Row` and its changeset `$Changes`. The module's own
/// `find(conn, scope, id)` must be in scope.
#[macro_export]
macro_rules! soft_deleted {
    ($table:ident, $Row:ty, $Changes:ty) => {
        /// A record of workspace `ws` that `scope` may see, locked until the
        /// transaction ends: the state a change starts from. The lock is
        /// `FOR NO KEY UPDATE`, so rows that refer to the record (a person
        /// of an organisation being edited) are not held up by it.
        pub async fn lock(
            conn: &mut diesel_async::AsyncPgConnection,
            ws: uuid::Uuid,
            scope: &$crate::scope::Scope,
            id: uuid::Uuid,
        ) -> diesel::QueryResult<Option<$Row>> {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;
            let locked: Option<uuid::Uuid> = $crate::schema::$table::table
                .filter($crate::schema::$table::workspace_id.eq(ws))
                .filter($crate::schema::$table::id.eq(id))
                .select($crate::schema::$table::id)
                .for_no_key_update()
                .first(conn)
                .await
                .optional()?;
            match locked {
                Some(_) => find(conn, scope, id).await,
                None => Ok(None),
            }
        }

        /// The live records `ids` of workspace `ws` that `scope` may see,
        /// locked in the order of their ids, so that two actions on many
        /// records at once never deadlock.
        pub async fn lock_many(
            conn: &mut diesel_async::AsyncPgConnection,
            ws: uuid::Uuid,
            scope: &$crate::scope::Scope,
            ids: &[uuid::Uuid],
        ) -> diesel::QueryResult<Vec<$Row>> {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;
            use $crate::schema::$table as t;
            let locked: Vec<uuid::Uuid> = t::table
                .filter(t::workspace_id.eq(ws))
                .filter(t::id.eq_any(ids))
                .filter(t::deleted_at.is_null())
                .order(t::id)
                .select(t::id)
                .for_no_key_update()
                .load(conn)
                .await?;
            visible(scope)
                .filter(t::id.eq_any(locked))
                .filter(t::deleted_at.is_null())
                .order(t::id)
                .load(conn)
                .await
        }

        /// Applies `changes` to a live record at `version`; `None` when the
        /// version moved on (or the record is gone).
        pub async fn update(
            conn: &mut diesel_async::AsyncPgConnection,
            ws: uuid::Uuid,
            id: uuid::Uuid,
            version: i32,
            changes: &$Changes,
        ) -> diesel::QueryResult<Option<$Row>> {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;
            use $crate::schema::$table as t;
            diesel::update(t::table)
                .filter(t::workspace_id.eq(ws))
                .filter(t::id.eq(id))
                .filter(t::version.eq(version))
                .filter(t::deleted_at.is_null())
                .set((
                    changes,
                    t::version.eq(t::version + 1),
                    t::updated_at.eq(diesel::dsl::now),
                ))
                .returning(<$Row>::as_returning())
                .get_result(conn)
                .await
                .optional()
        }

        /// Deletes (`true`) or restores (`false`) a record at `version`.
        pub async fn set_deleted(
            conn: &mut diesel_async::AsyncPgConnection,
            ws: uuid::Uuid,
            id: uuid::Uuid,
            version: i32,
            deleted: bool,
        ) -> diesel::QueryResult<Option<$Row>> {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;
            use $crate::schema::$table as t;
            let when: Option<chrono::DateTime<chrono::Utc>> = deleted.then(chrono::Utc::now);
            diesel::update(t::table)
                .filter(t::workspace_id.eq(ws))
                .filter(t::id.eq(id))
                .filter(t::version.eq(version))
                .set((
                    t::deleted_at.eq(when),
                    t::version.eq(t::version + 1),
                    t::updated_at.eq(diesel::dsl::now),
                ))
                .returning(<$Row>::as_returning())
                .get_result(conn)
                .await
                .optional()
        }

        /// Removes for good the records deleted more than
        /// [`KEPT_DELETED_DAYS`]($crate::record::KEPT_DELETED_DAYS) ago.
        pub async fn purge(
            conn: &mut diesel_async::AsyncPgConnection,
        ) -> diesel::QueryResult<usize> {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;
            use $crate::schema::$table as t;
            let before =
                chrono::Utc::now() - chrono::Duration::days($crate::record::KEPT_DELETED_DAYS);
            diesel::delete(t::table)
                .filter(t::deleted_at.lt(before))
                .execute(conn)
                .await
        }
    };
}
