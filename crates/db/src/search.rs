//! What the searches of each kind of record share: the SQL of
//! `migrations/*_search` as diesel expressions. A kind's search keeps the
//! records it may show that [`found!`] finds, best [`score!`] first, over
//! the same text as its index.

use diesel::pg::Pg;
use diesel::sql_types::Text;

#[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(name = "tsvector"))]
pub struct TsVector;

#[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(name = "tsquery"))]
pub struct TsQuery;

diesel::define_sql_function! {
    /// A text as the search sees it.
    fn rapport_search_doc(doc: Text) -> TsVector;
}
diesel::define_sql_function! {
    /// A search's words, each the start of a word (`ada:* & love:*`).
    fn rapport_search_query(q: Text) -> TsQuery;
}
diesel::define_sql_function! {
    /// How well a record matches: above 1 when the words start its words,
    /// plus how alike its name is to the text.
    fn rapport_search_score(doc: TsVector, q: TsQuery, text: Text, name: Text) -> Double;
}

diesel::infix_operator!(Matches, " @@ ", backend: Pg);
diesel::infix_operator!(AlikeIn, " <% ", backend: Pg);

/// How many records of a kind a search ranks at most: those its indexes
/// give first among the records whose words start with the search's, and
/// as many among those whose names are alike.
pub const CANDIDATES: i64 = 200;

/// One search, as its queries take it.
#[derive(Debug, Clone)]
pub struct Search {
    /// The text query, `ada:* & love:*`.
    pub words: String,
    /// The text as typed, lower case, for similarity.
    pub text: String,
    pub limit: i64,
}

/// The records whose text `$doc` has every word of search `$s`, or whose
/// name `$name` is alike.
#[macro_export]
macro_rules! found {
    ($doc:expr, $name:expr, $s:expr) => {{
        use diesel::{BoolExpressionMethods, IntoSql};
        $crate::search::Matches::new(
            $crate::search::rapport_search_doc($doc),
            $crate::search::rapport_search_query($s.words.clone()),
        )
        .or($crate::search::AlikeIn::new(
            $s.text.clone().into_sql::<diesel::sql_types::Text>(),
            $name,
        ))
    }};
}

/// How well a record matches search `$s` (see [`found!`]).
#[macro_export]
macro_rules! score {
    ($doc:expr, $name:expr, $s:expr) => {
        $crate::search::rapport_search_score(
            $crate::search::rapport_search_doc($doc),
            $crate::search::rapport_search_query($s.words.clone()),
            $s.text.clone(),
            $name,
        )
    };
}
