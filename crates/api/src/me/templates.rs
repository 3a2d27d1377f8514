use crate::respond::Reply;
use actix_web::get;
use rapport_domain::api::TemplateView;
use rapport_domain::Template;

/// The templates a workspace can be created from, with their modules and role names.
#[utoipa::path(
    tag = "workspaces",
    responses((status = 200, description = "Every template", body = Vec<TemplateView>)),
    security(())
)]
#[get("/templates")]
pub async fn list() -> Reply<Vec<TemplateView>> {
    let all: Vec<TemplateView> = Template::ALL.into_iter().map(TemplateView::of).collect();
    Reply::ok(&all).header("cache-control", "public, max-age=3600")
}
