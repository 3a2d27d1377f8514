//! A list read a page at a time with the API's keyset cursors: the first page
//! on `load(false)`, the next ones appended on `load(true)`.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::Page;
use serde::de::DeserializeOwned;

/// A page of a list answer: its rows and the cursor of the next page.
pub trait ListPage: DeserializeOwned + 'static {
    type Row: Clone + Send + Sync + 'static;
    fn into_parts(self) -> (Vec<Self::Row>, Option<String>);
}

impl<T: Clone + Send + Sync + DeserializeOwned + 'static> ListPage for Page<T> {
    type Row = T;
    fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.data, self.next_cursor)
    }
}

pub struct Paged<P: ListPage> {
    pub rows: RwSignal<Vec<P::Row>>,
    pub cursor: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// The path of the first page, with its filters (`/api/v1/members?limit=100`).
    path: StoredValue<Box<dyn Fn() -> String>, LocalStorage>,
    /// Which load is the last asked for: an answer to an earlier one (a
    /// filter changed since, a reload overtaken) is dropped, so that a slow
    /// answer never shows another list than the one asked for.
    asked: StoredValue<u64>,
}

impl<P: ListPage> Clone for Paged<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ListPage> Copy for Paged<P> {}

impl<P: ListPage> Paged<P> {
    /// Starts reading the first page of `path()`.
    pub fn new(path: impl Fn() -> String + 'static) -> Self {
        let paged = Paged {
            rows: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(true),
            error: RwSignal::new(None),
            path: StoredValue::new_local(Box::new(path) as Box<dyn Fn() -> String>),
            asked: StoredValue::new(0),
        };
        paged.load(false);
        paged
    }

    pub fn load(&self, append: bool) {
        let this = *self;
        // A list whose page has gone (a live event after it closed) loads
        // nothing: its values are disposed, and reading them would panic.
        let Some(ticket) = this.asked.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        let Some(mut path) = this.path.try_with_value(|p| p()) else {
            return;
        };
        this.loading.set(true);
        if append {
            if let Some(c) = this.cursor.try_get_untracked().flatten() {
                path.push_str(if path.contains('?') { "&" } else { "?" });
                path.push_str(&format!("cursor={}", api::enc(&c)));
            }
        }
        spawn_local(async move {
            let answer = api::get::<P>(&path).await;
            if this.asked.try_get_value() != Some(ticket) {
                return;
            }
            match answer {
                Ok(page) => {
                    let (rows, next) = page.into_parts();
                    this.error.set(None);
                    this.cursor.set(next);
                    this.rows.update(|r| {
                        if !append {
                            r.clear();
                        }
                        r.extend(rows);
                    });
                }
                Err(e) => this.error.set(Some(e.message())),
            }
            this.loading.set(false);
        });
    }

    /// Still loading the first page: show a skeleton.
    pub fn first_load(&self) -> bool {
        self.loading.get() && self.rows.with(|r| r.is_empty())
    }
}
