//! The shape of every list answer.

use serde::{Deserialize, Serialize};

/// A page of a list: its rows, and the cursor of the next page (absent on the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor`, with the same `sort` and filters, for the next page.
    pub next_cursor: Option<String>,
}
