use crate::api::{self, ApiError};
use crate::components::form::{Field, FormError};
use crate::components::toast::toasts;
use crate::components::ui::PageHeader;
use crate::i18n::{t, tr};
use crate::live::Live;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{ChangePasswordRequest, UpdateMeRequest};
use rapport_domain::api::{TokenResponse, UserView};

#[component]
pub fn Profile() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let name = RwSignal::new(
        session
            .me
            .with_untracked(|m| m.as_ref().map(|m| m.user.name.clone()))
            .unwrap_or_default(),
    );
    let name_errors = RwSignal::new(None::<ApiError>);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let pw_errors = RwSignal::new(None::<ApiError>);
    let save_name = move |ev: SubmitEvent| {
        ev.prevent_default();
        name_errors.set(None);
        spawn_local(async move {
            match api::patch::<_, UserView>(
                "/api/v1/me",
                &UpdateMeRequest {
                    name: name.get_untracked(),
                },
            )
            .await
            {
                Ok(_) => {
                    toasts.success(t("common.saved"));
                    let _ = session.reload().await;
                }
                Err(e) => name_errors.set(Some(e)),
            }
        });
    };
    let change_password = move |ev: SubmitEvent| {
        ev.prevent_default();
        pw_errors.set(None);
        spawn_local(async move {
            let body = ChangePasswordRequest {
                current_password: current.get_untracked(),
                new_password: new.get_untracked(),
            };
            // Every session ends with the old password, this one too: the
            // answer carries this tab's new tokens (and the new refresh cookie).
            match api::put::<_, TokenResponse>("/api/v1/me/password", &body).await {
                Ok(tokens) => {
                    session.accept_tokens(&tokens);
                    toasts.success(t("profile.password_done"));
                    current.set(String::new());
                    new.set(String::new());
                }
                Err(e) => pw_errors.set(Some(e)),
            }
        });
    };
    let sign_out_everywhere = move |_| {
        spawn_local(async move {
            let _ = api::call::<()>(api::Method::Post, "/api/v1/auth/logout-all", None).await;
            live.stop();
            session.signed_out();
        });
    };
    view! {
        <section class="page" data-page="profile">
            <PageHeader title="profile.title" />
            <form class="card" on:submit=save_name novalidate=true aria-labelledby="profile-details">
                <h2 id="profile-details">{tr("profile.details")}</h2>
                <Field label="field.name" name="name" value=name errors=name_errors autocomplete="name" required=true />
                <p class="muted">{move || session.me.with(|m| m.as_ref().map(|m| m.user.email.clone()))}</p>
                <FormError errors=name_errors />
                <button type="submit" class="primary">{tr("common.save")}</button>
            </form>
            <form class="card" on:submit=change_password novalidate=true aria-labelledby="profile-password">
                <h2 id="profile-password">{tr("profile.password")}</h2>
                <Field label="field.current_password" name="current_password" kind="password" value=current errors=pw_errors autocomplete="current-password" required=true />
                <Field label="field.new_password" name="new_password" kind="password" value=new errors=pw_errors autocomplete="new-password" hint="field.password_hint" required=true />
                <FormError errors=pw_errors />
                <button type="submit" class="primary">{tr("profile.password")}</button>
            </form>
            <div class="card">
                <h2>{tr("profile.sessions")}</h2>
                <p>{tr("profile.signout_all_lead")}</p>
                <button class="danger" on:click=sign_out_everywhere>{tr("profile.signout_all")}</button>
            </div>
        </section>
    }
}
