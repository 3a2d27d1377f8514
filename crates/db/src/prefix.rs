//! The start of a text as a range of a byte-order (`text_pattern_ops`)
//! index, for the lists' text filters.

use diesel::pg::Pg;
use diesel::prelude::*;

/// The strings that start with `text` (lower case), in byte order: from
/// `text` up to the first string after all of them, when there is one.
pub fn prefix_range(text: &str) -> (String, Option<String>) {
    let low = text.to_lowercase();
    let mut high: Vec<char> = low.chars().collect();
    while let Some(last) = high.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            high.push(next);
            return (low, Some(high.into_iter().collect()));
        }
    }
    (low, None)
}

diesel::infix_operator!(BytesFrom, " ~>=~ ", backend: Pg);
diesel::infix_operator!(BytesBefore, " ~<~ ", backend: Pg);

/// The rows whose `expr` starts with `text`, as a range of a byte-order
/// (`text_pattern_ops`) index: a range even in a plan made before the text
/// is known, which a `LIKE` is not.
pub fn starts_with<'a, QS, E>(
    expr: E,
    text: &str,
) -> Box<dyn BoxableExpression<QS, Pg, SqlType = diesel::sql_types::Bool> + 'a>
where
    QS: 'a,
    E: Expression<SqlType = diesel::sql_types::Text>
        + SelectableExpression<QS>
        + diesel::query_builder::QueryFragment<Pg>
        + diesel::query_builder::QueryId
        + diesel::expression::ValidGrouping<(), IsAggregate = diesel::expression::is_aggregate::No>
        + Clone
        + Send
        + 'a,
{
    use diesel::IntoSql;
    let (low, high) = prefix_range(text);
    let from = BytesFrom::new(expr.clone(), low.into_sql::<diesel::sql_types::Text>());
    match high {
        Some(high) => Box::new(from.and(BytesBefore::new(
            expr,
            high.into_sql::<diesel::sql_types::Text>(),
        ))),
        None => Box::new(from),
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_range;

    #[test]
    fn a_prefix_is_the_range_up_to_the_next_string() {
        assert_eq!(prefix_range("AL"), ("al".into(), Some("am".into())));
        assert_eq!(prefix_range("sm"), ("sm".into(), Some("sn".into())));
        assert_eq!(
            prefix_range("a\u{10FFFF}"),
            ("a\u{10FFFF}".into(), Some("b".into()))
        );
        assert_eq!(
            prefix_range("\u{D7FF}"),
            ("\u{D7FF}".into(), Some("\u{E000}".into()))
        );
        assert_eq!(prefix_range("\u{10FFFF}"), ("\u{10FFFF}".into(), None));
        assert_eq!(prefix_range(""), ("".into(), None));
    }
}
