//! The plan PostgreSQL makes for a query, with the query's own values: what
//! the tests read to check that lists and searches walk an index range,
//! never the whole workspace.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `EXPLAIN (FORMAT JSON)` of a query, its values bound as they would be.
#[derive(Debug, Clone, Copy, QueryId)]
pub struct Explain<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = diesel::sql_types::Json;
}

/// The plan of `query`: PostgreSQL's JSON, the root node under `Plan`.
pub async fn plan<Q>(conn: &mut AsyncPgConnection, query: Q) -> QueryResult<serde_json::Value>
where
    Q: QueryFragment<Pg> + QueryId + Send + 'static,
{
    let v: serde_json::Value = Explain(query).get_result(conn).await?;
    Ok(v[0]["Plan"].clone())
}

/// Every node of a plan, depth first: `(node type, relation or index)`.
pub fn nodes(plan: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![plan];
    while let Some(n) = stack.pop() {
        let kind = n["Node Type"].as_str().unwrap_or_default().to_string();
        let on = n["Index Name"]
            .as_str()
            .or(n["Relation Name"].as_str())
            .unwrap_or_default()
            .to_string();
        out.push((kind, on));
        if let Some(children) = n["Plans"].as_array() {
            stack.extend(children.iter());
        }
    }
    out
}
