//! One keyset helper for every list: which fields a list sorts by, in which
//! direction, where a page starts and how long it is. No OFFSET anywhere: a
//! page starts after the key (sorted value, then a unique tie-breaker) of the
//! last row of the page before.
//!
//! A list declares its sorts once with [`Sorts`]; its query applies the
//! chosen one with [`PageRequest::seek`] (or [`PageRequest::seek_unique`]
//! when the sorted column is unique on its own), which orders, filters after
//! the cursor's key and limits. The API turns `sort`, `cursor` and `limit`
//! into a [`PageRequest`] and the rows back into a page with its cursor.

use chrono::{DateTime, Utc};
use diesel::expression::expression_types::NotSelectable;
use diesel::expression::{AsExpression, BoxableExpression};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSelectStatement, FromClause};
use diesel::query_dsl::methods::{FilterDsl, LimitDsl, OrderDsl, ThenOrderDsl};
use diesel::sql_types::{BigInt, Bool, Integer, SqlType, Text, Timestamptz};
use diesel::{BoolExpressionMethods, ExpressionMethods, QuerySource};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// A sort of one list: a field and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<S> {
    pub field: S,
    pub dir: Dir,
}

/// The sortable fields of one list, declared once by the list.
pub trait Sorts: Copy + Eq + Send + Sync + 'static {
    /// The list's name, written into its cursors so that another list's cursor is refused.
    const LIST: &'static str;
    /// Every sortable field under its name in `sort=` (`-name` sorts descending).
    const FIELDS: &'static [(&'static str, Self)];
    /// The sort when `sort` is absent.
    const DEFAULT: Sort<Self>;
    /// A row of the list.
    type Row;
    /// The key of a row under this field: the sorted value, then the tie-breaker.
    fn key(self, row: &Self::Row) -> Key;
}

impl<S: Sorts> Sort<S> {
    /// `name` or `-name`, when the list sorts by `name`.
    pub fn parse(text: &str) -> Option<Self> {
        let (dir, name) = match text.strip_prefix('-') {
            Some(name) => (Dir::Desc, name),
            None => (Dir::Asc, text),
        };
        S::FIELDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, field)| Sort { field: *field, dir })
    }

    /// The text `parse` reads back.
    pub fn name(&self) -> String {
        let field = S::FIELDS
            .iter()
            .find(|(_, f)| *f == self.field)
            .map_or("", |(n, _)| n);
        match self.dir {
            Dir::Asc => field.to_string(),
            Dir::Desc => format!("-{field}"),
        }
    }

    /// Every accepted `sort` value, ascending then descending per field.
    pub fn choices() -> Vec<String> {
        S::FIELDS
            .iter()
            .flat_map(|(n, _)| [n.to_string(), format!("-{n}")])
            .collect()
    }
}

/// A row's position in a list under one sort, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Key(pub Vec<Value>);

impl Key {
    /// The key of a sort by a column that is not unique: its value, then the row's id.
    pub fn of(value: impl Serialize, tie: impl Serialize) -> Key {
        Key(vec![to_value(value), to_value(tie)])
    }

    /// The key of a sort by a unique column.
    pub fn unique(value: impl Serialize) -> Key {
        Key(vec![to_value(value)])
    }

    fn part<T: DeserializeOwned>(&self, i: usize, len: usize) -> Result<T, ListError> {
        if self.0.len() != len {
            return Err(ListError::Cursor);
        }
        serde_json::from_value(self.0[i].clone()).map_err(|_| ListError::Cursor)
    }
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// One page of one list as asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest<S> {
    pub sort: Sort<S>,
    /// The key of the last row of the page before.
    pub after: Option<Key>,
    pub limit: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The cursor's key does not fit the list's sort.
    #[error("not a cursor from this list")]
    Cursor,
}

pub type ListResult<T> = Result<T, ListError>;

/// The SQL types a list may sort by, with the Rust type a cursor keeps.
pub trait KeyType: SqlType + diesel::sql_types::SingleValue + Sized {
    type Value: Serialize + DeserializeOwned + AsExpression<Self> + Send + 'static;
}

impl KeyType for Timestamptz {
    type Value = DateTime<Utc>;
}
impl KeyType for Text {
    type Value = String;
}
impl KeyType for BigInt {
    type Value = i64;
}
impl KeyType for Integer {
    type Value = i32;
}
impl KeyType for diesel::sql_types::Date {
    type Value = chrono::NaiveDate;
}
impl KeyType for diesel::sql_types::Uuid {
    type Value = Uuid;
}

type Pred<'a, QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool> + 'a>;
type Order<'a, QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = NotSelectable> + 'a>;

/// A column (or expression) a list sorts by, over the query source `QS`.
pub trait SeekColumn<'a, QS>: Copy {
    type Value: DeserializeOwned;
    fn order(self, dir: Dir) -> Order<'a, QS>;
    /// Rows strictly after `v` in direction `dir`.
    fn beyond(self, dir: Dir, v: Self::Value) -> Pred<'a, QS>;
    /// Rows at or after `v` in direction `dir`.
    fn from(self, dir: Dir, v: Self::Value) -> Pred<'a, QS>;
    fn equals(self, v: Self::Value) -> Pred<'a, QS>;
}

type Val<C> = <<C as diesel::Expression>::SqlType as KeyType>::Value;

impl<'a, QS, C> SeekColumn<'a, QS> for C
where
    C: ExpressionMethods + Copy + 'a,
    C::SqlType: KeyType,
    diesel::dsl::Asc<C>: BoxableExpression<QS, Pg, SqlType = NotSelectable> + Send + 'a,
    diesel::dsl::Desc<C>: BoxableExpression<QS, Pg, SqlType = NotSelectable> + Send + 'a,
    diesel::dsl::Gt<C, Val<C>>: BoxableExpression<QS, Pg, SqlType = Bool> + Send + 'a,
    diesel::dsl::Lt<C, Val<C>>: BoxableExpression<QS, Pg, SqlType = Bool> + Send + 'a,
    diesel::dsl::GtEq<C, Val<C>>: BoxableExpression<QS, Pg, SqlType = Bool> + Send + 'a,
    diesel::dsl::LtEq<C, Val<C>>: BoxableExpression<QS, Pg, SqlType = Bool> + Send + 'a,
    diesel::dsl::Eq<C, Val<C>>: BoxableExpression<QS, Pg, SqlType = Bool> + Send + 'a,
{
    type Value = Val<C>;

    fn order(self, dir: Dir) -> Order<'a, QS> {
        match dir {
            Dir::Asc => Box::new(self.asc()),
            Dir::Desc => Box::new(self.desc()),
        }
    }

    fn beyond(self, dir: Dir, v: Self::Value) -> Pred<'a, QS> {
        match dir {
            Dir::Asc => Box::new(self.gt(v)),
            Dir::Desc => Box::new(self.lt(v)),
        }
    }

    fn from(self, dir: Dir, v: Self::Value) -> Pred<'a, QS> {
        match dir {
            Dir::Asc => Box::new(self.ge(v)),
            Dir::Desc => Box::new(self.le(v)),
        }
    }

    fn equals(self, v: Self::Value) -> Pred<'a, QS> {
        Box::new(self.eq(v))
    }
}

type Boxed<'a, ST, QS, GB> = BoxedSelectStatement<'a, ST, FromClause<QS>, Pg, GB>;

impl<S: Sorts> PageRequest<S> {
    /// Orders `query` by `col` then `tie` (both in the sort's direction),
    /// starts it after the cursor's key and limits it to the page.
    pub fn seek<'a, ST, QS, GB, C, T>(
        &self,
        query: Boxed<'a, ST, QS, GB>,
        col: C,
        tie: T,
    ) -> ListResult<Boxed<'a, ST, QS, GB>>
    where
        QS: QuerySource + 'a,
        C: SeekColumn<'a, QS>,
        T: SeekColumn<'a, QS>,
        C::Value: Clone,
        Boxed<'a, ST, QS, GB>: FilterDsl<Pred<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + OrderDsl<Order<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + ThenOrderDsl<Order<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + LimitDsl<Output = Boxed<'a, ST, QS, GB>>,
    {
        let dir = self.sort.dir;
        let mut query = query
            .order(col.order(dir))
            .then_order_by(tie.order(dir))
            .limit(self.limit);
        if let Some(key) = &self.after {
            let value: C::Value = key.part(0, 2)?;
            let tied: T::Value = key.part(1, 2)?;
            // `col >= v AND (col > v OR (col = v AND tie > t))`: the first
            // condition lets an index on (col, tie) start at the cursor.
            let tied: Pred<'a, QS> = Box::new(col.equals(value.clone()).and(tie.beyond(dir, tied)));
            let beyond: Pred<'a, QS> = Box::new(col.beyond(dir, value.clone()).or(tied));
            query = FilterDsl::filter(query, col.from(dir, value));
            query = FilterDsl::filter(query, beyond);
        }
        Ok(query)
    }

    /// Orders `query` by the unique `col`, starts it after the cursor's key and limits it.
    pub fn seek_unique<'a, ST, QS, GB, C>(
        &self,
        query: Boxed<'a, ST, QS, GB>,
        col: C,
    ) -> ListResult<Boxed<'a, ST, QS, GB>>
    where
        QS: QuerySource + 'a,
        C: SeekColumn<'a, QS>,
        Boxed<'a, ST, QS, GB>: FilterDsl<Pred<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + OrderDsl<Order<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + LimitDsl<Output = Boxed<'a, ST, QS, GB>>,
    {
        let dir = self.sort.dir;
        let mut query = query.order(col.order(dir)).limit(self.limit);
        if let Some(key) = &self.after {
            let value: C::Value = key.part(0, 1)?;
            query = FilterDsl::filter(query, col.beyond(dir, value));
        }
        Ok(query)
    }

    /// `query`, already sought, in the same order but through `masked`: the
    /// SQL of an expression equal to the sorted column that no index
    /// provides (`(t.name || '')`, `(t.created_at + interval '0 s')`).
    /// PostgreSQL then finds the rows through the index of the query's
    /// filter and sorts the few it finds, instead of walking the order's
    /// index over the whole workspace and discarding what the filter does
    /// not keep.
    pub fn masked<'a, ST, QS, GB, T>(
        &self,
        query: Boxed<'a, ST, QS, GB>,
        masked: &'static str,
        tie: T,
    ) -> Boxed<'a, ST, QS, GB>
    where
        QS: QuerySource + 'a,
        T: SeekColumn<'a, QS>,
        Boxed<'a, ST, QS, GB>: OrderDsl<Order<'a, QS>, Output = Boxed<'a, ST, QS, GB>>
            + ThenOrderDsl<Order<'a, QS>, Output = Boxed<'a, ST, QS, GB>>,
    {
        let dir = self.sort.dir;
        // The SQL type does not matter to an ORDER BY.
        let key = diesel::dsl::sql::<Text>(masked);
        let key: Order<'a, QS> = match dir {
            Dir::Asc => Box::new(key.asc()),
            Dir::Desc => Box::new(key.desc()),
        };
        query.order(key).then_order_by(tie.order(dir))
    }

    /// The key a cursor to the next page carries: the last row's, when the page is full.
    pub fn next_key(&self, rows: &[S::Row]) -> Option<Key> {
        if rows.len() as i64 == self.limit {
            rows.last().map(|r| self.sort.field.key(r))
        } else {
            None
        }
    }
}
