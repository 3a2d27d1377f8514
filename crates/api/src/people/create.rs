use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Idempotent, Scope, Valid, Visible};
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{post, web};
use diesel_async::AsyncConnection;
use rapport_db::people::NewPerson;
use rapport_db::users::normalize_email;
use rapport_domain::api::{CreatePersonRequest, FieldRecord, PersonView};
use rapport_domain::validate::{tidy, tidy_tags};
use rapport_domain::Permission;
use uuid::Uuid;

/// Add a person.
#[utoipa::path(
    tag = "people",
    request_body = CreatePersonRequest,
    responses(
        (status = 201, description = "The person", body = PersonView),
        (status = 409, description = "The member named by `user_id` is already another person", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["people:write"]), ("api_key" = ["people:write"]))
)]
#[post("/people")]
pub async fn create(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::PeopleWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    idem: Idempotent,
    Valid(body): Valid<CreatePersonRequest>,
) -> ApiResult<Reply<PersonView>> {
    let ws = caller.workspace_id();
    let sees = caller.allows(Permission::SensitiveRead);
    let new = NewPerson {
        workspace_id: ws,
        id: Uuid::now_v7(),
        first_name: body.first_name.trim().to_string(),
        last_name: body.last_name.trim().to_string(),
        email: tidy(body.email.as_deref()).map(|e| normalize_email(&e)),
        phone: tidy(body.phone.as_deref()),
        organization_id: body.organization_id,
        // One who sees only their own (a school's teacher) looks after
        // whom they add, unless they name someone else.
        owner_id: body.owner_id.or_else(|| {
            super::sees_their_own(&caller)
                .then(|| caller.user_id())
                .flatten()
        }),
        user_id: body.user_id,
        // A moderator of one branch adds people to it.
        branch_id: body.branch_id.or(match &scope {
            Scope::Branches { ids, .. } if ids.len() == 1 => Some(ids[0]),
            _ => None,
        }),
        status: body.status.as_str().to_string(),
        tags: tidy_tags(&body.tags),
        custom_fields: serde_json::Value::Null,
        sensitive_fields: None,
    };
    let mut new = new;
    let conn = db.conn().await?;
    let reply = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let Some(replay) = idem.claim(conn).await? {
                return Ok(replay);
            }
            super::check_links(conn, ws, new.organization_id, new.owner_id, new.user_id).await?;
            super::check_user_free(conn, ws, new.user_id, None).await?;
            super::check_branch(conn, ws, &scope, new.branch_id).await?;
            let mut sent = body.custom_fields.clone();
            new.sensitive_fields = super::sensitive::applied(
                conn,
                &state.config.fields_key,
                ws,
                new.id,
                sees,
                &mut sent,
                None,
            )
            .await?
            .flatten();
            new.custom_fields = serde_json::Value::Object(
                crate::custom_fields::checked(
                    conn,
                    ws,
                    FieldRecord::Person,
                    &sent,
                    &Default::default(),
                )
                .await?,
            );
            let person = rapport_db::people::insert(conn, &new).await?;
            ctx.created(conn, ws, &person).await?;
            let mut view = person.view();
            super::sensitive::reveal(conn, &state.config.fields_key, ws, &person, &mut view, sees)
                .await?;
            let revealed = sees && person.sensitive_fields.is_some();
            let mut reply = Reply::created(&view)
                .etag(person.version)
                .location(format!("/api/v1/people/{}", person.id));
            // Sensitive values are never kept for a replay.
            if revealed {
                reply = reply.secret();
            }
            idem.keep(conn, reply).await
        })
        .await?;
    Ok(reply)
}
