//! What a caller who sees only their own records (a school's teacher, a
//! student) may hear of: the events about the people and groups their
//! scope reaches, as the REST API shows them (see
//! [`rapport_db::scope::linked_people`]). Other callers hear whatever their
//! permissions allow. A live connection's reach is read again as the
//! dispatcher re-checks rights, so that a student who joins a teacher's
//! class is heard of from then on.

use rapport_db::events::Event;
use rapport_db::Conn;
use serde_json::Value;
use std::collections::HashSet;
use uuid::Uuid;

/// The people and groups one caller's scope reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub user_id: Uuid,
    pub people: HashSet<Uuid>,
    pub groups: HashSet<Uuid>,
    /// The people who are the caller themself (a student who signs in).
    pub own: HashSet<Uuid>,
}

fn id(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn ids(v: &Value) -> impl Iterator<Item = Uuid> + '_ {
    v.as_array().into_iter().flatten().filter_map(id)
}

impl Reach {
    /// The reach of `user_id` in `ws`.
    pub async fn of(conn: &mut Conn, ws: Uuid, user_id: Uuid) -> diesel::QueryResult<Reach> {
        let (people, groups, own) = rapport_db::scope::reach(conn, ws, user_id).await?;
        Ok(Reach {
            user_id,
            people: people.into_iter().collect(),
            groups: groups.into_iter().collect(),
            own: own.into_iter().collect(),
        })
    }

    /// Whether `e`, which the caller's permissions let them hear, concerns
    /// what they see: a record of a person or group they reach, or a record
    /// that is nobody's (a store item, a setting). The event's subject
    /// always hears of it.
    pub fn hears(&self, e: &Event) -> bool {
        if e.subject_user_id == Some(self.user_id) {
            return true;
        }
        let d = &e.data;
        let person = |v: &Value| id(v).is_some_and(|p| self.people.contains(&p));
        let group = |v: &Value| id(v).is_some_and(|g| self.groups.contains(&g));
        let record = e.kind.split('.').next().unwrap_or_default();
        match record {
            "person" => person(&d["id"]),
            "group" => group(&d["id"]),
            "group_member" => group(&d["group_id"]) || person(&d["person_id"]),
            // A session is heard by its host, by its groups' leaders and
            // members, and by the people it names as themselves: a
            // teacher does not hear of another class's lesson that one of
            // their students also attends.
            "session" | "session_series" => {
                id(&d["host_id"]) == Some(self.user_id)
                    || ids(&d["group_ids"]).any(|g| self.groups.contains(&g))
                    || ids(&d["participant_ids"]).any(|p| self.own.contains(&p))
            }
            "note" => match d["record_type"].as_str() {
                Some("person") => person(&d["record_id"]),
                Some("group") => group(&d["record_id"]),
                _ => false,
            },
            // Records of one person: attendance, ledger entries, orders,
            // guardians, charges and payments.
            _ if !d["person_id"].is_null() => person(&d["person_id"]),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value, subject: Option<Uuid>) -> Event {
        Event {
            workspace_id: Uuid::nil(),
            seq: 1,
            kind: kind.into(),
            occurred_at: chrono::Utc::now(),
            actor_kind: "user".into(),
            actor_id: None,
            data,
            permission: "people:write".into(),
            subject_user_id: subject,
        }
    }

    #[test]
    fn a_teacher_hears_of_their_students_and_classes_only() {
        let (me, mine, theirs, class, other) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let reach = Reach {
            user_id: me,
            people: [mine].into(),
            groups: [class].into(),
            own: HashSet::new(),
        };
        let hears = |kind: &str, data: Value| reach.hears(&event(kind, data, None));
        assert!(hears("person.updated", json!({"id": mine})));
        assert!(!hears("person.updated", json!({"id": theirs})));
        assert!(hears("group.updated", json!({"id": class})));
        assert!(!hears("group.updated", json!({"id": other})));
        // A new student of their class, heard by the class.
        assert!(hears(
            "group_member.created",
            json!({"group_id": class, "person_id": theirs})
        ));
        assert!(!hears(
            "group_member.created",
            json!({"group_id": other, "person_id": theirs})
        ));
        assert!(hears("attendance.updated", json!({"person_id": mine})));
        assert!(!hears("attendance.updated", json!({"person_id": theirs})));
        assert!(hears(
            "session.created",
            json!({"host_id": me, "group_ids": []})
        ));
        assert!(hears(
            "session.created",
            json!({"host_id": null, "group_ids": [class]})
        ));
        assert!(!hears(
            "session.created",
            json!({"host_id": theirs, "group_ids": [other], "participant_ids": [theirs]})
        ));
        // Their student's lesson in another class, held by another teacher.
        assert!(!hears(
            "session.updated",
            json!({"host_id": theirs, "group_ids": [other], "participant_ids": [mine]})
        ));
        assert!(hears(
            "note.created",
            json!({"record_type": "person", "record_id": mine})
        ));
        assert!(!hears(
            "note.created",
            json!({"record_type": "person", "record_id": theirs})
        ));
        assert!(!hears(
            "note.created",
            json!({"record_type": "organization", "record_id": mine})
        ));
        // Nobody's records, and what is about them.
        assert!(hears(
            "store_item.updated",
            json!({"id": other, "name": "Stickers"})
        ));
        assert!(reach.hears(&event("person.updated", json!({"id": theirs}), Some(me))));
    }

    #[test]
    fn a_student_hears_of_the_sessions_that_name_them() {
        let (me, myself, someone, class) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let reach = Reach {
            user_id: me,
            people: [myself].into(),
            groups: [class].into(),
            own: [myself].into(),
        };
        let hears = |data: Value| reach.hears(&event("session.updated", data, None));
        assert!(hears(
            json!({"host_id": someone, "participant_ids": [myself]})
        ));
        assert!(hears(json!({"host_id": someone, "group_ids": [class]})));
        assert!(!hears(
            json!({"host_id": someone, "participant_ids": [someone]})
        ));
    }
}
