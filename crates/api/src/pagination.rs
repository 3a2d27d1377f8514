//! Lists, in one place: `limit`, `cursor`, `sort` and a list's own filters
//! are read from the query string by [`ListQuery`]; a cursor names its list,
//! its sort and its workspace, so a cursor from another list, sort or
//! workspace answers 422 instead of rows; the rows come back as a
//! [`Page`] with the cursor of the next one. The keyset itself lives in
//! `rapport_db::list`.

use crate::error::ApiError;
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use base64::Engine;
use rapport_db::list::{Key, PageRequest, Sort, Sorts};
use rapport_domain::api::Page;
use rapport_domain::problem::FieldCode;
use rapport_domain::problem::FieldError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Required, Schema};
use utoipa::IntoParams;
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The filters of one list, read from the query string beside `limit`,
/// `cursor` and `sort`. Derive `Deserialize` with `deny_unknown_fields`, so a
/// misspelt filter is refused rather than ignored, and tidy or check the
/// values in `check` (see [`text`]).
pub trait Filters: DeserializeOwned {
    fn check(&mut self, _errors: &mut Vec<FieldError>) {}
}

/// A list without filters of its own.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

impl Filters for NoFilters {}

/// A query string that is not a list's, read into `F` and checked as a
/// list's filters are: 422 naming the field otherwise.
#[derive(Debug)]
pub struct Checked<F>(pub F);

impl<F: Filters> FromRequest for Checked<F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match serde_urlencoded::from_str::<F>(req.query_string()) {
            Ok(mut f) => {
                let mut errors = Vec::new();
                f.check(&mut errors);
                if errors.is_empty() {
                    Ok(Checked(f))
                } else {
                    Err(ApiError::Validation(errors))
                }
            }
            Err(e) => Err(ApiError::validation("", FieldCode::Query, e.to_string())),
        })
    }
}

/// One list request: the page asked for and the list's filters `F`.
#[derive(Debug)]
pub struct ListQuery<S, F> {
    pub filter: F,
    limit: i64,
    sort: Sort<S>,
    cursor: Option<String>,
}

impl<S: Sorts, F: Filters> FromRequest for ListQuery<S, F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()))
    }
}

impl<S: Sorts, F: Filters> ListQuery<S, F> {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::validation("", FieldCode::Query, e.to_string()))?;
        let (mut limit, mut cursor, mut sort) = (None, None, None);
        let mut rest = Vec::new();
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => limit = Some(v),
                "cursor" => cursor = Some(v).filter(|c| !c.is_empty()),
                "sort" => sort = Some(v).filter(|s| !s.is_empty()),
                _ => rest.push((k, v)),
            }
        }
        let mut errors = Vec::new();
        let limit = match limit.as_deref().map(str::parse::<i64>) {
            None => DEFAULT_LIMIT,
            Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                errors.push(
                    FieldError::new(
                        "limit",
                        FieldCode::Range,
                        "must be a whole number from 1 to 200",
                    )
                    .with("min", 1)
                    .with("max", MAX_LIMIT),
                );
                DEFAULT_LIMIT
            }
        };
        let sort = match sort.as_deref() {
            None => S::DEFAULT,
            Some(text) => Sort::parse(text).unwrap_or_else(|| {
                let choices = Sort::<S>::choices().join(", ");
                errors.push(
                    FieldError::new(
                        "sort",
                        FieldCode::OneOf,
                        format!("must be one of {choices}"),
                    )
                    .with("choices", choices),
                );
                S::DEFAULT
            }),
        };
        let rest = serde_urlencoded::to_string(&rest).unwrap_or_default();
        let filter = match serde_urlencoded::from_str::<F>(&rest) {
            Ok(mut f) => {
                f.check(&mut errors);
                Some(f)
            }
            Err(e) => {
                errors.push(FieldError::new("", FieldCode::Query, e.to_string()));
                None
            }
        };
        match filter {
            Some(filter) if errors.is_empty() => Ok(ListQuery {
                filter,
                limit,
                sort,
                cursor,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }

    /// The page asked for, within `workspace_id`'s list.
    pub fn page(&self, workspace_id: Uuid) -> Result<Paging<S>, ApiError> {
        let bound = Bound::new::<S>(self.sort, workspace_id);
        let after = self.cursor.as_deref().map(|c| bound.open(c)).transpose()?;
        Ok(Paging {
            request: PageRequest {
                sort: self.sort,
                after,
                limit: self.limit,
            },
            bound,
        })
    }
}

/// A page asked for, and what its cursors are bound to.
pub struct Paging<S> {
    pub request: PageRequest<S>,
    bound: Bound,
}

impl<S: Sorts> std::ops::Deref for Paging<S> {
    type Target = PageRequest<S>;
    fn deref(&self) -> &PageRequest<S> {
        &self.request
    }
}

impl<S: Sorts> Paging<S> {
    /// The answer: the rows as `view` shows them, and the cursor of the next page.
    pub fn answer<T>(&self, rows: Vec<S::Row>, view: impl FnMut(S::Row) -> T) -> Page<T> {
        let next_cursor = self.request.next_key(&rows).map(|k| self.bound.seal(k));
        Page {
            data: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// What a cursor is bound to: a list, a sort, a workspace.
struct Bound {
    list: &'static str,
    sort: String,
    workspace: String,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    l: String,
    s: String,
    w: String,
    k: Key,
}

impl Bound {
    fn new<S: Sorts>(sort: Sort<S>, workspace_id: Uuid) -> Self {
        let digest = Sha256::digest(workspace_id.as_bytes());
        Bound {
            list: S::LIST,
            sort: sort.name(),
            workspace: hex::encode(&digest[..6]),
        }
    }

    fn seal(&self, k: Key) -> String {
        let c = Cursor {
            l: self.list.to_string(),
            s: self.sort.clone(),
            w: self.workspace.clone(),
            k,
        };
        b64().encode(serde_json::to_vec(&c).unwrap_or_default())
    }

    fn open(&self, text: &str) -> Result<Key, ApiError> {
        let c: Cursor = b64()
            .decode(text)
            .ok()
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .ok_or_else(|| cursor_error(FieldCode::Format, "not a cursor"))?;
        if c.l != self.list || c.w != self.workspace {
            return Err(cursor_error(
                FieldCode::Mismatch,
                "a cursor from another list",
            ));
        }
        if c.s != self.sort {
            return Err(cursor_error(
                FieldCode::Mismatch,
                "a cursor from another sort: ask again without it",
            ));
        }
        Ok(c.k)
    }
}

pub fn cursor_error(code: FieldCode, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new("cursor", code, message)])
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// A text filter: trimmed, empty as absent, at most 200 characters, no control characters.
pub fn text(errors: &mut Vec<FieldError>, field: &str, value: &mut Option<String>) {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        *value = None;
        return;
    };
    if v.chars().count() > 200 {
        errors.push(
            FieldError::new(field, FieldCode::TooLong, "must be at most 200 characters")
                .with("max", 200),
        );
    } else if v.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            FieldCode::Format,
            "must not contain control characters",
        ));
    }
    *value = Some(v.to_string());
}

impl<S: Sorts, F: IntoParams> IntoParams for ListQuery<S, F> {
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let query = || parameter_in().or(Some(ParameterIn::Query));
        let integer = ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(1))
            .maximum(Some(MAX_LIMIT))
            .default(Some(DEFAULT_LIMIT.into()));
        let string = || ObjectBuilder::new().schema_type(SchemaType::new(Type::String));
        let sorts = string()
            .enum_values(Some(Sort::<S>::choices()))
            .default(Some(S::DEFAULT.name().into()));
        let param = |name: &str, doc: &str, schema: ObjectBuilder| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(query().unwrap_or_default())
                .required(Required::False)
                .description(Some(doc))
                .schema(Some(RefOr::<Schema>::T(schema.into())))
                .build()
        };
        let mut params = vec![
            param("limit", "How many records to return, 1 to 200.", integer),
            param(
                "cursor",
                "The `next_cursor` of the previous page, asked with the same `sort` and filters.",
                string(),
            ),
            param(
                "sort",
                "The field to sort by; a leading `-` sorts descending.",
                sorts,
            ),
        ];
        params.extend(F::into_params(query));
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_db::members::MemberSort;

    type Members = ListQuery<MemberSort, NoFilters>;

    #[test]
    fn a_cursor_is_bound_to_its_list_sort_and_workspace() {
        let ws = Uuid::now_v7();
        let q = Members::parse("sort=-name&limit=2").unwrap();
        let paging = q.page(ws).unwrap();
        let cursor = paging.bound.seal(Key::of("Zoe", Uuid::nil()));
        let again = Members::parse(&format!("sort=-name&cursor={cursor}")).unwrap();
        assert_eq!(
            again.page(ws).unwrap().request.after,
            Some(Key::of("Zoe", Uuid::nil()))
        );
        let other_sort = Members::parse(&format!("sort=name&cursor={cursor}")).unwrap();
        assert!(other_sort.page(ws).is_err());
        assert!(again.page(Uuid::now_v7()).is_err());
        let garbage = Members::parse("cursor=bm9uc2Vuc2U").unwrap();
        assert!(garbage.page(ws).is_err());
    }

    #[test]
    fn limits_sorts_and_unknown_filters_are_refused() {
        for bad in [
            "limit=0",
            "limit=201",
            "limit=x",
            "sort=password",
            "colour=red",
        ] {
            assert!(Members::parse(bad).is_err(), "{bad}");
        }
        let q = Members::parse("").unwrap();
        assert_eq!((q.limit, q.sort), (DEFAULT_LIMIT, MemberSort::DEFAULT));
    }
}
