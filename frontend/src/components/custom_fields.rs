//! The workspace's own fields on a record's form: one input per live field,
//! of the field's kind, checked with the server's own check before sending.

use crate::api::{self, ApiError};
use leptos::prelude::*;
use rapport_domain::api::{CustomFieldPage, CustomFieldView, FieldKind, FieldRecord};
use serde_json::{Map, Value};

/// The live fields of a kind of record, in order.
pub fn fields_of(record: FieldRecord) -> LocalResource<Vec<CustomFieldView>> {
    LocalResource::new(move || async move {
        api::get::<CustomFieldPage>(&format!(
            "/api/v1/custom-fields?record_type={}&limit=200",
            record.as_str()
        ))
        .await
        .map(|p| p.data)
        .unwrap_or_default()
    })
}

/// The live fields of a kind of record but the sensitive ones: those a
/// list shows as columns, filters on and imports into.
pub fn plain_fields_of(record: FieldRecord) -> LocalResource<Vec<CustomFieldView>> {
    LocalResource::new(move || async move {
        api::get::<CustomFieldPage>(&format!(
            "/api/v1/custom-fields?record_type={}&limit=200",
            record.as_str()
        ))
        .await
        .map(|p| p.data.into_iter().filter(|f| !f.sensitive).collect())
        .unwrap_or_default()
    })
}

/// The check the server runs on `values` (all of them, as the form sends
/// them): `Err` with the 422 the server would give.
pub fn check(fields: &[CustomFieldView], values: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    rapport_domain::custom_fields::check_values(&mut errors, fields, values, values);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(api::invalid(errors))
    }
}

/// One input per field, bound to `values` (a value left empty is removed).
#[component]
pub fn CustomFieldInputs(
    fields: LocalResource<Vec<CustomFieldView>>,
    values: RwSignal<Map<String, Value>>,
    errors: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let set = move |key: String, v: Option<Value>| {
        values.update(|m| match v {
            Some(v) => {
                m.insert(key, v);
            }
            None => {
                m.remove(&key);
            }
        })
    };
    move || {
        fields.get().unwrap_or_default().into_iter().map(|f| {
            let key = f.key.clone();
            let id = format!("cf-{}", f.key);
            let name = format!("custom_fields.{}", f.key);
            let error = move || errors.with(|e| e.as_ref().and_then(|e| e.field(&name)));
            let current = {
                let key = key.clone();
                move || values.with(|m| m.get(&key).cloned())
            };
            let text = {
                let current = current.clone();
                move || match current() {
                    Some(Value::String(s)) => s,
                    Some(Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                }
            };
            let error_view = error.clone();
            let error_class = error.clone();
            let input = match f.kind {
                FieldKind::Boolean => {
                    let key = key.clone();
                    let current = current.clone();
                    view! {
                        <input id=id.clone() type="checkbox"
                            prop:checked=move || current() == Some(Value::Bool(true))
                            on:change=move |ev| set(key.clone(), Some(Value::Bool(event_target_checked(&ev)))) />
                    }.into_any()
                }
                FieldKind::Select => {
                    let key = key.clone();
                    let options = f.options.clone();
                    let text = text.clone();
                    view! {
                        <select id=id.clone() on:change=move |ev| {
                            let v = event_target_value(&ev);
                            set(key.clone(), (!v.is_empty()).then_some(Value::String(v)));
                        }>
                            <option value="">"—"</option>
                            {options.into_iter().map(|o| {
                                let mine = o.clone();
                                let text = text.clone();
                                view! { <option value=o.clone() selected=move || text() == mine>{o.clone()}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any()
                }
                FieldKind::MultiSelect => {
                    let options = f.options.clone();
                    view! {
                        <div class="checks" id=id.clone()>
                            {options.into_iter().map(|o| {
                                let key = key.clone();
                                let current = current.clone();
                                let mine = o.clone();
                                let chosen = move || current()
                                    .and_then(|v| v.as_array().cloned())
                                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(mine.as_str())));
                                let option = o.clone();
                                view! {
                                    <label class="check">
                                        <input type="checkbox" prop:checked=chosen on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let key = key.clone();
                                            let option = option.clone();
                                            values.update(|m| {
                                                let mut list: Vec<Value> = m.get(&key).and_then(|v| v.as_array().cloned()).unwrap_or_default();
                                                list.retain(|x| x.as_str() != Some(option.as_str()));
                                                if on { list.push(Value::String(option.clone())); }
                                                if list.is_empty() { m.remove(&key); } else { m.insert(key.clone(), Value::Array(list)); }
                                            });
                                        } />
                                        {o.clone()}
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
                kind => {
                    let key = key.clone();
                    let html_type = match kind {
                        FieldKind::Number => "number",
                        FieldKind::Date => "date",
                        FieldKind::Url => "url",
                        FieldKind::Email => "email",
                        _ => "text",
                    };
                    view! {
                        <input id=id.clone() type=html_type prop:value=text.clone()
                            aria-invalid=move || if error().is_some() { "true" } else { "false" }
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let value = if v.trim().is_empty() {
                                    None
                                } else if kind == FieldKind::Number {
                                    Some(v.trim().parse::<f64>().ok()
                                        .and_then(serde_json::Number::from_f64)
                                        .map(Value::Number)
                                        .unwrap_or(Value::String(v)))
                                } else {
                                    Some(Value::String(v))
                                };
                                set(key.clone(), value);
                            } />
                    }.into_any()
                }
            };
            view! {
                <div class="field" class:invalid=move || error_class().is_some()>
                    <label for=id.clone()>
                        {f.label.clone()}{f.required.then_some(" *")}
                        {f.sensitive.then(|| view! {
                            <span class="sensitive-mark" title=move || crate::i18n::t("custom_fields.sensitive_hint")>{crate::i18n::tr("custom_fields.sensitive")}</span>
                        })}
                    </label>
                    {input}
                    <p class="error" role="alert">{move || error_view().unwrap_or_default()}</p>
                </div>
            }
        }).collect_view()
    }
}
