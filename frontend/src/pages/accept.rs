use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use crate::pages::AuthCard;
use crate::session::{self, Status};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use rapport_domain::api::AcceptInvitationRequest;
use rapport_domain::api::TokenResponse;

#[component]
pub fn Accept() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let navigate = use_navigate();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let signed_in = move || session.status.get() == Status::SignedIn;
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        let navigate = navigate.clone();
        let path = format!("/api/v1/invitations/{}/accept", api::enc(&token()));
        spawn_local(async move {
            let result = if signed_in() {
                api::post::<_, TokenResponse>(&path, &AcceptInvitationRequest::default()).await
            } else {
                let name = name.get_untracked();
                let body = AcceptInvitationRequest {
                    name: Some(name).filter(|n| !n.trim().is_empty()),
                    password: Some(password.get_untracked()),
                };
                api::submit_public::<_, TokenResponse>(&path, &body).await
            };
            match result {
                Ok(tokens) => {
                    if session.start(&tokens).await.is_ok() {
                        live.start();
                        navigate("/", Default::default());
                    }
                }
                Err(e) => {
                    let e = if e.status == 404 {
                        e.say(t("accept.invalid"))
                    } else {
                        e
                    };
                    errors.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let me_name = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.user.name.clone()).unwrap_or_default())
    };
    view! {
        <AuthCard>
            <h1>{tr("accept.title")}</h1>
            <form on:submit=submit novalidate=true>
                <Show
                    when=signed_in
                    fallback=move || view! {
                        <p>{tr("accept.lead")}</p>
                        <Field label="field.name" name="name" value=name errors=errors autocomplete="name" />
                        <Field
                            label="field.password"
                            name="password"
                            kind="password"
                            value=password
                            errors=errors
                            autocomplete="new-password"
                            hint="field.password_hint"
                            required=true
                        />
                    }
                >
                    <p>{move || tf("accept.as", &[("name", &me_name())])}</p>
                </Show>
                <FormError errors=errors />
                <button type="submit" class="primary" disabled=move || busy.get()>{tr("accept.submit")}</button>
            </form>
        </AuthCard>
    }
}
