//! The shape of every list answer, and the actions on many of its records.

use crate::problem::FieldError;
use crate::validate::{self, Validate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// One action on many records of a list at once (`/people/bulk`,
/// `/organizations/bulk`, `/groups/bulk`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkRequest {
    /// Adds and removes tags.
    Tag {
        ids: Vec<Uuid>,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    /// Gives them to a member: people and organisations to look after,
    /// groups to lead (`null`: to nobody).
    Assign {
        ids: Vec<Uuid>,
        owner_id: Option<Uuid>,
    },
    /// Deletes them (they can be restored for 30 days).
    Delete { ids: Vec<Uuid> },
}

pub const BULK_MAX: usize = 500;

impl BulkRequest {
    pub fn ids(&self) -> &[Uuid] {
        match self {
            Self::Tag { ids, .. } | Self::Assign { ids, .. } | Self::Delete { ids } => ids,
        }
    }
}

impl Validate for BulkRequest {
    fn check(&self, e: &mut Vec<FieldError>) {
        let n = self.ids().len();
        if n == 0 {
            e.push(FieldError::new(
                "ids",
                crate::problem::FieldCode::Required,
                "name at least one record",
            ));
        } else if n > BULK_MAX {
            e.push(
                FieldError::new(
                    "ids",
                    crate::problem::FieldCode::TooLong,
                    format!("at most {BULK_MAX} at once"),
                )
                .with("max", BULK_MAX),
            );
        }
        if let Self::Tag { add, remove, .. } = self {
            validate::tags(e, "add", add);
            validate::tags(e, "remove", remove);
            if add.is_empty() && remove.is_empty() {
                e.push(FieldError::new(
                    "add",
                    crate::problem::FieldCode::Required,
                    "add or remove at least one tag",
                ));
            }
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkResult {
    /// The records it changed.
    pub changed: Vec<Uuid>,
    /// Ids that name no record the caller may change (absent, deleted, or
    /// another workspace's): left alone.
    pub skipped: Vec<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_action_names_between_one_and_five_hundred_records() {
        let none = BulkRequest::Delete { ids: vec![] };
        assert_eq!(none.validate().unwrap_err()[0].code, "required");
        let many = BulkRequest::Delete {
            ids: vec![Uuid::nil(); BULK_MAX + 1],
        };
        assert_eq!(many.validate().unwrap_err()[0].code, "too_long");
        let read: BulkRequest =
            serde_json::from_str(r#"{"action": "assign", "ids": [], "owner_id": null}"#).unwrap();
        assert!(matches!(read, BulkRequest::Assign { owner_id: None, .. }));
    }
}
