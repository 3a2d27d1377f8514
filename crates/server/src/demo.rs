//! Demo workspaces, one per template, with people in each role.

use diesel_async::AsyncConnection;
use rapport_api::auth::secrets;
use rapport_api::backup::crypt::Key;
use rapport_api::extract::ctx::Ctx;
use rapport_db::users::NewUser;
use rapport_domain::api::ActorKind;
use rapport_domain::{Role, Template};
use uuid::Uuid;

pub const PASSWORD: &str = "rapport-demo-2026";

fn workspace_name(t: Template) -> &'static str {
    match t {
        Template::School => "Northside Coding School",
        Template::Tutoring => "Bright Minds Tutoring",
        Template::Consulting => "Clearpath Certification",
        Template::Sales => "Acme Sales",
        Template::Support => "Helpdesk Co",
    }
}

fn people(t: Template) -> Vec<(Role, &'static str, String)> {
    let slug = t.as_str();
    let mut out = vec![(Role::Owner, "Olivia Owner", format!("owner@{slug}.demo"))];
    let names = [
        (Role::Admin, "Adam Admin"),
        (Role::Manager, "Maya Manager"),
        (Role::Staff, "Sam Staff"),
        (Role::Member, "Mia Member"),
    ];
    for (role, name) in names {
        if t.label(role).is_some() {
            out.push((role, name, format!("{}@{slug}.demo", role.as_str())));
        }
    }
    // The tutoring business's other tutors: six in all with the moderator
    // and Mia.
    if t == Template::Tutoring {
        for (name, login) in [
            ("Theo Turner", "turner"),
            ("Nora Novak", "novak"),
            ("Kofi Mensah", "mensah"),
            ("Léa Laurent", "laurent"),
        ] {
            out.push((Role::Member, name, format!("{login}@{slug}.demo")));
        }
    }
    // The school's other teachers, each with classes of their own.
    if t == Template::School {
        for (name, login) in [
            ("Rita Rivera", "rivera"),
            ("Lena Lindgren", "lindgren"),
            ("Tomás Ortega", "ortega"),
        ] {
            out.push((Role::Staff, name, format!("{login}@{slug}.demo")));
        }
    }
    out
}

/// Creates the demo workspaces that do not exist yet; returns sign-in lines.
pub async fn seed(pool: &rapport_db::Pool, fields_key: &Key) -> anyhow::Result<Vec<String>> {
    let hash = tokio::task::spawn_blocking(|| secrets::hash_now(PASSWORD)).await??;
    let mut conn = pool.get().await?;
    let ctx = Ctx {
        actor_kind: ActorKind::System,
        actor_id: None,
        ip: None,
        user_agent: Some("rapport demo".into()),
        request_id: None,
    };
    let mut lines = Vec::new();
    let mut seeded = false;
    for t in Template::ALL {
        let owner_email = format!("owner@{}.demo", t.as_str());
        if rapport_db::users::find_by_email(&mut conn, &owner_email)
            .await?
            .is_none()
        {
            conn.transaction::<_, anyhow::Error, _>(async |conn| {
                let ws = rapport_db::workspaces::insert(conn, Uuid::now_v7(), workspace_name(t), t)
                    .await?;
                ctx.record(conn, rapport_api::auth::register::workspace_created(&ws))
                    .await?;
                let mut members = Vec::new();
                for (role, name, email) in people(t) {
                    let user = match rapport_db::users::find_by_email(conn, &email).await? {
                        Some(u) => u,
                        None => {
                            rapport_db::users::insert(
                                conn,
                                &NewUser {
                                    id: Uuid::now_v7(),
                                    email: &email,
                                    name,
                                    password_hash: &hash,
                                },
                            )
                            .await?
                        }
                    };
                    rapport_db::members::add(conn, ws.id, user.id, role).await?;
                    members.push((role, user.id, name));
                    ctx.record(
                        conn,
                        rapport_api::auth::register::member_added(ws.id, &user, role),
                    )
                    .await?;
                }
                records(conn, &ctx, ws.id, t, &members).await?;
                if t == Template::Tutoring {
                    sensitive(conn, &ctx, ws.id, fields_key).await?;
                }
                if t.modules().contains(&rapport_domain::Module::Messaging) {
                    conversations(conn, &ctx, ws.id, t, &members).await?;
                }
                Ok(())
            })
            .await?;
            seeded = true;
        }
        let roles: Vec<String> = people(t)
            .into_iter()
            .map(|(role, _, email)| format!("{email} ({})", t.label(role).unwrap_or(role.as_str())))
            .collect();
        lines.push(format!("  {:<26} {}", workspace_name(t), roles.join(", ")));
    }
    // What was just loaded, planned for from the first request on.
    if seeded {
        rapport_db::analyze(&mut conn).await?;
    }
    lines.push(format!("  password for every demo account: {PASSWORD}"));
    Ok(lines)
}

const GIVEN: [&str; 24] = [
    "Amara", "Bruno", "Chloé", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Lucas", "Mei", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Victor", "Wen", "Yara",
];
/// Given names of the tutoring business's other students.
const MORE_GIVEN: [&str; 15] = [
    "Aiko", "Bilal", "Carmen", "Dario", "Esme", "Femi", "Greta", "Hugo", "Isla", "Jamal", "Keiko",
    "Luca", "Maren", "Nico", "Olga",
];
const FAMILY: [&str; 24] = [
    "Okafor",
    "Silva",
    "Martin",
    "Volkov",
    "Yilmaz",
    "Haddad",
    "Hopper",
    "Tanaka",
    "García",
    "Becker",
    "Iyer",
    "Moreau",
    "Chen",
    "Rahman",
    "Lindqvist",
    "Patel",
    "Dubois",
    "Romero",
    "Andersen",
    "Aziz",
    "Nair",
    "Petit",
    "Zhang",
    "Costa",
];

/// The tutoring business's two branches.
async fn branches(conn: &mut rapport_db::Conn, ctx: &Ctx, ws: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (name, address) in [("North", "12 Harbour Street"), ("South", "48 Station Road")] {
        let now = chrono::Utc::now();
        let row = rapport_db::branches::insert(
            conn,
            &rapport_db::branches::BranchRow {
                workspace_id: ws,
                id: Uuid::now_v7(),
                name: name.into(),
                address: Some(address.into()),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )
        .await?;
        ctx.created(conn, ws, &row)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo branch: {e}"))?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// An inbox for each member: the member and their teacher or moderator
/// talking, a broadcast from the owner, a group conversation of staff,
/// and a notification.
async fn conversations(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
    members: &[(Role, Uuid, &str)],
) -> anyhow::Result<()> {
    use rapport_api::messaging::{post, Outgoing};
    use rapport_domain::messaging::MessageKind;
    let who = |role: Role| {
        members
            .iter()
            .find(|(r, ..)| *r == role)
            .map(|(_, id, _)| *id)
    };
    let (Some(owner), Some(member)) = (who(Role::Owner), who(Role::Member)) else {
        return Ok(());
    };
    // The member's teacher (school) or moderator (tutoring).
    let Some(staff) = who(Role::Staff).or(who(Role::Manager)) else {
        return Ok(());
    };
    let say = |author: Uuid, conversation: Uuid, body: &str| Outgoing {
        conversation_id: conversation,
        kind: MessageKind::Message,
        author: Some(author),
        body: body.to_string(),
        link: None,
    };
    let fail = |e: rapport_api::error::ApiError| anyhow::anyhow!("a demo message: {e}");
    let (direct, _) = rapport_db::messaging::direct(conn, ws, staff, member).await?;
    let lines: [(Uuid, &str); 4] = match t {
        Template::School => [
            (member, "Hello! I missed Tuesday's lesson: is there something I should practise?"),
            (staff, "Hi Mia, yes: finish the **loops** exercise (the star pattern). Bring questions on Thursday."),
            (member, "Done, it prints the whole pyramid now 🎉"),
            (staff, "Great work. Show me on Thursday and you'll earn a bronze."),
        ],
        _ => [
            (member, "Could we move Thursday's session to 16:00?"),
            (staff, "Yes, 16:00 works. I've moved it in the calendar."),
            (member, "Thanks! Should I bring last week's worksheet?"),
            (staff, "Please do, and the **fractions** homework too."),
        ],
    };
    for (author, body) in lines {
        post(conn, ctx, ws, say(author, direct, body))
            .await
            .map_err(fail)?;
    }
    // The member has read all but the last.
    rapport_db::messaging::mark_read(conn, ws, member, direct, None).await?;
    let last = say(
        staff,
        direct,
        match t {
            Template::School => "Reminder: no lesson next Monday, the school is closed.",
            _ => "See you on Thursday!",
        },
    );
    post(conn, ctx, ws, last).await.map_err(fail)?;

    let everyone: Vec<Uuid> = members
        .iter()
        .map(|(_, id, _)| *id)
        .filter(|id| *id != owner)
        .collect();
    use rapport_domain::messaging::ConversationKind;
    let mut audience: Vec<(Uuid, bool)> = everyone.iter().map(|id| (*id, false)).collect();
    audience.push((owner, true));
    let broadcast = opened(
        conn,
        (ws, owner),
        ConversationKind::Broadcast,
        "Holiday opening hours",
        &audience,
    )
    .await?;
    let news = Outgoing {
        kind: MessageKind::Broadcast,
        ..say(
            owner,
            broadcast,
            "We close from **24 to 26 December** and reopen on the 27th. Sessions in those days move to the week after.",
        )
    };
    post(conn, ctx, ws, news).await.map_err(fail)?;

    let staff_all: Vec<Uuid> = members
        .iter()
        .filter(|(r, ..)| *r != Role::Member && *r != Role::Owner)
        .map(|(_, id, _)| *id)
        .collect();
    if staff_all.len() >= 2 {
        let mut all: Vec<(Uuid, bool)> = staff_all.iter().map(|id| (*id, true)).collect();
        all.push((owner, true));
        let group = opened(
            conn,
            (ws, owner),
            ConversationKind::Group,
            "Staff room",
            &all,
        )
        .await?;
        post(
            conn,
            ctx,
            ws,
            say(
                owner,
                group,
                "Planning meeting on Friday at 17:00, in room 2.",
            ),
        )
        .await
        .map_err(fail)?;
        post(
            conn,
            ctx,
            ws,
            say(staff_all[0], group, "I'll bring the attendance figures."),
        )
        .await
        .map_err(fail)?;
    }
    rapport_api::messaging::notify(
        conn,
        ctx,
        ws,
        &[member],
        "Your next session was moved to **Thursday at 16:00**.",
        None,
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// A conversation of `kind` started by `owner` in `ws`, with its members.
async fn opened(
    conn: &mut rapport_db::Conn,
    (ws, owner): (Uuid, Uuid),
    kind: rapport_domain::messaging::ConversationKind,
    subject: &str,
    members: &[(Uuid, bool)],
) -> anyhow::Result<Uuid> {
    let new = rapport_db::messaging::NewConversation {
        subject: Some(subject.into()),
        audience: (kind == rapport_domain::messaging::ConversationKind::Broadcast)
            .then(|| serde_json::json!({"kind": "everyone"})),
        ..rapport_db::messaging::NewConversation::new(ws, kind, Some(owner))
    };
    rapport_db::messaging::open(conn, &new, members).await?;
    Ok(new.id)
}

/// The template's records: organisations where it has them, and people with
/// statuses, tags and owners, one of them the member who signs in.
async fn records(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
    members: &[(Role, Uuid, &str)],
) -> anyhow::Result<()> {
    use rapport_domain::people::PersonStatus;
    let mut organizations = Vec::new();
    if t.modules().contains(&rapport_domain::Module::Organizations) {
        for (name, domain, industry) in [
            ("Globex", "globex.example", "Manufacturing"),
            ("Initech", "initech.example", "Software"),
            ("Umbrella Health", "umbrella.example", "Health care"),
            ("Stark Logistics", "stark.example", "Logistics"),
        ] {
            let row = rapport_db::organizations::insert(
                conn,
                &rapport_db::organizations::NewOrganization {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    name: name.into(),
                    domain: Some(domain.into()),
                    industry: Some(industry.into()),
                    owner_id: members
                        .iter()
                        .find(|(r, ..)| *r == Role::Staff)
                        .map(|(_, id, _)| *id),
                    tags: vec![if organizations.len() % 2 == 0 {
                        "customer"
                    } else {
                        "prospect"
                    }
                    .into()],
                    ..Default::default()
                },
            )
            .await?;
            ctx.created(conn, ws, &row)
                .await
                .map_err(|e| anyhow::anyhow!("recording a demo organisation: {e}"))?;
            organizations.push((row.id, domain));
        }
    }
    let staff = members
        .iter()
        .find(|(r, ..)| *r == Role::Staff)
        .or_else(|| members.iter().find(|(r, ..)| *r == Role::Manager))
        .map(|(_, id, _)| *id);
    let tags: &[&str] = match t {
        Template::School => &[
            "python", "scratch", "robotics", "web", "beginner", "advanced",
        ],
        Template::Tutoring => &["maths", "physics", "english", "exam year", "online"],
        Template::Consulting => &["cohort 2026", "cohort 2025", "mentor", "certified"],
        Template::Sales => &["decision maker", "champion", "newsletter", "event 2026"],
        Template::Support => &["vip", "enterprise", "trial", "newsletter"],
    };
    let statuses = match t {
        Template::Sales => [
            PersonStatus::Lead,
            PersonStatus::Active,
            PersonStatus::Lead,
            PersonStatus::Inactive,
        ],
        _ => [
            PersonStatus::Active,
            PersonStatus::Active,
            PersonStatus::Active,
            PersonStatus::Former,
        ],
    };
    let mut people = Vec::new();
    // The member who signs in is one of the people, looked after by staff.
    if let Some((_, user_id, name)) = members.iter().find(|(r, ..)| *r == Role::Member) {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        people.push((first.to_string(), last.to_string(), Some(*user_id), 0usize));
    }
    for i in 0..24 {
        people.push((
            GIVEN[i].to_string(),
            FAMILY[(i * 7) % 24].to_string(),
            None,
            i + 1,
        ));
    }
    // A tutoring business's forty students.
    if t == Template::Tutoring {
        for (k, given) in MORE_GIVEN.iter().enumerate() {
            people.push((
                given.to_string(),
                FAMILY[1 + (k * 5) % 23].to_string(),
                None,
                25 + k,
            ));
        }
    }
    custom_fields(conn, ctx, ws, t).await?;
    let branches = match t {
        Template::Tutoring => branches(conn, ctx, ws).await?,
        _ => Vec::new(),
    };
    let mut person_ids = Vec::new();
    for (first, last, user_id, i) in people {
        let org = (!organizations.is_empty()).then(|| organizations[i % organizations.len()]);
        // Addresses keep to plain letters: "Chloé" writes chloe@.
        let plain = |s: &str| -> String {
            s.to_lowercase()
                .chars()
                .map(|c| match c {
                    'á' | 'à' => 'a',
                    'é' | 'è' => 'e',
                    'í' => 'i',
                    'ó' => 'o',
                    'ú' => 'u',
                    c => c,
                })
                .collect()
        };
        let (fl, ll) = (plain(&first), plain(&last));
        let email = match org {
            Some((_, domain)) => format!("{fl}.{ll}@{domain}"),
            None => format!("{fl}.{ll}@mail.example"),
        };
        let row = rapport_db::people::insert(
            conn,
            &rapport_db::people::NewPerson {
                workspace_id: ws,
                id: Uuid::now_v7(),
                first_name: first,
                last_name: last,
                email: Some(rapport_db::users::normalize_email(&email)),
                phone: (i % 3 != 2).then(|| format!("+1 555 01{:02}", i % 100)),
                organization_id: org.map(|(id, _)| id),
                owner_id: if user_id.is_some() || i % 2 == 0 {
                    staff
                } else {
                    None
                },
                user_id,
                branch_id: (!branches.is_empty()).then(|| branches[i % branches.len()]),
                status: statuses[i % statuses.len()].as_str().to_string(),
                tags: [tags[i % tags.len()], tags[(i / 2 + 1) % tags.len()]]
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                custom_fields: custom_values(t, i),
                sensitive_fields: None,
            },
        )
        .await?;
        ctx.created(conn, ws, &row)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo person: {e}"))?;
        person_ids.push(row.id);
    }
    notes(conn, ctx, ws, t, staff, &person_ids).await?;
    let mut classes = if t.modules().contains(&rapport_domain::Module::Groups) {
        groups(conn, ctx, ws, staff, &person_ids).await?
    } else {
        Vec::new()
    };
    // The school at its size: the other teachers' classes and students.
    let mut students = person_ids.clone();
    if t == Template::School {
        let others: Vec<Uuid> = members
            .iter()
            .filter(|(r, ..)| *r == Role::Staff)
            .skip(1)
            .map(|(_, id, _)| *id)
            .collect();
        let (more_classes, more_people) = school_at_scale(conn, ctx, ws, &others).await?;
        classes.extend(more_classes);
        students.extend(more_people);
    }
    if let (true, Some(host)) = (
        t.modules().contains(&rapport_domain::Module::Scheduling),
        staff,
    ) {
        // In tutoring the moderator and the users who sign in teach; the
        // first of them holds the other templates' sessions.
        let tutors: Vec<Uuid> = if t == Template::Tutoring {
            std::iter::once(host)
                .chain(
                    members
                        .iter()
                        .filter(|(r, ..)| *r == Role::Member)
                        .map(|(_, id, _)| *id),
                )
                .collect()
        } else {
            vec![host]
        };
        sessions(conn, ctx, ws, t, &tutors, &person_ids, &classes).await?;
        if t.modules().contains(&rapport_domain::Module::Finance) {
            finance(conn, ctx, ws, &tutors, &person_ids).await?;
        }
        if t.modules().contains(&rapport_domain::Module::Payments) {
            tuition(conn, ctx, ws, &classes, &students).await?;
        }
        // The host can be booked on weekdays, 09:00 to 17:00.
        let weekly: Vec<serde_json::Value> = (1..=5)
            .map(|d| serde_json::json!({"weekday": d, "from": "09:00", "to": "17:00"}))
            .collect();
        rapport_db::scheduling::put_availability(
            conn,
            ws,
            host,
            "UTC",
            &serde_json::json!(weekly),
            &serde_json::json!([]),
            &serde_json::json!([]),
            None,
        )
        .await?;
        if t.modules().contains(&rapport_domain::Module::Booking) {
            rapport_db::scheduling::put_booking_rule(
                conn,
                &rapport_db::scheduling::BookingRuleRow {
                    workspace_id: ws,
                    kind: "consultation".into(),
                    duration_min: 60,
                    buffer_before_min: 0,
                    buffer_after_min: 0,
                    slot_interval_min: 30,
                    min_notice_min: 120,
                    window_days: 60,
                    max_per_day: Some(6),
                    max_per_week: None,
                    requires_confirmation: false,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// One demo session `new` for `who` and `class`, the `n`th: held when it
/// has ended (one in nine cancelled instead), with its register taken and,
/// in a school, the bronze each student present earns.
#[allow(clippy::too_many_arguments)]
async fn held_or_coming(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
    new: rapport_db::scheduling::NewSession,
    who: &[Uuid],
    class: &[Uuid],
    n: usize,
) -> anyhow::Result<()> {
    use rapport_domain::scheduling::{AttendanceStatus, SessionStatus};
    let now = chrono::Utc::now();
    let ends_at = new.ends_at;
    let host = new.host_id;
    let row = rapport_db::scheduling::insert(conn, &new).await?;
    rapport_db::scheduling::set_participants(conn, ws, row.id, who).await?;
    rapport_db::scheduling::set_groups(conn, ws, row.id, class).await?;
    let mut changes = rapport_db::scheduling::SessionChanges::default();
    if ends_at < now {
        if n % 9 == 4 {
            changes.status = Some(SessionStatus::Cancelled.as_str().into());
            changes.cancel_reason = Some(Some("The host was ill".into()));
        } else {
            changes.status = Some(SessionStatus::Completed.as_str().into());
        }
    }
    let row = match changes.status {
        Some(_) => rapport_db::scheduling::update(conn, ws, row.id, row.version, &changes)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a demo session moved on"))?,
        None => row,
    };
    let session = rapport_api::scheduling::Session {
        row,
        participants: who.to_vec(),
        groups: class.to_vec(),
    };
    ctx.created(conn, ws, &session)
        .await
        .map_err(|e| anyhow::anyhow!("recording a demo session: {e}"))?;
    if session.row.status != SessionStatus::Completed {
        return Ok(());
    }
    let came = rapport_db::scheduling::people_of(conn, ws, &[session.row.id])
        .await?
        .remove(&session.row.id)
        .unwrap_or_default();
    for (k, person) in came.iter().enumerate() {
        let status = match (n + k) % 11 {
            3 => AttendanceStatus::Late,
            7 => AttendanceStatus::Absent,
            _ => AttendanceStatus::Present,
        };
        let note = (status == AttendanceStatus::Late).then_some("Bus was late");
        let a = rapport_db::scheduling::record_attendance(
            conn,
            ws,
            session.row.id,
            *person,
            status,
            note,
            host,
        )
        .await?;
        ctx.created(conn, ws, &a)
            .await
            .map_err(|e| anyhow::anyhow!("recording demo attendance: {e}"))?;
        // The school's bronze for being present, as the register gives it.
        if t.modules().contains(&rapport_domain::Module::Medals) {
            rapport_api::medals::on_attendance(conn, ctx, ws, session.row.id, *person, status)
                .await
                .map_err(|e| anyhow::anyhow!("giving a demo bronze: {e}"))?;
        }
    }
    Ok(())
}

/// Sessions around today, on weekdays: the weeks before (held, their
/// registers taken, one in nine cancelled; a school's whole term so far,
/// one week elsewhere), this week and the next.
/// Lessons of a class in a school (`classes`: its register is the class on
/// that day), one student at a time in tutoring (with a fee),
/// consultations in a certification programme.
async fn sessions(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
    hosts: &[Uuid],
    people: &[Uuid],
    classes: &[Uuid],
) -> anyhow::Result<()> {
    let host = hosts[0];
    use chrono::{Datelike, Duration, NaiveTime, TimeZone, Utc};
    use rapport_domain::scheduling::SessionKind;
    let (kind, slots, group): (SessionKind, &[(u32, u32, &str)], usize) = match t {
        Template::School => (
            SessionKind::Lesson,
            &[(15, 0, "Python beginners"), (17, 0, "Robotics club")],
            4,
        ),
        Template::Tutoring => (
            SessionKind::Tutoring,
            &[(14, 0, "Maths"), (15, 30, "Physics"), (17, 0, "English")],
            1,
        ),
        _ => (
            SessionKind::Consultation,
            &[(10, 0, "Consultation"), (14, 0, "Case review")],
            1,
        ),
    };
    rapport_db::analyze(conn).await?;
    let today = Utc::now().date_naive();
    // A school's term so far (the thirteen weeks before this one);
    // elsewhere the week before. Then this week and the next.
    let weeks_back: i64 = if t == Template::School { 13 } else { 1 };
    let monday =
        today - Duration::days(today.weekday().num_days_from_monday() as i64 + 7 * weeks_back);
    let mut n = 0usize;
    for day in 0..7 * (weeks_back + 2) {
        let date = monday + Duration::days(day);
        if date.weekday().num_days_from_monday() >= 5 {
            continue;
        }
        for (h, m, title) in slots {
            let time = NaiveTime::from_hms_opt(*h, *m, 0).unwrap_or_default();
            let starts_at = Utc.from_utc_datetime(&date.and_time(time));
            let ends_at = starts_at + Duration::minutes(if group > 1 { 90 } else { 60 });
            // A lesson is for its class (the first and the third of the
            // demo's); other sessions name their student.
            let class: Vec<Uuid> = if classes.is_empty() {
                Vec::new()
            } else {
                let which = if title.starts_with("Python") { 0 } else { 2 };
                classes.get(which).copied().into_iter().collect()
            };
            let who: Vec<Uuid> = if class.is_empty() {
                (0..group)
                    .map(|k| people[(n * group + k) % people.len()])
                    .collect()
            } else {
                Vec::new()
            };
            n += 1;
            held_or_coming(
                conn,
                ctx,
                ws,
                t,
                rapport_db::scheduling::NewSession {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    kind: kind.as_str().into(),
                    title: title.to_string(),
                    starts_at,
                    ends_at,
                    location: (group > 1).then(|| "Room 2".into()),
                    online_url: (group == 1 && n.is_multiple_of(3))
                        .then(|| "https://meet.example/rapport-demo".into()),
                    // Each slot of the day another tutor's.
                    host_id: Some(hosts[n % hosts.len()]),
                    notes: None,
                    fee_minor: (t == Template::Tutoring).then_some(4000),
                    fee_currency: (t == Template::Tutoring).then(|| "EUR".into()),
                    // A class's lessons are for the class: none is booked.
                    capacity: None,
                    buffer_before_min: 0,
                    buffer_after_min: if group > 1 { 0 } else { 15 },
                    series_id: None,
                    recurrence_id: None,
                    status: None,
                    cancel_reason: None,
                    booked_by: None,
                },
                &who,
                &class,
                n,
            )
            .await?;
        }
    }
    if t == Template::Consulting {
        group_sessions(conn, ctx, ws, host, people).await?;
    }
    if t.modules().contains(&rapport_domain::Module::Medals) {
        awards(conn, ctx, ws, host, people).await?;
    }
    if t.modules().contains(&rapport_domain::Module::Store) {
        store(conn, ctx, ws, people).await?;
    }
    Ok(())
}

/// A tutoring business's money: an hourly rate per student, pay rates for
/// the tutors, six months of completed lessons (two to four a month per
/// student), each month invoiced, most invoices paid (some late, a few
/// not at all).
async fn finance(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    tutors: &[Uuid],
    people: &[Uuid],
) -> anyhow::Result<()> {
    use chrono::{Datelike, Duration, Months, NaiveTime, TimeZone, Utc};
    use rapport_api::payments::record_payment::{take, Taken};
    use rapport_domain::api::{PaymentMethod, RateUnit};
    let now = Utc::now();
    let students = people;
    for (i, p) in students.iter().enumerate() {
        let rate = rapport_db::finance::insert_rate(
            conn,
            &rapport_db::finance::RateRow {
                workspace_id: ws,
                id: Uuid::now_v7(),
                person_id: *p,
                tutor_id: None,
                subject: None,
                unit: RateUnit::Hour,
                amount_minor: 3500 + 500 * (i as i64 % 4),
                currency: "EUR".into(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )
        .await?;
        ctx.created(conn, ws, &rate)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo rate: {e}"))?;
    }
    for (k, tutor) in tutors.iter().enumerate() {
        let pay = rapport_db::finance::insert_pay_rate(
            conn,
            &rapport_db::finance::PayRateRow {
                workspace_id: ws,
                id: Uuid::now_v7(),
                tutor_id: *tutor,
                subject: None,
                unit: RateUnit::Hour,
                amount_minor: 2200 + 300 * k as i64,
                currency: "EUR".into(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )
        .await?;
        ctx.created(conn, ws, &pay)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo pay rate: {e}"))?;
    }
    let this_month = now.date_naive().with_day(1).unwrap_or_default();
    // Two students bought packages before the first month: ten sessions,
    // used up in a few months (then billed by the hour), and twenty of
    // physics, a few still left.
    let first = this_month - Months::new(6);
    let packages = [
        (0, "Ten sessions", None, 10, 30000),
        (1, "Physics, twenty sessions", Some("Physics"), 20, 72000),
    ];
    for (i, name, subject, sessions, price) in packages {
        let Some(p) = students.get(i) else { continue };
        let body = rapport_domain::api::NewPackage {
            person_id: *p,
            name: name.into(),
            subject: subject.map(String::from),
            sessions,
            price: rapport_domain::api::Money {
                amount_minor: price,
                currency: "EUR".into(),
            },
            starts_on: None,
            expires_on: None,
            due_days: None,
        };
        let (_, invoice) = rapport_api::finance::packages::sell(conn, ctx, ws, &body, first)
            .await
            .map_err(|e| anyhow::anyhow!("selling a demo package: {e:?}"))?;
        take(
            conn,
            ctx,
            ws,
            Taken {
                person: *p,
                amount: invoice.total_minor,
                currency: &invoice.currency,
                method: PaymentMethod::Transfer,
                paid_on: first + Duration::days(3),
                note: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("a demo payment: {e:?}"))?;
    }
    for back in (1..=6u32).rev() {
        let month = this_month - Months::new(back);
        // Each student's lessons of the month with their own tutor, at the
        // tutor's next free time so that no tutor is in two places: 08:00,
        // 10:00, 12:00 or 14:00, day after day from the first.
        let mut slots = vec![0u32; tutors.len()];
        for (i, p) in students.iter().enumerate() {
            let lessons = 2 + (i as u32 + back) % 3;
            let k = i % tutors.len();
            let tutor = tutors[k];
            for _ in 0..lessons {
                let slot = slots[k];
                slots[k] += 1;
                let day = month + Duration::days(i64::from(slot / 4));
                let time = NaiveTime::from_hms_opt(8 + 2 * (slot % 4), 0, 0).unwrap_or_default();
                let starts_at = Utc.from_utc_datetime(&day.and_time(time));
                let minutes = if (slot + 1 + i as u32).is_multiple_of(4) {
                    90
                } else {
                    60
                };
                let title = ["Maths", "Physics", "English"][i % 3];
                let row = rapport_db::scheduling::insert(
                    conn,
                    &rapport_db::scheduling::NewSession {
                        workspace_id: ws,
                        id: Uuid::now_v7(),
                        kind: "tutoring".into(),
                        title: title.into(),
                        starts_at,
                        ends_at: starts_at + Duration::minutes(minutes),
                        location: None,
                        online_url: None,
                        host_id: Some(tutor),
                        notes: None,
                        fee_minor: None,
                        fee_currency: None,
                        capacity: None,
                        buffer_before_min: 0,
                        buffer_after_min: 0,
                        series_id: None,
                        recurrence_id: None,
                        status: Some("completed".into()),
                        cancel_reason: None,
                        booked_by: None,
                    },
                )
                .await?;
                rapport_db::scheduling::set_participants(conn, ws, row.id, &[*p]).await?;
            }
        }
        // Issued on the first of the month after, as the monthly run does.
        let issued = (month + Months::new(1)).min(now.date_naive());
        let asked = rapport_api::finance::run::Run {
            month: Some(month),
            person: None,
            issued_on: Some(issued),
            due_days: 14,
            draft: false,
        };
        let run = rapport_api::finance::run::invoice(conn, ctx, ws, asked)
            .await
            .map_err(|e| anyhow::anyhow!("invoicing a demo month: {e:?}"))?;
        // Most pay within the month; one in five a month late (the last
        // month's not yet); one in eight not at all.
        for (j, inv) in run.invoices.iter().enumerate() {
            if j % 8 == 5 || (j % 5 == 2 && back == 1) {
                continue;
            }
            take(
                conn,
                ctx,
                ws,
                Taken {
                    person: inv.person_id,
                    amount: inv.total.amount_minor,
                    currency: &inv.total.currency,
                    method: [
                        PaymentMethod::Transfer,
                        PaymentMethod::Card,
                        PaymentMethod::Cash,
                    ][j % 3],
                    paid_on: inv.due_on.min(now.date_naive()),
                    note: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("a demo payment: {e:?}"))?;
        }
    }
    Ok(())
}

/// Tuition: a fee plan per class from the school year's start, guardians
/// for the students, a sibling discount, every month charged since, and
/// payments: most families up to date, some a month behind, a few not
/// paying at all.
async fn tuition(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    classes: &[Uuid],
    people: &[Uuid],
) -> anyhow::Result<()> {
    use rapport_api::payments::record_payment::{take, Taken};
    use rapport_domain::api::PaymentMethod;
    let today = rapport_db::groups::today(conn, ws).await?;
    let start = term_start(today);
    // The first teacher's four classes, then the other teachers' eight.
    let fees = [
        ("Python beginners", 12000),
        ("Scratch juniors", 9000),
        ("Robotics club", 15000),
        ("Web design", 11000),
        ("Minecraft modding", 10000),
        ("Game design", 12000),
        ("App inventor", 10000),
        ("3D printing", 14000),
        ("Data science", 12000),
        ("Digital art", 9000),
        ("Electronics", 13000),
        ("Cyber safety", 8000),
    ];
    for (class, (name, fee)) in classes.iter().zip(fees) {
        let now = chrono::Utc::now();
        let plan = rapport_db::payments::insert_plan(
            conn,
            &rapport_db::payments::PlanRow {
                workspace_id: ws,
                id: Uuid::now_v7(),
                name: name.into(),
                amount_minor: fee,
                currency: "USD".into(),
                group_id: Some(*class),
                person_id: None,
                first_month: start,
                active: true,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )
        .await?;
        ctx.created(conn, ws, &plan)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo plan: {e}"))?;
    }
    let scope = rapport_db::scope::Scope::Workspace(ws);
    for (i, id) in people.iter().enumerate().take(20) {
        let Some(p) = rapport_db::people::find(conn, &scope, *id).await? else {
            continue;
        };
        let given = GIVEN[(i * 5 + 3) % GIVEN.len()];
        let ascii = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase()
        };
        let row = rapport_db::people::GuardianRow {
            workspace_id: ws,
            id: Uuid::now_v7(),
            person_id: *id,
            position: 0,
            name: format!("{given} {}", p.last_name),
            relation: Some(if i % 2 == 0 { "mother" } else { "father" }.into()),
            email: Some(format!(
                "{}.{}@example.com",
                ascii(given),
                ascii(&p.last_name)
            )),
            phone: Some(format!("+1 555 01{:02}", i)),
            receives_mail: true,
            created_at: chrono::Utc::now(),
        };
        rapport_db::people::set_guardians(conn, ws, *id, &[row]).await?;
    }
    // Two sisters: the second pays less.
    if let Some(sister) = people.get(3) {
        let d =
            rapport_db::payments::put_discount(conn, ws, *sister, 10, "Sibling discount").await?;
        ctx.created(conn, ws, &d)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo discount: {e}"))?;
    }
    let mut month = start;
    while month <= today {
        rapport_api::payments::charge_run::charge_month(conn, ctx, ws, month)
            .await
            .map_err(|e| anyhow::anyhow!("charging a demo month: {e}"))?;
        month = month + chrono::Months::new(1);
    }
    let methods = [
        PaymentMethod::Transfer,
        PaymentMethod::Cash,
        PaymentMethod::Card,
    ];
    for (i, id) in people.iter().enumerate() {
        let mut charges: Vec<_> = rapport_db::payments::standing(conn, ws, &[*id])
            .await?
            .into_iter()
            .filter(|c| c.currency == "USD")
            .collect();
        charges.reverse();
        // Every seventh family pays nothing; every fifth is a month behind.
        let paid = match i % 7 {
            3 => 0,
            _ if i % 5 == 1 => charges.len().saturating_sub(1),
            _ => charges.len(),
        };
        for (k, c) in charges.iter().take(paid).enumerate() {
            let paid_on = (c.month + chrono::Duration::days(3 + (i % 9) as i64)).min(today);
            take(
                conn,
                ctx,
                ws,
                Taken {
                    person: *id,
                    amount: c.amount_minor,
                    currency: "USD",
                    method: methods[(i + k) % methods.len()],
                    paid_on,
                    note: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo payment: {e}"))?;
        }
    }
    Ok(())
}

/// The reward store: four rewards with their pictures (one taken off
/// sale), and the orders of the students whose medals cover them, one of
/// them handed over.
async fn store(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    people: &[Uuid],
) -> anyhow::Result<()> {
    let rewards = [
        (
            "Robot sticker pack",
            "Six glossy stickers",
            &include_bytes!("../demo/stickers.png")[..],
            (0, 0, 3),
            40,
            true,
        ),
        (
            "Class mascot keyring",
            "The lab's robot, in metal",
            &include_bytes!("../demo/keyring.png")[..],
            (0, 1, 0),
            12,
            true,
        ),
        (
            "Arduino starter kit",
            "Board, sensors and cables to take home",
            &include_bytes!("../demo/kit.png")[..],
            (1, 1, 0),
            3,
            true,
        ),
        (
            "Extra lab time",
            "An hour in the lab on Saturday",
            &include_bytes!("../demo/lab-time.png")[..],
            (0, 0, 8),
            20,
            false,
        ),
    ];
    let mut items = vec![];
    for (name, description, picture, (gold, silver, bronze), stock, active) in rewards {
        use sha2::Digest;
        let now = chrono::Utc::now();
        let (id, hash) = (Uuid::now_v7(), hex::encode(sha2::Sha256::digest(picture)));
        let item = rapport_db::store::insert_item(
            conn,
            &rapport_db::store::ItemRow {
                workspace_id: ws,
                id,
                name: name.into(),
                description: Some(description.into()),
                image_url: None,
                price_gold: gold,
                price_silver: silver,
                price_bronze: bronze,
                stock,
                active,
                created_at: now,
                updated_at: now,
                version: 1,
                image_sha256: Some(hash.clone()),
            },
        )
        .await?;
        rapport_db::store::put_image(
            conn,
            &rapport_db::store::ImageRow {
                workspace_id: ws,
                item_id: id,
                content_type: "image/png".into(),
                bytes: picture.to_vec(),
                sha256: hash,
                created_at: now,
            },
        )
        .await?;
        ctx.created(conn, ws, &item)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo reward: {e}"))?;
        items.push(item.id);
    }
    // Whoever can pay for the stickers or the keyring buys one (not the
    // student who signs in: their medals are theirs to spend); a savepoint
    // each, so that one who cannot leaves nothing behind.
    let mut placed = 0;
    for person in people.iter().skip(1).take(12) {
        for item in [items[0], items[1]] {
            use diesel_async::AsyncConnection;
            let order = conn
                .transaction::<_, rapport_api::error::ApiError, _>(async |conn| {
                    rapport_api::store::buy::place(conn, ctx, ws, item, *person, 1).await
                })
                .await;
            if let Ok(order) = order {
                placed += 1;
                if placed == 1 {
                    let row = rapport_db::store::set_status(
                        conn,
                        ws,
                        order.row.id,
                        rapport_domain::api::OrderStatus::Fulfilled,
                        None,
                    )
                    .await?;
                    let after = rapport_api::store::Order {
                        row,
                        item_name: order.item_name.clone(),
                        subject: order.subject,
                    };
                    ctx.changed(conn, ws, "fulfilled", &order, &after)
                        .await
                        .map_err(|e| anyhow::anyhow!("handing over a demo order: {e}"))?;
                }
            }
        }
    }
    Ok(())
}

/// Medals the demo's teacher awarded this month, each with why, and a
/// student who exchanged bronze for silver.
async fn awards(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    teacher: Uuid,
    people: &[Uuid],
) -> anyhow::Result<()> {
    use rapport_domain::api::Medal;
    rapport_db::medals::set_settings(
        conn,
        ws,
        &rapport_domain::api::MedalSettings {
            bronze_per_silver: Some(5),
            ..Default::default()
        },
    )
    .await?;
    let given = [
        (0, Medal::Gold, "Finished the robot arm"),
        (0, Medal::Silver, "Helped a classmate debug"),
        (1, Medal::Silver, "Best game of the week"),
        (2, Medal::Bronze, "Tidied the lab"),
        (3, Medal::Gold, "First working line follower"),
        (4, Medal::Bronze, "Asked great questions"),
    ];
    let ctx = ctx.as_user(teacher);
    for (who, medal, reason) in given {
        let Some(person) = people.get(who) else {
            continue;
        };
        award(conn, &ctx, ws, *person, medal, reason).await?;
    }
    Ok(())
}

/// The programme's group question time: the next three Thursdays at 16:00
/// (UTC), twelve seats each, a few of them taken, to book from the booking
/// page.
async fn group_sessions(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    host: Uuid,
    people: &[Uuid],
) -> anyhow::Result<()> {
    use chrono::{Datelike, Duration, NaiveTime, TimeZone, Utc};
    let today = Utc::now().date_naive();
    let ahead = (3 + 7 - today.weekday().num_days_from_monday() as i64) % 7;
    let first = today + Duration::days(if ahead == 0 { 7 } else { ahead });
    for week in 0..3 {
        let date = first + Duration::weeks(week);
        let time = NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default();
        let starts_at = Utc.from_utc_datetime(&date.and_time(time));
        let row = rapport_db::scheduling::insert(
            conn,
            &rapport_db::scheduling::NewSession {
                workspace_id: ws,
                id: Uuid::now_v7(),
                kind: rapport_domain::scheduling::SessionKind::Meeting
                    .as_str()
                    .into(),
                title: "Group Q&A: preparing the certificate".into(),
                starts_at,
                ends_at: starts_at + Duration::minutes(90),
                location: Some("Online".into()),
                online_url: Some("https://meet.example/rapport-group".into()),
                host_id: Some(host),
                notes: None,
                fee_minor: None,
                fee_currency: None,
                capacity: Some(12),
                buffer_before_min: 0,
                buffer_after_min: 0,
                series_id: None,
                recurrence_id: None,
                status: None,
                cancel_reason: None,
                booked_by: None,
            },
        )
        .await?;
        let who: Vec<Uuid> = people
            .iter()
            .skip(1 + week as usize)
            .take(3 + 4 * week as usize)
            .copied()
            .collect();
        rapport_db::scheduling::set_participants(conn, ws, row.id, &who).await?;
        let session = rapport_api::scheduling::Session {
            row,
            participants: who,
            groups: vec![],
        };
        ctx.created(conn, ws, &session)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo session: {e}"))?;
    }
    Ok(())
}

/// A sensitive field of the tutoring workspace, filled in for a dozen
/// students: what only its owners and admins see.
async fn sensitive(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    key: &Key,
) -> anyhow::Result<()> {
    let field = rapport_db::custom_fields::insert(
        conn,
        &rapport_db::custom_fields::NewCustomField {
            workspace_id: ws,
            id: Uuid::now_v7(),
            record_type: "person".into(),
            key: "learning_needs".into(),
            label: "Learning needs".into(),
            kind: "text".into(),
            options: vec![],
            required: false,
            position: 100,
            sensitive: true,
        },
    )
    .await?;
    ctx.created(conn, ws, &field)
        .await
        .map_err(|e| anyhow::anyhow!("recording a demo field: {e}"))?;
    let students = rapport_db::people::first_students(conn, ws, 12).await?;
    const NEEDS: [&str; 4] = [
        "Dyslexia: extra time for reading, large print",
        "Attention: short breaks every twenty minutes",
        "Anxious before tests: start with revision",
        "Hearing aid: sit facing the tutor",
    ];
    for (i, s) in students.iter().enumerate() {
        let values = serde_json::Map::from_iter([(
            "learning_needs".to_string(),
            serde_json::Value::from(NEEDS[i % NEEDS.len()]),
        )]);
        let sealed = rapport_api::people::sensitive::seal(key, ws, *s, &values);
        rapport_db::people::set_sealed(conn, ws, *s, sealed).await?;
    }
    Ok(())
}

/// The template's own fields of people: what each kind of organisation
/// keeps beside the name.
fn demo_fields(
    t: Template,
) -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)> {
    match t {
        Template::School => vec![
            (
                "Level",
                "level",
                "select",
                &["Beginner", "Intermediate", "Advanced"],
            ),
            ("Date of birth", "date_of_birth", "date", &[]),
            ("Guardian phone", "guardian_phone", "text", &[]),
        ],
        Template::Tutoring => vec![
            ("School", "school", "text", &[]),
            ("Class", "class", "text", &[]),
            (
                "Subjects",
                "subjects",
                "multi_select",
                &["Maths", "Physics", "English", "Chemistry"],
            ),
        ],
        Template::Consulting => vec![
            ("Hours completed", "hours_completed", "number", &[]),
            (
                "Specialty",
                "specialty",
                "select",
                &["Nursing", "Pharmacy", "Dentistry"],
            ),
        ],
        Template::Sales => vec![
            ("LinkedIn", "linkedin", "url", &[]),
            ("Budget", "budget", "number", &[]),
            ("Newsletter", "newsletter", "boolean", &[]),
        ],
        Template::Support => vec![
            ("Plan", "plan", "select", &["Free", "Pro", "Enterprise"]),
            ("Account manager", "account_manager", "email", &[]),
        ],
    }
}

async fn custom_fields(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
) -> anyhow::Result<()> {
    for (position, (label, key, kind, options)) in demo_fields(t).into_iter().enumerate() {
        let field = rapport_db::custom_fields::insert(
            conn,
            &rapport_db::custom_fields::NewCustomField {
                workspace_id: ws,
                id: Uuid::now_v7(),
                record_type: "person".into(),
                key: key.into(),
                label: label.into(),
                kind: kind.into(),
                options: options.iter().map(|o| o.to_string()).collect(),
                required: false,
                position: position as i32,
                sensitive: false,
            },
        )
        .await?;
        ctx.created(conn, ws, &field)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo field: {e}"))?;
    }
    Ok(())
}

/// The `i`th demo person's values of the template's fields.
fn custom_values(t: Template, i: usize) -> serde_json::Value {
    use serde_json::json;
    let pick = |options: &[&str]| options[i % options.len()].to_string();
    match t {
        Template::School => json!({
            "level": pick(&["Beginner", "Intermediate", "Advanced"]),
            "date_of_birth": format!("{}-{:02}-{:02}", 2012 + i % 6, 1 + i % 12, 1 + (i * 7) % 28),
            "guardian_phone": format!("+1 555 02{:02}", i % 100),
        }),
        Template::Tutoring => json!({
            "school": pick(&["Riverside High", "St Mary's", "Northgate Academy"]),
            "class": format!("Year {}", 7 + i % 6),
            "subjects": [pick(&["Maths", "Physics", "English", "Chemistry"])],
        }),
        Template::Consulting => json!({
            "hours_completed": (i * 3) % 41,
            "specialty": pick(&["Nursing", "Pharmacy", "Dentistry"]),
        }),
        Template::Sales => json!({
            "budget": 5000 * (1 + i % 8),
            "newsletter": !i.is_multiple_of(3),
        }),
        Template::Support => json!({
            "plan": pick(&["Free", "Pro", "Enterprise"]),
        }),
    }
}

/// A few notes on the first people, in the template's words.
async fn notes(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    t: Template,
    author: Option<Uuid>,
    people: &[Uuid],
) -> anyhow::Result<()> {
    let texts: &[&str] = match t {
        Template::School => &[
            "Loves **robotics**; ask about the spring club.",
            "Parents asked for a progress report before the holidays.\n\n- [x] Scratch basics\n- [ ] First Python game",
            "Missed two lessons in a row: call home if it happens again.",
        ],
        Template::Tutoring => &[
            "Exam in **June**: focus on algebra until then.",
            "Prefers online sessions on Thursdays.",
            "Asked for a monthly invoice instead of one per session.",
        ],
        Template::Consulting => &[
            "On track for the certificate: **31 of 40** hours.",
            "Wants a mentor with hospital experience.",
            "Video sessions work better than calls for this one.",
        ],
        Template::Sales => &[
            "Budget approved for **Q1**. Decision by the end of the month.",
            "Met at the trade fair; send the case study.\n\n- [x] Intro call\n- [ ] Demo",
            "Prefers e-mail; no calls before 10:00.",
        ],
        Template::Support => &[
            "**VIP**: answer within the hour.",
            "Had two outages last month; be gentle.",
            "Uses the API heavily; loop in engineering on errors.",
        ],
    };
    for (person, text) in people.iter().skip(1).zip(texts) {
        let note = rapport_db::notes::insert(
            conn,
            &rapport_db::notes::NewNote::on(
                ws,
                rapport_domain::notes::NoteRecord::Person,
                *person,
                text.to_string(),
                author,
            ),
        )
        .await?;
        ctx.created(conn, ws, &note)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo note: {e}"))?;
    }
    Ok(())
}

/// The school's classes, led by the teacher, with students who joined at
/// the start of the year and one who left.
/// What a demo class of `tag` teaches.
fn course_of(tag: &str) -> &'static str {
    match tag {
        "python" => "Python for beginners",
        "scratch" => "Programming with Scratch",
        "robotics" => "Robotics with Arduino",
        "web" => "Web design",
        _ => "Computing",
    }
}

async fn groups(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    leader: Option<Uuid>,
    people: &[Uuid],
) -> anyhow::Result<Vec<Uuid>> {
    let today = rapport_db::groups::today(conn, ws).await?;
    let start = term_start(today);
    let classes = [
        (
            "Python beginners, Tuesday",
            "python",
            "Variables to small games, for ages 10 to 13.",
        ),
        (
            "Scratch juniors, Saturday",
            "scratch",
            "First programs with blocks, for ages 7 to 9.",
        ),
        (
            "Robotics club, Thursday",
            "robotics",
            "Sensors, motors and the code that drives them.",
        ),
        (
            "Web design, Wednesday",
            "web",
            "HTML, CSS and a first site of their own.",
        ),
    ];
    let mut ids = Vec::new();
    for (n, (name, tag, description)) in classes.into_iter().enumerate() {
        let group = rapport_db::groups::insert(
            conn,
            &rapport_db::groups::NewGroup {
                workspace_id: ws,
                id: Uuid::now_v7(),
                name: name.into(),
                kind: "class".into(),
                description: Some(description.into()),
                leader_id: leader,
                course: Some(course_of(tag).into()),
                tags: vec![tag.into()],
                custom_fields: None,
            },
        )
        .await?;
        ctx.created(conn, ws, &group)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo group: {e}"))?;
        ids.push(group.id);
        // Eight students a class; the member who signs in is in the first.
        for (k, person) in people.iter().skip(n * 6).take(8).enumerate() {
            let left_on = (n == 1 && k == 7).then(|| start + chrono::Duration::days(60));
            let stay = rapport_db::groups::insert_member(
                conn,
                &rapport_db::groups::NewGroupMember {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    group_id: group.id,
                    person_id: *person,
                    joined_on: start + chrono::Duration::days(k as i64 % 3 * 7),
                    left_on: left_on.filter(|l| *l <= today),
                },
            )
            .await?;
            ctx.created(conn, ws, &stay)
                .await
                .map_err(|e| anyhow::anyhow!("recording a demo stay: {e}"))?;
        }
    }
    Ok(ids)
}

/// The school at its size, beside the first teacher's classes: eight more
/// classes led by the `teachers` in turn, 125 more students in them (every
/// fifth in a second class), and a term of weekly lessons (the thirteen
/// weeks before this one and the two after, from the school year's start),
/// the held ones with their registers and bronze, and a few medals from
/// each teacher. Returns the classes and the students.
async fn school_at_scale(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    teachers: &[Uuid],
) -> anyhow::Result<(Vec<Uuid>, Vec<Uuid>)> {
    use chrono::{Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
    use rapport_domain::api::Medal;
    if teachers.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    const GIVEN: [&str; 25] = [
        "Aiden", "Bea", "Caleb", "Dalia", "Ezra", "Fatima", "Gabe", "Hana", "Ivan", "Jade", "Kofi",
        "Leila", "Marco", "Nora", "Omar", "Pablo", "Rhea", "Sami", "Theo", "Umar", "Vera", "Will",
        "Xena", "Yusuf", "Zain",
    ];
    const FAMILY: [&str; 5] = ["Ahmed", "Brown", "Kowalski", "Nguyen", "Santos"];
    let classes = [
        (
            "Minecraft modding, Monday",
            "minecraft",
            "Java through Minecraft",
            Weekday::Mon,
            16,
            0,
        ),
        (
            "Game design, Monday",
            "games",
            "Game design with Godot",
            Weekday::Mon,
            17,
            30,
        ),
        (
            "App inventor, Wednesday",
            "apps",
            "Phone apps with App Inventor",
            Weekday::Wed,
            16,
            0,
        ),
        (
            "3D printing, Wednesday",
            "3d",
            "3D design and printing",
            Weekday::Wed,
            17,
            30,
        ),
        (
            "Data science, Friday",
            "data",
            "Data science with Python",
            Weekday::Fri,
            16,
            0,
        ),
        (
            "Digital art, Friday",
            "art",
            "Digital art and animation",
            Weekday::Fri,
            17,
            30,
        ),
        (
            "Electronics, Saturday",
            "electronics",
            "Electronics and circuits",
            Weekday::Sat,
            10,
            0,
        ),
        (
            "Cyber safety, Saturday",
            "safety",
            "Staying safe online",
            Weekday::Sat,
            11,
            30,
        ),
    ];
    let today = rapport_db::groups::today(conn, ws).await?;
    let start = term_start(today);
    let mut students = Vec::new();
    let names: Vec<(String, String)> = FAMILY
        .iter()
        .flat_map(|f| GIVEN.iter().map(move |g| (g.to_string(), f.to_string())))
        .collect();
    for (i, (given, family)) in names.into_iter().enumerate() {
        let row = rapport_db::people::insert(
            conn,
            &rapport_db::people::NewPerson {
                workspace_id: ws,
                id: Uuid::now_v7(),
                email: Some(format!(
                    "{}.{}@mail.example",
                    given.to_lowercase(),
                    family.to_lowercase()
                )),
                first_name: given,
                last_name: family,
                phone: (i % 4 != 3).then(|| format!("+1 555 02{:02}", i % 100)),
                organization_id: None,
                owner_id: None,
                user_id: None,
                branch_id: None,
                status: rapport_domain::people::PersonStatus::Active
                    .as_str()
                    .to_string(),
                tags: vec![],
                custom_fields: custom_values(Template::School, i + 25),
                sensitive_fields: None,
            },
        )
        .await?;
        ctx.created(conn, ws, &row)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo student: {e}"))?;
        students.push(row.id);
    }
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let mut ids = Vec::new();
    let mut n = 0usize;
    for (k, (name, tag, course, day, hour, minute)) in classes.into_iter().enumerate() {
        let teacher = teachers[k % teachers.len()];
        let class = rapport_db::groups::insert(
            conn,
            &rapport_db::groups::NewGroup {
                workspace_id: ws,
                id: Uuid::now_v7(),
                name: name.into(),
                kind: "class".into(),
                description: None,
                leader_id: Some(teacher),
                course: Some(course.into()),
                tags: vec![tag.into()],
                custom_fields: None,
            },
        )
        .await?;
        ctx.created(conn, ws, &class)
            .await
            .map_err(|e| anyhow::anyhow!("recording a demo class: {e}"))?;
        ids.push(class.id);
        let enrolled: Vec<(usize, Uuid)> = students
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| i % 8 == k || (i % 5 == 0 && (i + 3) % 8 == k))
            .collect();
        for (i, person) in enrolled {
            let stay = rapport_db::groups::insert_member(
                conn,
                &rapport_db::groups::NewGroupMember {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    group_id: class.id,
                    person_id: person,
                    joined_on: start + Duration::days(i as i64 % 3 * 7),
                    left_on: None,
                },
            )
            .await?;
            ctx.created(conn, ws, &stay)
                .await
                .map_err(|e| anyhow::anyhow!("recording a demo stay: {e}"))?;
        }
        // The registers read the classes just filled: plans that know it.
        rapport_db::analyze(conn).await?;
        let title = name.split(',').next().unwrap_or(name);
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
        for week in -13i64..=2 {
            let date =
                monday + Duration::weeks(week) + Duration::days(day.num_days_from_monday() as i64);
            if date < start {
                continue;
            }
            n += 1;
            let starts_at = Utc.from_utc_datetime(&date.and_time(time));
            held_or_coming(
                conn,
                ctx,
                ws,
                Template::School,
                rapport_db::scheduling::NewSession {
                    workspace_id: ws,
                    id: Uuid::now_v7(),
                    kind: rapport_domain::scheduling::SessionKind::Lesson
                        .as_str()
                        .into(),
                    title: title.to_string(),
                    starts_at,
                    ends_at: starts_at + Duration::minutes(90),
                    location: Some(format!("Room {}", k % 4 + 1)),
                    online_url: None,
                    host_id: Some(teacher),
                    notes: None,
                    fee_minor: None,
                    fee_currency: None,
                    capacity: None,
                    buffer_before_min: 0,
                    buffer_after_min: 0,
                    series_id: None,
                    recurrence_id: None,
                    status: None,
                    cancel_reason: None,
                    booked_by: None,
                },
                &[],
                &[class.id],
                n,
            )
            .await?;
        }
        // A few medals of the month from the class's teacher.
        let ctx = ctx.as_user(teacher);
        let theirs: Vec<Uuid> = students
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 8 == k)
            .map(|(_, p)| *p)
            .collect();
        for (j, (medal, reason)) in [
            (Medal::Gold, "Finished the project first"),
            (Medal::Silver, "Helped the others"),
            (Medal::Bronze, "Great question"),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(person) = theirs.get(j * 3) else {
                continue;
            };
            award(conn, &ctx, ws, *person, medal, reason).await?;
        }
    }
    Ok((ids, students))
}

/// The day the school year began: the 1st of September before `today`.
fn term_start(today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let year = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    chrono::NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today)
}

/// A medal from the teacher `ctx` acts as, for `reason`, on the ledger as
/// an award gives it.
async fn award(
    conn: &mut rapport_db::Conn,
    ctx: &Ctx,
    ws: Uuid,
    person: Uuid,
    medal: rapport_domain::api::Medal,
    reason: &str,
) -> anyhow::Result<()> {
    rapport_api::ledger::post(
        conn,
        ctx,
        ws,
        rapport_api::ledger::Posting {
            person_id: person,
            amount_minor: 1,
            currency: medal.currency(),
            reason,
            cause: Some((rapport_db::medals::AWARD.into(), Uuid::now_v7().to_string())),
            corrects: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("awarding a demo medal: {e}"))?;
    Ok(())
}
