//! Rapport's HTTP API: actix-web routes, one folder per module and one file
//! per action; the caller extractor and the permission matrix; the error type;
//! the OpenAPI document; events, jobs and mail.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod branches;
pub mod bulk;
pub mod config;
pub mod custom_fields;
pub mod dashboards;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod files;
pub mod finance;
pub mod groups;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod ledger;
pub mod mail;
pub mod me;
pub mod medals;
pub mod members;
pub mod messaging;
pub mod middleware;
pub mod notes;
pub mod openapi;
pub mod ops;
pub mod organizations;
pub mod pagination;
pub mod payments;
pub mod pdf;
pub mod people;
pub mod privacy;
pub mod ratelimit;
pub mod record;
pub mod respond;
pub mod s3;
pub mod scheduling;
pub mod search;
pub mod spa;
pub mod state;
pub mod store;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{web, App};
use error::ApiError;
use rapport_domain::problem::FieldCode;
use state::AppState;
use std::sync::Arc;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

pub use config::ApiConfig;

fn api_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        scope::scope("/auth")
            .wrap(from_fn(middleware::auth_rate_limit))
            .configure(auth::routes),
    )
    .configure(me::routes)
    .configure(members::routes)
    .configure(people::routes)
    .configure(branches::routes)
    .configure(organizations::routes)
    .configure(groups::routes)
    .configure(scheduling::routes)
    .configure(ledger::routes)
    .configure(medals::routes)
    .configure(store::routes)
    .configure(payments::routes)
    .configure(finance::routes)
    .configure(dashboards::routes)
    .configure(notes::routes)
    .configure(messaging::routes)
    .configure(custom_fields::routes)
    .configure(imports::routes)
    .configure(search::routes)
    .configure(invitations::routes)
    .configure(api_keys::routes)
    .configure(audit::routes)
    .configure(backup::routes)
    .configure(events::routes)
    .service(mail::list::list);
}

/// Routes and their OpenAPI document, before the shared conventions are added.
fn routes<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    use utoipa::OpenApi;
    app.into_utoipa_app()
        .openapi(openapi::BaseDoc::openapi())
        .service(ops::health::healthz)
        .service(ops::health::readyz)
        .service(ops::metrics::metrics)
        .service(scheduling::ical::feed)
        .service(
            scope::scope("/api/v1")
                .wrap(from_fn(middleware::idempotency))
                .wrap(from_fn(extract::caller::authenticate))
                .configure(api_routes)
                .default_service(web::to(|| async {
                    actix_web::ResponseError::error_response(&ApiError::NotFound)
                })),
        )
        .split_for_parts()
}

/// The finished OpenAPI document, as served at `/api-docs/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    openapi::finish(routes(App::new()).1)
}

/// The whole application for one worker thread.
pub fn app(
    state: web::Data<AppState>,
    doc: serde_json::Value,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let config = &state.config;
    let limit = config.body_limit;
    let cors_origins = config.cors_origins.clone();
    let static_dir = config.static_dir.clone();
    let base = App::new()
        .app_data(state.clone())
        .app_data(web::Data::new(extract::db::WorkerPool(state.worker_pool())))
        .app_data(web::JsonConfig::default().limit(limit))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            ApiError::Validation(vec![rapport_domain::problem::FieldError::new(
                "",
                FieldCode::Query,
                e.to_string(),
            )])
            .into()
        }))
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()));
    let (app, _) = routes(base);
    app.service(
        SwaggerUi::new("/api-docs/{_:.*}").external_url_unchecked("/api-docs/openapi.json", doc),
    )
    .default_service(web::to(move |req: actix_web::HttpRequest| {
        spa::serve(req, static_dir.clone())
    }))
    .wrap(Condition::new(
        !cors_origins.is_empty(),
        cors(&cors_origins),
    ))
    .wrap(Compress::default())
    .wrap(from_fn(middleware::edge))
}

fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut c = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allow_any_header()
        .expose_headers([
            "etag",
            "x-request-id",
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ])
        .supports_credentials()
        .max_age(3600);
    for o in origins {
        c = c.allowed_origin(o);
    }
    c
}

/// Seals the audit entries and numbers the events that no reader has
/// asked for yet, every second, so that the chain never lags far behind
/// the changes it records.
async fn seal(state: Arc<AppState>) {
    let mut shutdown = state.hub.shutdown_signal();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = events::hub::stopped(&mut shutdown) => return,
        }
        let Ok(mut conn) = state.pool.get().await else {
            continue;
        };
        if let Err(e) = rapport_db::audit::seal_all(&mut conn).await {
            tracing::warn!(error = %e, "sealing the audit entries failed");
        }
        if let Err(e) = rapport_db::events::number_all(&mut conn).await {
            tracing::warn!(error = %e, "numbering the events failed");
        }
    }
}

/// Starts the event dispatcher, the sealer and, when configured, the job
/// worker.
pub fn start_background(state: Arc<AppState>, database_url: String, worker_name: String) {
    tokio::spawn(events::dispatcher::run(state.clone(), database_url));
    tokio::spawn(seal(state.clone()));
    if state.config.run_workers {
        tokio::spawn(jobs::run(state, worker_name));
    }
}
