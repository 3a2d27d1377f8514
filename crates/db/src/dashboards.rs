//! The figures dashboards show, each read in one query.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{ClassFigures, ClassOf, Earner, MoneyFigures};
use uuid::Uuid;

#[derive(QueryableByName)]
struct ClassRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    leader_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    students: i64,
    #[diesel(sql_type = BigInt)]
    recorded: i64,
    #[diesel(sql_type = BigInt)]
    attended: i64,
}

/// The classes of `ws` (only those `leader` leads, when given): their
/// students on `today`, and the attendance recorded at their lessons from
/// `since` until now.
pub async fn classes(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    leader: Option<Uuid>,
    today: NaiveDate,
    since: DateTime<Utc>,
) -> QueryResult<Vec<ClassFigures>> {
    // Left unprepared: `$4 IS NULL OR ..` needs a plan made for the value given.
    let rows: Vec<ClassRow> = diesel::sql_query(
        "SELECT g.id, g.name, g.leader_id,
                (SELECT count(DISTINCT gm.person_id) FROM group_members gm
                 JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id
                     AND p.deleted_at IS NULL
                 WHERE gm.workspace_id = g.workspace_id AND gm.group_id = g.id
                   AND gm.joined_on <= $2 AND (gm.left_on IS NULL OR gm.left_on > $2)) AS students,
                COALESCE(a.recorded, 0) AS recorded, COALESCE(a.attended, 0) AS attended
         FROM groups g
         LEFT JOIN LATERAL (
             SELECT count(*) AS recorded,
                    count(*) FILTER (WHERE at.status IN ('present', 'late')) AS attended
             FROM session_groups sg
             JOIN sessions s ON s.workspace_id = sg.workspace_id AND s.id = sg.session_id
             JOIN attendance at ON at.workspace_id = s.workspace_id AND at.session_id = s.id
             WHERE sg.workspace_id = g.workspace_id AND sg.group_id = g.id
               AND s.starts_at >= $3 AND s.starts_at < now()
         ) a ON true
         WHERE g.workspace_id = $1 AND g.kind = 'class' AND g.deleted_at IS NULL
           AND ($4::uuid IS NULL OR g.leader_id = $4)
         ORDER BY g.name, g.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Date, _>(today)
    .bind::<Timestamptz, _>(since)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(leader)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ClassFigures {
            id: r.id,
            name: r.name,
            leader_id: r.leader_id,
            students: r.students,
            recorded: r.recorded,
            attended: r.attended,
        })
        .collect())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Students of `ws` enrolled in at least one class on `today`, and the
/// lessons of that day that are not cancelled.
pub async fn students_and_lessons(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    today: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let students: Count = crate::sql_query(
        "SELECT count(DISTINCT gm.person_id) AS n FROM group_members gm
         JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id
             AND g.kind = 'class' AND g.deleted_at IS NULL
         JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id
             AND p.deleted_at IS NULL
         WHERE gm.workspace_id = $1 AND gm.joined_on <= $2
           AND (gm.left_on IS NULL OR gm.left_on > $2)",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Date, _>(today)
    .get_result(conn)
    .await?;
    let lessons: Count = crate::sql_query(
        "SELECT count(*) AS n FROM sessions s
         JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.workspace_id = $1 AND s.kind = 'lesson' AND s.status <> 'cancelled'
           AND (s.starts_at AT TIME ZONE w.time_zone)::date = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Date, _>(today)
    .get_result(conn)
    .await?;
    Ok((students.n, lessons.n))
}

#[derive(QueryableByName)]
struct MoneyRow {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    charged: i64,
    #[diesel(sql_type = BigInt)]
    paid: i64,
    #[diesel(sql_type = BigInt)]
    owed: i64,
    #[diesel(sql_type = BigInt)]
    debtors: i64,
}

/// Per currency: what was charged for `month` and paid in it, and what is
/// owed now and by how many.
pub async fn money(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    month: NaiveDate,
) -> QueryResult<Vec<MoneyFigures>> {
    let rows: Vec<MoneyRow> = crate::sql_query(
        "WITH c AS (
             SELECT currency, sum(amount_minor) AS charged FROM tuition_charges
             WHERE workspace_id = $1 AND month = $2 AND voided_at IS NULL GROUP BY currency
         ), p AS (
             SELECT currency, sum(amount_minor) AS paid FROM payments
             WHERE workspace_id = $1 AND paid_on >= $2 AND paid_on < ($2 + interval '1 month')::date
             GROUP BY currency
         ), o AS (
             SELECT currency, -sum(balance_minor) AS owed, count(*) AS debtors FROM ledger_balances
             WHERE workspace_id = $1 AND balance_minor < 0 AND currency !~ '^MEDAL_'
             GROUP BY currency
         )
         SELECT cur.currency, COALESCE(c.charged, 0)::int8 AS charged,
                COALESCE(p.paid, 0)::int8 AS paid, COALESCE(o.owed, 0)::int8 AS owed,
                COALESCE(o.debtors, 0)::int8 AS debtors
         FROM (SELECT currency FROM c UNION SELECT currency FROM p UNION SELECT currency FROM o) cur
         LEFT JOIN c USING (currency) LEFT JOIN p USING (currency) LEFT JOIN o USING (currency)
         ORDER BY cur.currency",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Date, _>(month)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MoneyFigures {
            currency: r.currency,
            charged_minor: r.charged,
            paid_minor: r.paid,
            owed_minor: r.owed,
            debtors: r.debtors,
        })
        .collect())
}

#[derive(QueryableByName)]
struct EarnerRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    person_id: Uuid,
    #[diesel(sql_type = Text)]
    first_name: String,
    #[diesel(sql_type = Text)]
    last_name: String,
    #[diesel(sql_type = BigInt)]
    gold: i64,
    #[diesel(sql_type = BigInt)]
    silver: i64,
    #[diesel(sql_type = BigInt)]
    bronze: i64,
}

impl EarnerRow {
    fn earner(self) -> Earner {
        Earner {
            person_id: self.person_id,
            first_name: self.first_name,
            last_name: self.last_name,
            gold: self.gold,
            silver: self.silver,
            bronze: self.bronze,
        }
    }
}

/// The `limit` students of `ws` who earned the most medals since `since`
/// (awards and attendance that stand; exchanges and refunds are not
/// earnings), the most gold first.
pub async fn top_earners(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Earner>> {
    let rows: Vec<EarnerRow> = crate::sql_query(
        "SELECT e.person_id, p.first_name, p.last_name,
                COALESCE(sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_GOLD'), 0)::int8 AS gold,
                COALESCE(sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_SILVER'), 0)::int8 AS silver,
                COALESCE(sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_BRONZE'), 0)::int8 AS bronze
         FROM ledger_entries e
         JOIN people p ON p.workspace_id = e.workspace_id AND p.id = e.person_id
             AND p.deleted_at IS NULL
         WHERE e.workspace_id = $1 AND e.created_at >= $2 AND e.currency ~ '^MEDAL_'
           AND e.amount_minor > 0 AND e.corrects IS NULL
           AND e.cause_type IN ('award', 'attendance')
           AND NOT EXISTS (SELECT 1 FROM ledger_entries c
                           WHERE c.workspace_id = e.workspace_id AND c.corrects = e.id)
         GROUP BY e.person_id, p.first_name, p.last_name
         ORDER BY gold DESC, silver DESC, bronze DESC, p.last_name, e.person_id
         LIMIT $3",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Timestamptz, _>(since)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(EarnerRow::earner).collect())
}

#[derive(QueryableByName)]
struct PersonName {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    first_name: String,
    #[diesel(sql_type = Text)]
    last_name: String,
}

/// The students of the classes of `ws` that `leader` leads, enrolled on
/// `today`: (id, given name, family name), by name.
pub async fn students_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    leader: Uuid,
    today: NaiveDate,
) -> QueryResult<Vec<(Uuid, String, String)>> {
    let rows: Vec<PersonName> = crate::sql_query(
        "SELECT DISTINCT p.id, p.first_name, p.last_name, p.sort_name FROM group_members gm
         JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id
             AND g.kind = 'class' AND g.deleted_at IS NULL AND g.leader_id = $2
         JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id
             AND p.deleted_at IS NULL
         WHERE gm.workspace_id = $1 AND gm.joined_on <= $3
           AND (gm.left_on IS NULL OR gm.left_on > $3)
         ORDER BY p.sort_name, p.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(leader)
    .bind::<Date, _>(today)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.first_name, r.last_name))
        .collect())
}

#[derive(QueryableByName)]
struct Attended {
    #[diesel(sql_type = BigInt)]
    recorded: i64,
    #[diesel(sql_type = BigInt)]
    attended: i64,
}

/// The attendance of `person` of `ws` recorded at sessions that began
/// from `since` until now: (recorded, present or late).
pub async fn attendance_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    since: DateTime<Utc>,
) -> QueryResult<(i64, i64)> {
    let row: Attended = crate::sql_query(
        "SELECT count(*) AS recorded,
                count(*) FILTER (WHERE a.status IN ('present', 'late')) AS attended
         FROM attendance a
         JOIN sessions s ON s.workspace_id = a.workspace_id AND s.id = a.session_id
         WHERE a.workspace_id = $1 AND a.person_id = $2
           AND s.starts_at >= $3 AND s.starts_at < now()",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(person)
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;
    Ok((row.recorded, row.attended))
}

#[derive(QueryableByName)]
struct ClassOfRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    course: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    leader_id: Option<Uuid>,
}

/// The classes of `ws` that `person` belongs to on `today`, by name.
pub async fn classes_of(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    person: Uuid,
    today: NaiveDate,
) -> QueryResult<Vec<ClassOf>> {
    let rows: Vec<ClassOfRow> = crate::sql_query(
        "SELECT DISTINCT g.id, g.name, g.course, g.leader_id FROM group_members gm
         JOIN groups g ON g.workspace_id = gm.workspace_id AND g.id = gm.group_id
             AND g.kind = 'class' AND g.deleted_at IS NULL
         WHERE gm.workspace_id = $1 AND gm.person_id = $2 AND gm.joined_on <= $3
           AND (gm.left_on IS NULL OR gm.left_on > $3)
         ORDER BY g.name, g.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(person)
    .bind::<Date, _>(today)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ClassOf {
            id: r.id,
            name: r.name,
            course: r.course,
            leader_id: r.leader_id,
        })
        .collect())
}

/// The medal table of group `group` of `ws`: each person who belongs to it
/// on `today` and the medals they earned since `since` (awards and
/// attendance that stand; exchanges and refunds are not earnings), the
/// most gold first, then by name. Those who earned none are at the foot
/// with zeros.
pub async fn leaderboard(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    group: Uuid,
    today: NaiveDate,
    since: DateTime<Utc>,
) -> QueryResult<Vec<Earner>> {
    let rows: Vec<EarnerRow> = crate::sql_query(
        "WITH members AS (
             SELECT DISTINCT p.id, p.first_name, p.last_name, p.sort_name FROM group_members gm
             JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id
                 AND p.deleted_at IS NULL
             WHERE gm.workspace_id = $1 AND gm.group_id = $2 AND gm.joined_on <= $3
               AND (gm.left_on IS NULL OR gm.left_on > $3)
         ), earned AS (
             SELECT e.person_id,
                    sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_GOLD') AS gold,
                    sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_SILVER') AS silver,
                    sum(e.amount_minor) FILTER (WHERE e.currency = 'MEDAL_BRONZE') AS bronze
             FROM ledger_entries e
             WHERE e.workspace_id = $1 AND e.person_id IN (SELECT id FROM members)
               AND e.created_at >= $4 AND e.currency ~ '^MEDAL_'
               AND e.amount_minor > 0 AND e.corrects IS NULL
               AND e.cause_type IN ('award', 'attendance')
               AND NOT EXISTS (SELECT 1 FROM ledger_entries c
                               WHERE c.workspace_id = e.workspace_id AND c.corrects = e.id)
             GROUP BY e.person_id
         )
         SELECT m.id AS person_id, m.first_name, m.last_name,
                COALESCE(x.gold, 0)::int8 AS gold, COALESCE(x.silver, 0)::int8 AS silver,
                COALESCE(x.bronze, 0)::int8 AS bronze
         FROM members m LEFT JOIN earned x ON x.person_id = m.id
         ORDER BY gold DESC, silver DESC, bronze DESC, m.sort_name, m.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Uuid, _>(group)
    .bind::<Date, _>(today)
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(EarnerRow::earner).collect())
}

#[derive(QueryableByName)]
struct TutoringMoneyRow {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    this_month: i64,
    #[diesel(sql_type = BigInt)]
    last_month: i64,
    #[diesel(sql_type = BigInt)]
    outstanding: i64,
    #[diesel(sql_type = BigInt)]
    debtors: i64,
}

/// Revenue of `this` month and the one before (first days) per currency,
/// from the monthly figures, and what students owe now from the ledger
/// (money only: medals are not money).
pub async fn tutoring_money(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    this: NaiveDate,
) -> QueryResult<Vec<rapport_domain::api::TutoringMoney>> {
    let rows: Vec<TutoringMoneyRow> = crate::sql_query(
        "WITH revenue AS (
             SELECT currency,
                    coalesce(sum(revenue_minor) FILTER (WHERE month = $2), 0)::int8 AS this_month,
                    coalesce(sum(revenue_minor) FILTER (WHERE month < $2), 0)::int8 AS last_month
             FROM finance_totals
             WHERE workspace_id = $1 AND month BETWEEN ($2::date - interval '1 month')::date AND $2
             GROUP BY currency
         ), owed AS (
             SELECT b.currency, coalesce(-sum(b.balance_minor), 0)::int8 AS outstanding,
                    count(*)::int8 AS debtors
             FROM ledger_balances b
             WHERE b.workspace_id = $1 AND b.balance_minor < 0 AND b.currency ~ '^[A-Z]{3}$'
             GROUP BY b.currency
         )
         SELECT currency, coalesce(r.this_month, 0)::int8 AS this_month,
                coalesce(r.last_month, 0)::int8 AS last_month,
                coalesce(o.outstanding, 0)::int8 AS outstanding, coalesce(o.debtors, 0)::int8 AS debtors
         FROM revenue r FULL JOIN owed o USING (currency)
         ORDER BY currency",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Date, _>(this)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| rapport_domain::api::TutoringMoney {
            currency: r.currency,
            revenue_this_month: r.this_month,
            revenue_last_month: r.last_month,
            outstanding_minor: r.outstanding,
            debtors: r.debtors,
        })
        .collect())
}

/// Sessions of `ws` marked no-show, and students marked absent, among the
/// sessions that begin from `from` to `to`.
pub async fn no_shows(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<i64> {
    let row: Count = crate::sql_query(
        "SELECT ((SELECT count(*) FROM sessions
                  WHERE workspace_id = $1 AND status = 'no_show' AND starts_at >= $2 AND starts_at < $3)
               + (SELECT count(*) FROM attendance a
                  JOIN sessions s ON s.workspace_id = a.workspace_id AND s.id = a.session_id
                  WHERE a.workspace_id = $1 AND a.status = 'absent' AND s.status <> 'no_show'
                    AND s.starts_at >= $2 AND s.starts_at < $3))::int8 AS n",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .get_result(conn)
    .await?;
    Ok(row.n)
}

#[derive(QueryableByName)]
struct Coming {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    person_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    session_id: Uuid,
}

/// The next sessions of each of `people` (named, or through a class),
/// scheduled or waiting for confirmation, from `from`: at most `each` per
/// person, earliest first, as (person, session) pairs. Whom the caller may
/// see is for them to filter.
pub async fn coming_sessions(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    people: &[Uuid],
    from: DateTime<Utc>,
    each: i64,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    let rows: Vec<Coming> = crate::sql_query(
        "SELECT p.person_id, s.id AS session_id
           FROM unnest($2::uuid[]) AS p(person_id)
          CROSS JOIN LATERAL (
                SELECT s.id, s.starts_at FROM session_people sp
                  JOIN sessions s ON s.workspace_id = sp.workspace_id AND s.id = sp.session_id
                 WHERE sp.workspace_id = $1 AND sp.person_id = p.person_id
                   AND s.starts_at >= $3 AND s.status IN ('scheduled', 'pending')
                 ORDER BY s.starts_at, s.id
                 LIMIT $4) s
          ORDER BY p.person_id, s.starts_at, s.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(people)
    .bind::<Timestamptz, _>(from)
    .bind::<BigInt, _>(each)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.person_id, r.session_id))
        .collect())
}
