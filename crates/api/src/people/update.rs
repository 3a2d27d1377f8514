use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, IfMatch, Valid, Visible};
use crate::record::Found;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{patch, web};
use diesel_async::AsyncConnection;
use rapport_db::people::PersonChanges;
use rapport_db::users::normalize_email;
use rapport_domain::api::{FieldRecord, PersonView, UpdatePersonRequest};
use rapport_domain::validate::{tidy, tidy_tags};
use rapport_domain::Permission;
use uuid::Uuid;

/// Change a person: only the fields sent change, `null` clears one.
/// With `If-Match`, only the version it names.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "The person's id")),
    request_body = UpdatePersonRequest,
    responses(
        (status = 200, description = "The person as changed", body = PersonView),
        (status = 409, description = "The member named by `user_id` is already another person", body = rapport_domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["people:write"]), ("api_key" = ["people:write"]))
)]
#[patch("/people/{id}")]
#[allow(clippy::too_many_arguments)]
pub async fn update(
    state: web::Data<AppState>,
    mut db: Db,
    caller: Authz<perm::PeopleWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Valid(body): Valid<UpdatePersonRequest>,
) -> ApiResult<Reply<PersonView>> {
    let ws = caller.workspace_id();
    let sees = caller.allows(Permission::SensitiveRead);
    let id = id.into_inner();
    let changes = PersonChanges {
        first_name: body.first_name.as_deref().map(|f| f.trim().to_string()),
        last_name: body.last_name.as_deref().map(|l| l.trim().to_string()),
        email: body
            .email
            .as_ref()
            .map(|e| tidy(e.as_deref()).map(|e| normalize_email(&e))),
        phone: body.phone.as_ref().map(|p| tidy(p.as_deref())),
        organization_id: body.organization_id,
        owner_id: body.owner_id,
        user_id: body.user_id,
        branch_id: body.branch_id,
        status: body.status.map(|s| s.as_str().to_string()),
        tags: body.tags.as_deref().map(tidy_tags),
        custom_fields: None,
        sensitive_fields: None,
    };
    let conn = db.conn().await?;
    let person = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = rapport_db::people::lock(conn, ws, &scope, id)
                .await?
                .filter(|p| p.deleted_at.is_none())
                .found()?;
            if if_match.0.is_some_and(|v| v != before.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let mut changes = changes.clone();
            let mut sent = body.custom_fields.clone();
            let had = sent.as_ref().is_some_and(|s| !s.is_empty());
            if let Some(sent) = sent.as_mut() {
                changes.sensitive_fields = super::sensitive::applied(
                    conn,
                    &state.config.fields_key,
                    ws,
                    id,
                    sees,
                    sent,
                    before.sensitive_fields.as_deref(),
                )
                .await?;
            }
            changes.custom_fields = crate::custom_fields::changed(
                conn,
                ws,
                FieldRecord::Person,
                // Only sensitive values sent: the others are left alone.
                sent.as_ref().filter(|s| !(had && s.is_empty())),
                &before.custom_fields,
            )
            .await?;
            if !changes.changes_anything(&before) {
                return Ok(before);
            }
            // Only the links that change are checked: a person keeps an
            // organisation deleted since, until someone changes it.
            let new = |to: Option<Option<Uuid>>, was: Option<Uuid>| {
                to.flatten().filter(|t| Some(*t) != was)
            };
            super::check_links(
                conn,
                ws,
                new(changes.organization_id, before.organization_id),
                new(changes.owner_id, before.owner_id),
                new(changes.user_id, before.user_id),
            )
            .await?;
            super::check_user_free(conn, ws, changes.user_id.flatten(), Some(id)).await?;
            if let Some(branch) = changes.branch_id.filter(|b| *b != before.branch_id) {
                super::check_branch(conn, ws, &scope, branch).await?;
            }
            let after = rapport_db::people::update(conn, ws, id, before.version, &changes)
                .await?
                .current()?;
            ctx.changed(conn, ws, "updated", &before, &after).await?;
            Ok(after)
        })
        .await?;
    let mut view = person.view();
    super::sensitive::reveal(conn, &state.config.fields_key, ws, &person, &mut view, sees).await?;
    Ok(Reply::ok(&view).etag(person.version))
}
