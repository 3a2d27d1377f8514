//! Pieces every page uses.

pub mod form;
pub mod layout;
pub mod paged;
pub mod toast;
pub mod ui;
