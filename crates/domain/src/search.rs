//! One search across the workspace's records.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest search text, in characters.
pub const QUERY_MAX: usize = 200;
/// The most hits one search answers.
pub const HITS_MAX: i64 = 50;

/// The kind of record a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Person,
    Organization,
    Group,
}

/// One record found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: Uuid,
    /// What the record is called.
    pub title: String,
    /// A second line: an e-mail address, a domain, a kind of group.
    pub subtitle: Option<String>,
    /// How well it matches: above 1 when every word starts a word of the
    /// record, below when it is only alike (a typo).
    pub score: f64,
}

/// The best hits first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub data: Vec<SearchHit>,
}

/// The words of a search, lower case, each a run of letters or digits
/// (so that nothing in them is an operator of a text query).
pub fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// A PostgreSQL text query in which each word is the start of a word:
/// `ada love` → `ada:* & love:*`; `None` without a word.
pub fn prefix_query(q: &str) -> Option<String> {
    let words = words(q);
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_words_that_start_words() {
        assert_eq!(prefix_query("Ada  Love").as_deref(), Some("ada:* & love:*"));
        assert_eq!(
            prefix_query("o'brien & !x | y:*").as_deref(),
            Some("o:* & brien:* & x:* & y:*")
        );
        assert_eq!(prefix_query("Chloé").as_deref(), Some("chloé:*"));
        assert_eq!(prefix_query(" %% "), None);
    }
}
