use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::i18n::{t, tr};
use crate::pages::AuthCard;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use rapport_domain::api::Ack;
use rapport_domain::api::PasswordResetConfirm;

#[component]
pub fn Reset() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        let token = token();
        spawn_local(async move {
            let body = PasswordResetConfirm {
                token,
                password: password.get_untracked(),
            };
            match api::submit_public::<_, Ack>("/api/v1/auth/password-reset/confirm", &body).await {
                Ok(_) => done.set(true),
                Err(mut e) => {
                    // The link, not a field the person can change.
                    if let Some(p) = e.problem.as_mut() {
                        if p.errors.iter().any(|f| f.field == "token") {
                            p.errors.retain(|f| f.field != "token");
                            e = e.say(t("reset.bad_link"));
                        }
                    }
                    errors.set(Some(e));
                }
            }
        });
    };
    view! {
        <AuthCard>
            <h1>{tr("reset.title")}</h1>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <form on:submit=submit novalidate=true>
                        <Field
                            label="field.new_password"
                            name="password"
                            kind="password"
                            value=password
                            errors=errors
                            autocomplete="new-password"
                            hint="field.password_hint"
                            required=true
                        />
                        <FormError errors=errors />
                        <button type="submit" class="primary">{tr("reset.submit")}</button>
                    </form>
                }
            >
                <p class="notice" role="status">{tr("reset.done")}</p>
            </Show>
            <p><A href="/signin">{tr("signin.submit")}</A></p>
        </AuthCard>
    }
}
