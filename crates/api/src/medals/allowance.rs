use crate::error::{ApiError, ApiResult};
use crate::extract::{perm, Authz, Db, Visible};
use crate::pagination::Checked;
use actix_web::{get, web::Json};
use rapport_db::Conn;
use rapport_domain::api::{Allowance, Medal, MedalSettings};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AllowanceQuery {
    /// The student.
    pub person_id: Uuid,
}

impl crate::pagination::Filters for AllowanceQuery {}

/// What one may still award a student this month.
pub struct Left {
    pub settings: MedalSettings,
    by_medal: [i32; 3],
    pub cap_left: Option<i32>,
}

impl Left {
    pub fn of(&self, m: Medal) -> i32 {
        self.by_medal[m as usize]
    }

    /// What `by` may still award a student who was `given` these awards
    /// this month (by whom, which currency), under `settings`.
    pub fn after(
        settings: MedalSettings,
        given: &[(Option<Uuid>, String)],
        by: Option<Uuid>,
    ) -> Left {
        let by_medal = Medal::ALL.map(|m| {
            let mine = given
                .iter()
                .filter(|(who, c)| *who == by && c == m.currency())
                .count() as i32;
            (settings.per_month(m) - mine).max(0)
        });
        let cap_left = settings
            .student_cap_per_month
            .map(|cap| (cap - given.len() as i32).max(0));
        Left {
            settings,
            by_medal,
            cap_left,
        }
    }
}

/// What `by` may still award `person` of `ws` this month, in `zone`.
pub async fn left(
    conn: &mut Conn,
    ws: Uuid,
    zone: &str,
    by: Option<Uuid>,
    person: Uuid,
) -> Result<Left, ApiError> {
    let settings = rapport_db::medals::settings(conn, ws).await?;
    let (from, to) = super::month_of(zone, chrono::Utc::now());
    let given = rapport_db::medals::awards(conn, ws, person, from, to).await?;
    Ok(Left::after(settings, &given, by))
}

/// What the caller may still award a student this month, medal by medal,
/// and what is left under the student's cap.
#[utoipa::path(
    tag = "medals",
    params(AllowanceQuery),
    responses((status = 200, description = "What is left", body = Allowance)),
    security(("bearer" = ["medals:award"]), ("api_key" = ["medals:award"]))
)]
#[get("/medals/allowance")]
pub async fn allowance(
    mut db: Db,
    caller: Authz<perm::MedalsAward>,
    Visible(scope, ..): Visible<crate::people::Policy>,
    query: Checked<AllowanceQuery>,
) -> ApiResult<Json<Allowance>> {
    let ws = caller.workspace_id();
    let person = query.0.person_id;
    let by = caller.actor().1;
    let conn = db.conn().await?;
    if rapport_db::people::find(conn, &scope, person)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    let left = left(conn, ws, &caller.workspace.time_zone, by, person).await?;
    let cap = left.settings.student_cap_per_month.map(|_| ());
    Ok(Json(Allowance {
        person_id: person,
        gold: left.of(Medal::Gold),
        silver: left.of(Medal::Silver),
        bronze: left.of(Medal::Bronze),
        student_cap_left: cap.and(left.cap_left),
    }))
}
