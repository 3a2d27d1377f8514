use actix_web::{get, HttpResponse};
use rapport_domain::api::TemplateView;
use rapport_domain::Template;

/// The templates a workspace can be created from, with their modules and role names.
#[utoipa::path(
    tag = "workspaces",
    responses((status = 200, description = "Every template", body = Vec<TemplateView>)),
    security(())
)]
#[get("/templates")]
pub async fn list() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=3600"))
        .json(
            Template::ALL
                .into_iter()
                .map(TemplateView::of)
                .collect::<Vec<_>>(),
        )
}
