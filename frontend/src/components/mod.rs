//! Pieces every page uses.

pub mod bulk;
pub mod columns;
pub mod custom_fields;
pub mod export;
pub mod form;
pub mod layout;
pub mod members;
pub mod paged;
pub mod search;
pub mod timeline;
pub mod toast;
pub mod ui;
