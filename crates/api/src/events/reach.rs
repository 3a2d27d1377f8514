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
    /// For a moderator limited to branches: those branches (`people` are
    /// then theirs).
    pub branches: Option<Branches>,
}

/// What a moderator limited to branches reaches besides their people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branches {
    pub ids: Vec<Uuid>,
    /// The members of those branches: their tutors, whose sessions they
    /// hear of.
    pub hosts: HashSet<Uuid>,
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
            branches: None,
        })
    }

    /// The reach of `user_id`, a moderator limited to branches `ids`, in
    /// `ws`: the people of those branches and their tutors' sessions.
    pub async fn of_branches(
        conn: &mut Conn,
        ws: Uuid,
        user_id: Uuid,
        ids: Vec<Uuid>,
    ) -> diesel::QueryResult<Reach> {
        use diesel_async::RunQueryDsl;
        let people: Vec<Uuid> = rapport_db::scope::branch_people(ws, &ids)
            .load(conn)
            .await?;
        let hosts: Vec<Uuid> = rapport_db::scope::branch_members(ws, &ids)
            .load(conn)
            .await?;
        Ok(Reach {
            user_id,
            people: people.into_iter().collect(),
            groups: HashSet::new(),
            own: HashSet::new(),
            branches: Some(Branches {
                ids,
                hosts: hosts.into_iter().collect(),
            }),
        })
    }

    /// This reach read again: a moderator's with their branches as they
    /// are now (none: they hear of everything their rights allow).
    pub async fn again(&self, conn: &mut Conn, ws: Uuid) -> diesel::QueryResult<Reach> {
        match &self.branches {
            None => Reach::of(conn, ws, self.user_id).await,
            Some(_) => {
                let ids = rapport_db::branches::of_member(conn, ws, self.user_id).await?;
                Reach::of_branches(conn, ws, self.user_id, ids).await
            }
        }
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
        if let Some(b) = &self.branches {
            return b.ids.is_empty()
                || match record {
                    // A person's own branch, as the event carries it.
                    "person" if d.get("branch_id").is_some() => {
                        id(&d["branch_id"]).is_some_and(|branch| b.ids.contains(&branch))
                    }
                    "person" => person(&d["id"]),
                    "group_member" => person(&d["person_id"]),
                    "session" | "session_series" => {
                        id(&d["host_id"]).is_some_and(|h| b.hosts.contains(&h))
                            || ids(&d["participant_ids"]).any(|p| self.people.contains(&p))
                    }
                    "note" => match d["record_type"].as_str() {
                        Some("person") => person(&d["record_id"]),
                        _ => true,
                    },
                    _ if !d["person_id"].is_null() => person(&d["person_id"]),
                    _ => true,
                };
        }
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
            branches: None,
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
            branches: None,
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

    #[test]
    fn a_moderator_of_a_branch_hears_of_its_people_and_its_tutors_sessions() {
        let (me, mine, theirs, tutor, other_tutor, class) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let reach = Reach {
            user_id: me,
            people: [mine].into(),
            groups: HashSet::new(),
            own: HashSet::new(),
            branches: Some(Branches {
                ids: vec![Uuid::now_v7()],
                hosts: [tutor].into(),
            }),
        };
        let hears = |kind: &str, data: Value| reach.hears(&event(kind, data, None));
        assert!(hears(
            "person.updated",
            json!({"id": mine, "first_name": "Ada"})
        ));
        assert!(!hears(
            "person.updated",
            json!({"id": theirs, "first_name": "Bob"})
        ));
        // By the branch the event says: one who just joined theirs, or left it.
        let north = reach.branches.as_ref().unwrap().ids[0];
        assert!(hears(
            "person.created",
            json!({"id": theirs, "branch_id": north})
        ));
        assert!(!hears(
            "person.updated",
            json!({"id": mine, "branch_id": Uuid::now_v7()})
        ));
        assert!(!hears(
            "person.updated",
            json!({"id": mine, "branch_id": null})
        ));
        assert!(hears(
            "session.created",
            json!({"host_id": tutor, "participant_ids": []})
        ));
        assert!(hears(
            "session.created",
            json!({"host_id": other_tutor, "participant_ids": [mine]})
        ));
        assert!(!hears(
            "session.created",
            json!({"host_id": other_tutor, "participant_ids": [theirs]})
        ));
        assert!(hears("group.updated", json!({"id": class})));
        assert!(!hears(
            "group_member.created",
            json!({"group_id": class, "person_id": theirs})
        ));
        assert!(!hears(
            "note.created",
            json!({"record_type": "person", "record_id": theirs})
        ));
        assert!(!hears("ledger_entry.created", json!({"person_id": theirs})));
        assert!(hears(
            "store_item.updated",
            json!({"id": class, "name": "Stickers"})
        ));
        // Given no branches any more: everything their rights allow.
        let all = Reach {
            branches: Some(Branches {
                ids: Vec::new(),
                hosts: HashSet::new(),
            }),
            ..reach.clone()
        };
        assert!(all.hears(&event("person.updated", json!({"id": theirs}), None)));
    }
}
