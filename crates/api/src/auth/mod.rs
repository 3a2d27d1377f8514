//! Sign-up, sign-in, token rotation, workspace switching and password resets.

pub mod jwt;
pub mod login;
pub mod logout;
pub mod logout_all;
pub mod password_reset;
pub mod password_reset_confirm;
pub mod passwords;
pub mod refresh;
pub mod register;
pub mod secrets;
pub mod switch;
pub mod tokens;

use utoipa_actix_web::service_config::ServiceConfig;

/// Where the sign-in routes live: limited per address, and never replayed
/// from an `Idempotency-Key` (their answers hold secrets).
pub const SCOPE: &str = "/api/v1/auth";

/// Whether `path` is one of the sign-in routes.
pub fn covers(path: &str) -> bool {
    path.strip_prefix(SCOPE)
        .is_some_and(|rest| rest.starts_with('/'))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register::register)
        .service(login::login)
        .service(refresh::refresh)
        .service(logout::logout)
        .service(logout_all::logout_all)
        .service(switch::switch)
        .service(password_reset::password_reset)
        .service(password_reset_confirm::password_reset_confirm);
}
