//! `jsonb` read as text, for answers that pass a document through untouched.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use rapport_domain::json::RawJson;

/// A `jsonb` column as its text: checked to be JSON, never built in memory.
#[derive(Debug, Clone, FromSqlRow)]
pub struct RawJsonb(pub RawJson);

impl FromSql<Jsonb, Pg> for RawJsonb {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        // The binary form of jsonb is a version byte, 1, then the text.
        match value.as_bytes().split_first() {
            Some((1, text)) => Ok(Self(RawJson::from_slice(text)?)),
            _ => Err("unsupported jsonb encoding".into()),
        }
    }
}

impl std::ops::Deref for RawJsonb {
    type Target = RawJson;
    fn deref(&self) -> &RawJson {
        &self.0
    }
}
