//! Rapport's PostgreSQL layer: the diesel schema, one module per record with
//! its models and queries, the pool, the migration runner and the helper that
//! gives each test a database of its own.

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod branches;
pub mod custom_fields;
pub mod dashboards;
pub mod events;
pub mod explain;
pub mod export;
pub mod finance;
pub mod groups;
pub mod idempotency;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod json;
pub mod ledger;
pub mod list;
pub mod mail;
pub mod medals;
pub mod members;
pub mod messaging;
pub mod notes;
pub mod organizations;
pub mod payments;
pub mod people;
pub mod prefix;
pub mod privacy;
pub mod rate_limits;
pub mod record;
pub mod scheduling;
pub mod schema;
pub mod scope;
pub mod search;
pub mod session_logs;
pub mod store;
pub mod testdb;
pub mod tokens;
pub mod users;
pub mod workspaces;

use diesel_async::pooled_connection::bb8;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use sha2::{Digest, Sha256};
use std::time::Duration;

pub use diesel_async::AsyncPgConnection as Conn;

diesel::define_sql_function!(
    /// `lower(text)`: what indexes on a lower-cased column are built on.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);
diesel::define_sql_function!(
    /// `rapport_fold(text)`: lower case by Unicode's rules (ICU), whatever
    /// the database's locale, as Rust's `to_lowercase`; what the indexes of
    /// names' starts are built on.
    fn rapport_fold(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);
diesel::define_sql_function!(
    /// `lower(text)` of a column that may be null.
    #[sql_name = "lower"]
    fn lower_nullable(
        x: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>
);

pub type Pool = bb8::Pool<AsyncPgConnection>;
/// A connection that holds the pool rather than borrowing it.
pub type OwnedConn = bb8::PooledConnection<'static, AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// A pool of `size` connections to `url`.
pub async fn pool(url: &str, size: u32) -> anyhow::Result<Pool> {
    Ok(builder(size)
        .min_idle(Some(1.min(size)))
        .build(manager(url))
        .await?)
}

/// What every connection sets when it opens: how alike a name must be to a
/// search's text to be found despite a typo (`<%`, pg_trgm's default 0.6
/// misses a letter left out of a short name).
const SESSION_SETTINGS: &str = "SET pg_trgm.word_similarity_threshold = 0.5";

/// Opens connections to `url` with [`SESSION_SETTINGS`].
fn manager(url: &str) -> AsyncDieselConnectionManager<AsyncPgConnection> {
    use diesel_async::pooled_connection::ManagerConfig;
    use futures::FutureExt;
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(|url| {
        let url = url.to_string();
        async move {
            use diesel_async::{AsyncConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.batch_execute(SESSION_SETTINGS)
                .await
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(conn)
        }
        .boxed()
    });
    AsyncDieselConnectionManager::new_with_config(url, config)
}

/// What every pool shares.
fn builder(size: u32) -> ::bb8::Builder<AsyncDieselConnectionManager<AsyncPgConnection>> {
    bb8::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        // No ping on checkout: a connection the server closed is seen as
        // broken without one, and a ping doubles every request's round trips.
        .test_on_check_out(false)
}

/// A pool of at most `size` connections to `url` that opens them on first
/// use, in the runtime of the thread that builds it: an HTTP worker builds its
/// own, so its queries never hop to another thread and back.
pub fn local_pool(url: &str, size: u32) -> Pool {
    builder(size).build_unchecked(manager(url))
}

/// Applies every pending migration. Blocking: call it from `spawn_blocking`.
pub fn run_migrations_blocking(url: &str) -> anyhow::Result<Vec<String>> {
    use diesel::Connection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(url)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

pub async fn run_migrations(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || run_migrations_blocking(&url)).await?
}

/// Refreshes the planner's statistics of every table. A bulk load (the
/// demo's) calls it between its steps: a table filled in the same
/// transaction otherwise looks empty to the planner, whose plans then scan.
pub async fn analyze(conn: &mut Conn) -> diesel::QueryResult<()> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute("ANALYZE").await
}

/// SHA-256, the one digest used for tokens, keys and the audit chain.
pub fn sha256(bytes: impl AsRef<[u8]>) -> Vec<u8> {
    Sha256::digest(bytes.as_ref()).to_vec()
}

/// Whether a database error is a unique violation (a conflict the caller can name).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// `version = expected`, or true when no version was given (no `If-Match`).
pub fn version_matches<C>(
    column: C,
    expected: Option<i32>,
) -> diesel::dsl::Or<diesel::dsl::Eq<C, i32>, diesel::dsl::AsExprOf<bool, diesel::sql_types::Bool>>
where
    C: diesel::ExpressionMethods + diesel::Expression<SqlType = diesel::sql_types::Integer>,
{
    use diesel::{BoolExpressionMethods, IntoSql};
    column
        .eq(expected.unwrap_or(0))
        .or(expected.is_none().into_sql::<diesel::sql_types::Bool>())
}

/// A statement the connection prepares once and reuses. Diesel prepares anew
/// on every call (a second round trip, a parse and a plan) any statement it
/// cannot prove to have one text: a `sql_query`, an SQL literal, an insert
/// of optional columns. Kept prepared, each text stays in the connection's
/// cache (and its plan in PostgreSQL) for the connection's life, so wrap
/// only queries whose text takes a small, fixed number of forms: values go
/// as bind parameters, never into the text, and no list of values adds a
/// term per value.
pub struct Prepared<Q>(pub Q);

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Prepared<Q>
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// [`diesel::sql_query`] of a fixed text, kept prepared on its connection
/// ([`Prepared`]). The text is `'static`, so that no value can be written
/// into it: values go as bind parameters.
pub fn sql_query<'f>(
    text: &'static str,
) -> Prepared<
    diesel::query_builder::BoxedSqlQuery<'f, diesel::pg::Pg, diesel::query_builder::SqlQuery>,
> {
    Prepared(diesel::sql_query(text).into_boxed())
}

impl<'f, Q> Prepared<diesel::query_builder::BoxedSqlQuery<'f, diesel::pg::Pg, Q>> {
    /// The next bind parameter, as [`diesel::query_builder::SqlQuery::bind`].
    pub fn bind<ST, V>(self, value: V) -> Self
    where
        diesel::pg::Pg: diesel::sql_types::HasSqlType<ST>,
        V: diesel::serialize::ToSql<ST, diesel::pg::Pg> + Send + 'f,
        ST: Send + 'f,
    {
        Prepared(self.0.bind::<ST, V>(value))
    }
}

/// Columns that hold a closed set (roles, templates, modules): read into the
/// domain's types, where a value outside the set is an error, never a default.
pub mod closed {
    use diesel::deserialize::{self, FromSql, FromSqlRow};
    use diesel::pg::{Pg, PgValue};
    use diesel::sql_types::{Array, Text};
    use rapport_domain::{Module, Role, Template};

    /// Reads a text value of a closed set.
    pub fn parse<T: std::str::FromStr>(set: &str, value: &str) -> deserialize::Result<T> {
        value
            .parse()
            .map_err(|_| format!("`{value}` is not a known {set}").into())
    }

    macro_rules! closed_text {
        ($name:ident, $ty:ty, $set:literal) => {
            #[derive(Debug, FromSqlRow)]
            pub struct $name(pub $ty);

            impl FromSql<Text, Pg> for $name {
                fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                    let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                    parse(&$set, &s).map($name)
                }
            }

            impl From<$name> for $ty {
                fn from(v: $name) -> $ty {
                    v.0
                }
            }
        };
    }

    closed_text!(RoleText, Role, "role");
    closed_text!(
        ConversationKindText,
        rapport_domain::messaging::ConversationKind,
        "conversation kind"
    );
    closed_text!(
        MessageKindText,
        rapport_domain::messaging::MessageKind,
        "message kind"
    );
    closed_text!(TemplateText, Template, "template");
    closed_text!(
        FieldRecordText,
        rapport_domain::custom_fields::FieldRecord,
        "custom field record"
    );
    closed_text!(
        FieldKindText,
        rapport_domain::custom_fields::FieldKind,
        "custom field kind"
    );
    closed_text!(
        NoteRecordText,
        rapport_domain::notes::NoteRecord,
        "note record"
    );
    closed_text!(
        SessionKindText,
        rapport_domain::scheduling::SessionKind,
        "session kind"
    );
    closed_text!(
        AttendanceStatusText,
        rapport_domain::scheduling::AttendanceStatus,
        "attendance status"
    );
    closed_text!(
        SessionStatusText,
        rapport_domain::scheduling::SessionStatus,
        "session status"
    );
    closed_text!(
        OrderStatusText,
        rapport_domain::store::OrderStatus,
        "order status"
    );
    closed_text!(RateUnitText, rapport_domain::finance::RateUnit, "rate unit");
    closed_text!(
        PaymentMethodText,
        rapport_domain::payments::PaymentMethod,
        "payment method"
    );
    closed_text!(
        GroupKindText,
        rapport_domain::groups::GroupKind,
        "group kind"
    );
    closed_text!(
        ImportRecordText,
        rapport_domain::imports::ImportRecord,
        "import record"
    );
    closed_text!(
        ImportStatusText,
        rapport_domain::imports::ImportStatus,
        "import status"
    );
    closed_text!(
        PersonStatusText,
        rapport_domain::people::PersonStatus,
        "person status"
    );

    /// A workspace's modules.
    #[derive(Debug, FromSqlRow)]
    pub struct ModulesText(pub Vec<Module>);

    impl FromSql<Array<Text>, Pg> for ModulesText {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            let names = <Vec<String> as FromSql<Array<Text>, Pg>>::from_sql(bytes)?;
            names
                .iter()
                .map(|n| parse("module", n))
                .collect::<deserialize::Result<_>>()
                .map(ModulesText)
        }
    }

    impl From<ModulesText> for Vec<Module> {
        fn from(v: ModulesText) -> Vec<Module> {
            v.0
        }
    }
}
