//! The records of a kind a caller may see, as the record's policy says (see
//! `rapport_api::extract::policy`). Every query of a record kind with a
//! per-record rule takes a [`Scope`] and turns it into its filter, in one
//! place per kind.

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every record of this workspace.
    Workspace(Uuid),
    /// Only the records of this workspace linked to this person: their own,
    /// looked after by them, or addressed to them.
    Person {
        workspace_id: Uuid,
        user_id: Uuid,
        email: String,
    },
    /// Only the records of this organisation (a customer's tickets).
    Organization { workspace_id: Uuid, id: Uuid },
    /// None at all.
    Nothing,
}
