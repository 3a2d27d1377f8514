//! Roles, templates, modules and the one permission matrix.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The five built-in roles, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Manager,
    Staff,
    Member,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Staff,
        Role::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Staff => "staff",
            Role::Member => "member",
        }
    }

    /// Lower is more powerful; a caller may only hand out roles at or below its own.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// A module a workspace may have switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Module {
    People,
    Organizations,
    Groups,
    Scheduling,
    Booking,
    Attendance,
    Payments,
    Finance,
    Medals,
    Store,
    Messaging,
    Certification,
    Documents,
    Video,
    Deals,
    Activities,
    Campaigns,
    Approvals,
    Dashboards,
    Analytics,
    Tickets,
    Slas,
    Portal,
}

impl Module {
    pub const ALL: [Module; 23] = [
        Module::People,
        Module::Organizations,
        Module::Groups,
        Module::Scheduling,
        Module::Booking,
        Module::Attendance,
        Module::Payments,
        Module::Finance,
        Module::Medals,
        Module::Store,
        Module::Messaging,
        Module::Certification,
        Module::Documents,
        Module::Video,
        Module::Deals,
        Module::Activities,
        Module::Campaigns,
        Module::Approvals,
        Module::Dashboards,
        Module::Analytics,
        Module::Tickets,
        Module::Slas,
        Module::Portal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Module::People => "people",
            Module::Organizations => "organizations",
            Module::Groups => "groups",
            Module::Scheduling => "scheduling",
            Module::Booking => "booking",
            Module::Attendance => "attendance",
            Module::Payments => "payments",
            Module::Finance => "finance",
            Module::Medals => "medals",
            Module::Store => "store",
            Module::Messaging => "messaging",
            Module::Certification => "certification",
            Module::Documents => "documents",
            Module::Video => "video",
            Module::Deals => "deals",
            Module::Activities => "activities",
            Module::Campaigns => "campaigns",
            Module::Approvals => "approvals",
            Module::Dashboards => "dashboards",
            Module::Analytics => "analytics",
            Module::Tickets => "tickets",
            Module::Slas => "slas",
            Module::Portal => "portal",
        }
    }
}

impl FromStr for Module {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Module::ALL.into_iter().find(|m| m.as_str() == s).ok_or(())
    }
}

/// The kind of organisation a workspace is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Template {
    School,
    Tutoring,
    Consulting,
    Sales,
    Support,
}

impl Template {
    pub const ALL: [Template; 5] = [
        Template::School,
        Template::Tutoring,
        Template::Consulting,
        Template::Sales,
        Template::Support,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::School => "school",
            Template::Tutoring => "tutoring",
            Template::Consulting => "consulting",
            Template::Sales => "sales",
            Template::Support => "support",
        }
    }

    /// One line on what the template is for, shown when a workspace is created.
    pub fn description(self) -> &'static str {
        match self {
            Template::School => "An after-school school: students, groups, lessons, attendance, payments, medals and a reward store.",
            Template::Tutoring => "A tutoring business: a calendar of sessions, students, invoices and revenue.",
            Template::Consulting => "A certification programme: consultants, booked consultations, hours toward a certificate, video sessions.",
            Template::Sales => "A sales team: companies, contacts, deals in pipelines, activities, campaigns and analytics.",
            Template::Support => "A support desk: customers, tickets with threads, SLAs and a customer portal.",
        }
    }

    pub fn modules(self) -> &'static [Module] {
        use Module::*;
        match self {
            Template::School => &[
                People, Groups, Scheduling, Attendance, Payments, Medals, Store, Messaging,
            ],
            Template::Tutoring => &[People, Scheduling, Finance, Messaging],
            Template::Consulting => &[People, Scheduling, Booking, Certification, Documents, Video],
            Template::Sales => &[
                Organizations,
                People,
                Deals,
                Activities,
                Campaigns,
                Approvals,
                Dashboards,
                Analytics,
            ],
            Template::Support => &[Organizations, People, Tickets, Slas, Portal, Dashboards],
        }
    }

    /// The template's word for each role; `None` where the template has no such role.
    pub fn label(self, role: Role) -> Option<&'static str> {
        let labels: [Option<&'static str>; 5] = match self {
            Template::School => [
                Some("Owner"),
                Some("Admin"),
                None,
                Some("Teacher"),
                Some("Student"),
            ],
            Template::Tutoring => [
                Some("Owner"),
                Some("Admin"),
                Some("Moderator"),
                None,
                Some("User"),
            ],
            Template::Consulting => [
                Some("Owner"),
                Some("Admin"),
                None,
                Some("Consultant"),
                Some("Student"),
            ],
            Template::Sales => [
                Some("Owner"),
                Some("Admin"),
                Some("Manager"),
                Some("Sales rep"),
                None,
            ],
            Template::Support => [
                Some("Owner"),
                Some("Admin"),
                Some("Manager"),
                Some("Agent"),
                Some("Customer"),
            ],
        };
        labels[role as usize]
    }

    /// Whether its staff see only their own records rather than all of
    /// them: a school's teachers see the classes they lead, those classes'
    /// students and the people they look after, as students see their
    /// own. Elsewhere staff (consultants, sales reps, agents) see the
    /// workspace's records.
    pub fn staff_see_their_own(self) -> bool {
        matches!(self, Template::School)
    }

    /// Roles a member of a workspace of this template can hold.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| self.label(*r).is_some())
            .collect()
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Template {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Template::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(())
    }
}

/// Whether a permission reads or changes data; API key scopes are `<area>:read` and `<area>:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A permission as a type, so that a handler's signature states what it needs.
pub trait Need {
    const PERMISSION: Permission;
}

/// The module a permission belongs to, in the declaration: `core` (always on) or a [`Module`].
macro_rules! module_of {
    (core) => {
        None
    };
    ($m:ident) => {
        Some(Module::$m)
    };
}

/// The one declaration of permissions: each with its name, its API key area,
/// whether it reads or writes, its module, whether API keys may hold it, and
/// the roles that hold it. The enum, the matrix and the marker types of
/// [`perm`] all come from it.
macro_rules! permissions {
    ($( $variant:ident = $name:literal, $area:literal, $access:ident, module = $module:ident, user_only = $user_only:literal, [$($role:ident),*] ;)*) => {
        /// Everything a caller may be allowed to do. Each route names exactly one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission { $($variant),* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The name used in `GET /me`, in the OpenAPI document and in API key scopes.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name),* }
            }

            /// The area an API key scope names (`<area>:read`, `<area>:write`).
            pub fn area(self) -> &'static str {
                match self { $(Permission::$variant => $area),* }
            }

            pub fn access(self) -> Access {
                match self { $(Permission::$variant => Access::$access),* }
            }

            /// The module the permission belongs to; `None` for the core,
            /// which every workspace has. A route of a module the workspace
            /// has not switched on answers 403 `module_disabled`.
            pub fn module(self) -> Option<Module> {
                match self { $(Permission::$variant => module_of!($module)),* }
            }

            /// Permissions that only a signed-in person holds, never an API key.
            pub fn user_only(self) -> bool {
                match self { $(Permission::$variant => $user_only),* }
            }

            /// The permission matrix: which roles hold this permission.
            pub fn roles(self) -> &'static [Role] {
                match self { $(Permission::$variant => &[$(Role::$role),*]),* }
            }
        }

        /// One marker type per permission, for `Authz<perm::MembersRead>`.
        pub mod perm {
            $(
                pub struct $variant;
                impl super::Need for $variant {
                    const PERMISSION: super::Permission = super::Permission::$variant;
                }
            )*
        }
    };
}

permissions! {
    WorkspaceRead = "workspace:read", "workspace", Read, module = core, user_only = false, [Owner, Admin, Manager, Staff, Member];
    MembersRead = "members:read", "members", Read, module = core, user_only = false, [Owner, Admin, Manager, Staff];
    MembersManage = "members:manage", "members", Write, module = core, user_only = true, [Owner, Admin];
    InvitationsManage = "invitations:manage", "members", Write, module = core, user_only = true, [Owner, Admin];
    ApiKeysManage = "api_keys:manage", "api_keys", Write, module = core, user_only = true, [Owner, Admin];
    AuditRead = "audit:read", "audit", Read, module = core, user_only = false, [Owner, Admin];
    WorkspaceExport = "workspace:export", "export", Read, module = core, user_only = false, [Owner, Admin];
    OverviewRead = "overview:read", "overview", Read, module = core, user_only = false, [Owner, Admin];
    EventsRead = "events:read", "events", Read, module = core, user_only = false, [Owner, Admin, Manager, Staff, Member];
    CustomFieldsRead = "custom_fields:read", "custom_fields", Read, module = core, user_only = false, [Owner, Admin, Manager, Staff, Member];
    CustomFieldsManage = "custom_fields:manage", "custom_fields", Write, module = core, user_only = false, [Owner, Admin];
    MailRead = "mail:read", "mail", Read, module = core, user_only = true, [Owner, Admin, Manager, Staff, Member];
    PeopleRead = "people:read", "people", Read, module = People, user_only = false, [Owner, Admin, Manager, Staff, Member];
    PeopleWrite = "people:write", "people", Write, module = People, user_only = false, [Owner, Admin, Manager, Staff];
    PeopleDelete = "people:delete", "people", Write, module = People, user_only = false, [Owner, Admin];
    PrivacyRead = "privacy:read", "privacy", Read, module = People, user_only = false, [Owner, Admin];
    SensitiveRead = "sensitive:read", "sensitive", Read, module = People, user_only = false, [Owner, Admin];
    PrivacyErase = "privacy:erase", "privacy", Write, module = People, user_only = false, [Owner, Admin];
    BranchesRead = "branches:read", "branches", Read, module = People, user_only = false, [Owner, Admin, Manager, Staff, Member];
    BranchesManage = "branches:manage", "branches", Write, module = People, user_only = false, [Owner, Admin];
    OrganizationsRead = "organizations:read", "organizations", Read, module = Organizations, user_only = false, [Owner, Admin, Manager, Staff, Member];
    OrganizationsWrite = "organizations:write", "organizations", Write, module = Organizations, user_only = false, [Owner, Admin, Manager, Staff];
    OrganizationsDelete = "organizations:delete", "organizations", Write, module = Organizations, user_only = false, [Owner, Admin];
    GroupsRead = "groups:read", "groups", Read, module = Groups, user_only = false, [Owner, Admin, Manager, Staff, Member];
    GroupsWrite = "groups:write", "groups", Write, module = Groups, user_only = false, [Owner, Admin, Manager, Staff];
    GroupsDelete = "groups:delete", "groups", Write, module = Groups, user_only = false, [Owner, Admin];
    NotesRead = "notes:read", "notes", Read, module = People, user_only = false, [Owner, Admin, Manager, Staff];
    NotesWrite = "notes:write", "notes", Write, module = People, user_only = false, [Owner, Admin, Manager, Staff];
    NotesManage = "notes:manage", "notes", Write, module = People, user_only = false, [Owner, Admin];
    ImportsWrite = "imports:write", "imports", Write, module = People, user_only = false, [Owner, Admin];
    SessionsRead = "sessions:read", "sessions", Read, module = Scheduling, user_only = false, [Owner, Admin, Manager, Staff, Member];
    SessionsWrite = "sessions:write", "sessions", Write, module = Scheduling, user_only = false, [Owner, Admin, Manager, Staff];
    AttendanceWrite = "attendance:write", "attendance", Write, module = Scheduling, user_only = false, [Owner, Admin, Manager, Staff];
    BookingsWrite = "bookings:write", "bookings", Write, module = Booking, user_only = false, [Owner, Admin, Manager, Staff, Member];
    BookingRulesManage = "booking_rules:manage", "booking_rules", Write, module = Scheduling, user_only = false, [Owner, Admin, Manager];
    LedgerRead = "ledger:read", "ledger", Read, module = core, user_only = false, [Owner, Admin, Manager, Staff, Member];
    MoneyRead = "money:read", "ledger", Read, module = core, user_only = false, [Owner, Admin];
    LedgerWrite = "ledger:write", "ledger", Write, module = core, user_only = false, [Owner, Admin];
    MedalsRead = "medals:read", "medals", Read, module = Medals, user_only = false, [Owner, Admin, Manager, Staff, Member];
    MedalsAward = "medals:award", "medals", Write, module = Medals, user_only = false, [Owner, Admin, Manager, Staff];
    MedalsExchange = "medals:exchange", "medals", Write, module = Medals, user_only = false, [Owner, Admin, Manager, Staff, Member];
    MedalsManage = "medals:manage", "medals", Write, module = Medals, user_only = false, [Owner, Admin];
    StoreRead = "store:read", "store", Read, module = Store, user_only = false, [Owner, Admin, Manager, Staff, Member];
    StoreBuy = "store:buy", "store", Write, module = Store, user_only = false, [Owner, Admin, Manager, Staff, Member];
    StoreManage = "store:manage", "store", Write, module = Store, user_only = false, [Owner, Admin];
    PaymentsRead = "payments:read", "payments", Read, module = Payments, user_only = false, [Owner, Admin, Member];
    PaymentsManage = "payments:manage", "payments", Write, module = Payments, user_only = false, [Owner, Admin];
    FinanceRead = "finance:read", "finance", Read, module = Finance, user_only = false, [Owner, Admin];
    FinanceManage = "finance:manage", "finance", Write, module = Finance, user_only = false, [Owner, Admin];
    MessagesRead = "messages:read", "messages", Read, module = Messaging, user_only = true, [Owner, Admin, Manager, Staff, Member];
    MessagesWrite = "messages:write", "messages", Write, module = Messaging, user_only = true, [Owner, Admin, Manager, Staff, Member];
    BroadcastsSend = "broadcasts:send", "messages", Write, module = Messaging, user_only = true, [Owner, Admin];
}

impl Permission {
    pub fn allowed_for(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// Whether an API key with these scopes holds this permission. Keys act at
    /// most as an admin would, and never hold user-only permissions.
    pub fn allowed_for_scopes(self, scopes: &[String]) -> bool {
        if self.user_only() || !self.allowed_for(Role::Admin) {
            return false;
        }
        scopes.iter().any(|s| {
            s == "*"
                || s.split_once(':').is_some_and(|(area, access)| {
                    area == self.area()
                        && match access {
                            "write" => true,
                            "read" => self.access() == Access::Read,
                            _ => false,
                        }
                })
        })
    }

    pub fn for_role(role: Role) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| p.allowed_for(role))
            .collect()
    }
}

impl FromStr for Permission {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or(())
    }
}

/// Valid API key scopes: `*`, or `<area>:read` / `<area>:write` for an area an API key may use.
pub fn valid_scope(scope: &str) -> bool {
    scope == "*"
        || scope.split_once(':').is_some_and(|(area, access)| {
            matches!(access, "read" | "write")
                && Permission::ALL
                    .iter()
                    .any(|p| !p.user_only() && p.area() == area)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_name_is_unique_and_parses_back() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(*p));
        }
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }

    #[test]
    fn owner_holds_every_permission_and_everyone_reads_their_own_mail() {
        for p in Permission::ALL {
            assert!(p.allowed_for(Role::Owner), "{p:?}");
        }
        // The mail viewer shows each person only the mail addressed to them.
        for r in Role::ALL {
            assert!(Permission::MailRead.allowed_for(r), "{r:?}");
        }
        assert!(!Permission::MailRead.allowed_for_scopes(&["*".to_string()]));
    }

    #[test]
    fn members_cannot_read_members_or_audit() {
        assert!(!Permission::MembersRead.allowed_for(Role::Member));
        assert!(!Permission::AuditRead.allowed_for(Role::Member));
        assert!(Permission::EventsRead.allowed_for(Role::Member));
    }

    #[test]
    fn api_key_scopes() {
        let all = vec!["*".to_string()];
        assert!(Permission::AuditRead.allowed_for_scopes(&all));
        assert!(!Permission::ApiKeysManage.allowed_for_scopes(&all));
        assert!(!Permission::MembersManage.allowed_for_scopes(&all));
        let read = vec!["members:read".to_string()];
        assert!(Permission::MembersRead.allowed_for_scopes(&read));
        assert!(!Permission::AuditRead.allowed_for_scopes(&read));
        let write = vec!["audit:write".to_string()];
        assert!(Permission::AuditRead.allowed_for_scopes(&write));
        assert!(valid_scope("members:read"));
        assert!(!valid_scope("mail:read"));
        assert!(!valid_scope("api_keys:write"));
        assert!(!valid_scope("members:delete"));
        assert!(!valid_scope("nothing"));
    }

    #[test]
    fn template_labels_follow_the_product() {
        assert_eq!(Template::School.label(Role::Member), Some("Student"));
        assert_eq!(Template::School.label(Role::Staff), Some("Teacher"));
        assert_eq!(Template::School.label(Role::Manager), None);
        assert_eq!(Template::Tutoring.label(Role::Manager), Some("Moderator"));
        assert_eq!(Template::Sales.label(Role::Member), None);
        assert_eq!(Template::Support.label(Role::Member), Some("Customer"));
        for t in Template::ALL {
            assert!(t.roles().contains(&Role::Owner));
            assert!(!t.modules().is_empty());
        }
    }
}
