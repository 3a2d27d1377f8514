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

/// The form of an exported list (`/people/export.csv`, `.xlsx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// UTF-8 with a byte-order mark, comma-separated.
    Csv,
    /// An Excel workbook of one sheet.
    Xlsx,
}
