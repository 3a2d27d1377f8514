//! Form fields that show the server's error next to the right input and keep
//! what was typed when the server refuses it.

use crate::api::ApiError;
use crate::i18n::t;
use leptos::prelude::*;

/// The error the server named for `field`, if any. Reactive.
pub fn field_error(
    errors: RwSignal<Option<ApiError>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync {
    move || errors.with(|e| e.as_ref().and_then(|e| e.field(field)))
}

#[component]
pub fn Field(
    /// Translation key of the label.
    label: &'static str,
    /// The field's name in the API, used to find its error.
    name: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Option<ApiError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = field_error(errors, name);
    let described = {
        let err_id = err_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>{move || t(label)}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete.unwrap_or("off")
                required=required
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || t(h)}</p> })}
            <p class="error" id=err_id.clone() role="alert">{move || error().unwrap_or_default()}</p>
        </div>
    }
}

/// The form-level message: errors the server did not tie to a field.
#[component]
pub fn FormError(errors: RwSignal<Option<ApiError>>) -> impl IntoView {
    let message = move || {
        errors.with(|e| {
            e.as_ref().and_then(|e| {
                if e.status == 0 {
                    Some(t("error.network"))
                } else if e.names_a_field() {
                    None
                } else {
                    Some(e.message())
                }
            })
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}
