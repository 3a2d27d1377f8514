use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::i18n::{t, tr};
use crate::live::Live;
use crate::pages::AuthCard;
use crate::session::{self, Status};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use rapport_domain::api::LoginRequest;
use rapport_domain::api::TokenResponse;

/// Where to go after signing in: `?next=` when it is a path of this app.
pub fn next_path(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .unwrap_or_else(|| "/".into())
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let next = move || next_path(query.with_untracked(|q| q.get("next")));
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if session.status.get() == Status::SignedIn {
                navigate(&next(), Default::default());
            }
        });
    }
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let body = LoginRequest {
                email: email.get_untracked().trim().to_string(),
                password: password.get_untracked(),
                workspace_id: None,
            };
            match api::submit_public::<_, TokenResponse>("/api/v1/auth/login", &body).await {
                Ok(tokens) => {
                    if session.start(&tokens).await.is_ok() {
                        live.start();
                        navigate(&next(), Default::default());
                    }
                }
                Err(e) => {
                    // A wrong e-mail or password is said next to the password.
                    let e = match e.status {
                        401 => e.say_at("password", t("error.wrong_credentials")),
                        429 => e.say(t("signin.locked")),
                        _ => e,
                    };
                    errors.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <AuthCard>
            <h1>{tr("signin.title")}</h1>
            <form on:submit=submit novalidate=true>
                <Field label="field.email" name="email" kind="email" value=email errors=errors autocomplete="username" required=true />
                <Field label="field.password" name="password" kind="password" value=password errors=errors autocomplete="current-password" required=true />
                <FormError errors=errors />
                <button type="submit" class="primary" disabled=move || busy.get()>{tr("signin.submit")}</button>
            </form>
            <p><A href="/forgot-password">{tr("signin.forgot")}</A></p>
            <p>{tr("signin.no_account")} " " <A href="/register">{tr("signin.create")}</A></p>
        </AuthCard>
    }
}
