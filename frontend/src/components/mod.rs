//! Pieces every page uses.

pub mod form;
pub mod layout;
pub mod toast;
pub mod ui;
