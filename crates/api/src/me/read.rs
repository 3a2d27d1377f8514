use crate::error::ApiResult;
use crate::extract::Db;
use crate::extract::UserCaller;
use crate::respond::Reply;
use crate::state::AppState;
use actix_web::{get, web};
use rapport_domain::api::{labels, MeResponse, MembershipView};
use rapport_domain::Module;

/// The user, the workspace, the role, the permissions and the enabled modules.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "Who and where the caller is", body = MeResponse)),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn read(
    state: web::Data<AppState>,
    mut db: Db,
    me: UserCaller,
) -> ApiResult<Reply<MeResponse>> {
    let workspaces = rapport_db::workspaces::of_user(db.conn().await?, me.user_id).await?;
    let ws = &me.caller.workspace;
    let template = ws.template();
    let modules: Vec<Module> = template
        .modules()
        .iter()
        .copied()
        .filter(|m| ws.has_module(*m))
        .collect();
    let answer = MeResponse {
        user: me.profile.clone(),
        workspace: ws.view(),
        role: me.caller.role,
        permissions: me
            .caller
            .permissions()
            .into_iter()
            .map(String::from)
            .collect(),
        modules,
        labels: labels(template),
        workspaces: workspaces
            .into_iter()
            .map(|(w, role)| MembershipView {
                workspace: w.view(),
                role,
            })
            .collect(),
        mail_viewer: state.config.smtp.is_none(),
        branch_ids: me.caller.branches.clone(),
    };
    Ok(Reply::ok(&answer).no_store())
}
