use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::i18n::tr;
use crate::pages::AuthCard;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use rapport_domain::api::Ack;
use rapport_domain::api::PasswordResetRequest;

#[component]
pub fn Forgot() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        spawn_local(async move {
            let body = PasswordResetRequest {
                email: email.get_untracked().trim().to_string(),
            };
            match api::submit_public::<_, Ack>("/api/v1/auth/password-reset", &body).await {
                Ok(_) => sent.set(true),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <AuthCard>
            <h1>{tr("forgot.title")}</h1>
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <p>{tr("forgot.lead")}</p>
                    <form on:submit=submit novalidate=true>
                        <Field label="field.email" name="email" kind="email" value=email errors=errors autocomplete="email" required=true />
                        <FormError errors=errors />
                        <button type="submit" class="primary">{tr("forgot.submit")}</button>
                    </form>
                }
            >
                <p class="notice" role="status">{tr("forgot.sent")}</p>
            </Show>
            <p><A href="/signin">{tr("signin.submit")}</A></p>
        </AuthCard>
    }
}
