use crate::api::{self, ApiError};
use crate::components::form::{field_error, Field, FormError};
use crate::i18n::{t, tr};
use crate::live::Live;
use crate::pages::AuthCard;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use rapport_domain::api::RegisterRequest;
use rapport_domain::api::TokenResponse;
use rapport_domain::Template;

#[component]
pub fn Register() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let navigate = use_navigate();
    let workspace_name = RwSignal::new(String::new());
    let template = RwSignal::new(Template::School);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let template_error = field_error(errors, "template");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let body = RegisterRequest {
                workspace_name: workspace_name.get_untracked(),
                template: template.get_untracked(),
                name: name.get_untracked(),
                email: email.get_untracked().trim().to_string(),
                password: password.get_untracked(),
            };
            match api::submit_public::<_, TokenResponse>("/api/v1/auth/register", &body).await {
                Ok(tokens) => {
                    if session.start(&tokens).await.is_ok() {
                        live.start();
                        navigate("/", Default::default());
                    }
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <AuthCard>
            <h1>{tr("register.title")}</h1>
            <form on:submit=submit novalidate=true>
                <Field label="field.workspace_name" name="workspace_name" value=workspace_name errors=errors required=true />
                <fieldset class="templates" aria-describedby="template-error">
                    <legend>{tr("field.template")}</legend>
                    {Template::ALL
                        .into_iter()
                        .map(|tpl| {
                            let id = format!("template-{}", tpl.as_str());
                            let title = format!("template.{}", tpl.as_str());
                            let about = format!("template.{}.about", tpl.as_str());
                            view! {
                                <label class="template-card" for=id.clone() class:selected=move || template.get() == tpl>
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name="template"
                                        value=tpl.as_str()
                                        prop:checked=move || template.get() == tpl
                                        on:change=move |_| template.set(tpl)
                                    />
                                    <strong>{move || t(&title)}</strong>
                                    <span>{move || t(&about)}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                    <p class="error" id="template-error" role="alert">{move || template_error().unwrap_or_default()}</p>
                </fieldset>
                <Field label="field.name" name="name" value=name errors=errors autocomplete="name" required=true />
                <Field label="field.email" name="email" kind="email" value=email errors=errors autocomplete="email" required=true />
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
                <FormError errors=errors />
                <button type="submit" class="primary" disabled=move || busy.get()>{tr("register.submit")}</button>
            </form>
            <p>{tr("register.have_account")} " " <A href="/signin">{tr("signin.submit")}</A></p>
        </AuthCard>
    }
}
