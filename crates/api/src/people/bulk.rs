use crate::error::{ApiError, ApiResult};
use crate::extract::Db;
use crate::extract::{perm, Authz, Ctx, Valid, Visible};
use crate::record::Found;
use actix_web::{post, web::Json};
use diesel_async::AsyncConnection;
use rapport_db::people::PersonChanges;
use rapport_domain::api::{BulkPeopleRequest, BulkResult};
use rapport_domain::validate::tidy_tags;
use rapport_domain::Permission;

/// Tag, assign or delete many people at once, in one transaction: each
/// person changed is audited and announced as if changed alone. Ids the
/// caller may not change are listed as skipped.
#[utoipa::path(
    tag = "people",
    request_body = BulkPeopleRequest,
    responses((status = 200, description = "What changed and what was left alone", body = BulkResult)),
    security(("bearer" = ["people:write"]), ("api_key" = ["people:write"]))
)]
#[post("/people/bulk")]
pub async fn bulk(
    mut db: Db,
    caller: Authz<perm::PeopleWrite>,
    Visible(scope, ..): Visible<super::Policy>,
    ctx: Ctx,
    Valid(body): Valid<BulkPeopleRequest>,
) -> ApiResult<Json<BulkResult>> {
    if matches!(body, BulkPeopleRequest::Delete { .. }) {
        caller.authorize(Permission::PeopleDelete)?;
    }
    let ws = caller.workspace_id();
    let mut ids = body.ids().to_vec();
    ids.sort();
    ids.dedup();
    let conn = db.conn().await?;
    let result = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if let BulkPeopleRequest::Assign {
                owner_id: Some(owner),
                ..
            } = &body
            {
                super::check_links(conn, ws, None, Some(*owner), None).await?;
            }
            // Locked in the order of their ids, so two bulk actions never deadlock.
            let people = rapport_db::people::lock_many(conn, ws, &scope, &ids).await?;
            let mut changed = Vec::with_capacity(people.len());
            for before in &people {
                let after = match &body {
                    BulkPeopleRequest::Delete { .. } => {
                        rapport_db::people::set_deleted(conn, ws, before.id, before.version, true)
                            .await?
                            .current()?
                    }
                    BulkPeopleRequest::Tag { add, remove, .. } => {
                        let remove = tidy_tags(remove);
                        let mut tags = before.tags.clone();
                        tags.extend(tidy_tags(add));
                        let tags: Vec<String> = tidy_tags(&tags)
                            .into_iter()
                            .filter(|t| !remove.contains(t))
                            .collect();
                        let c = PersonChanges {
                            tags: Some(tags),
                            ..Default::default()
                        };
                        if !c.changes_anything(before) {
                            continue;
                        }
                        rapport_db::people::update(conn, ws, before.id, before.version, &c)
                            .await?
                            .current()?
                    }
                    BulkPeopleRequest::Assign { owner_id, .. } => {
                        let c = PersonChanges {
                            owner_id: Some(*owner_id),
                            ..Default::default()
                        };
                        if !c.changes_anything(before) {
                            continue;
                        }
                        rapport_db::people::update(conn, ws, before.id, before.version, &c)
                            .await?
                            .current()?
                    }
                };
                let verb = match body {
                    BulkPeopleRequest::Delete { .. } => "deleted",
                    _ => "updated",
                };
                ctx.changed(conn, ws, verb, before, &after).await?;
                changed.push(after.id);
            }
            let found: Vec<_> = people.iter().map(|p| p.id).collect();
            let skipped = ids.into_iter().filter(|id| !found.contains(id)).collect();
            Ok(BulkResult { changed, skipped })
        })
        .await?;
    Ok(Json(result))
}
