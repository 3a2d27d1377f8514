use crate::api::{self, ApiError};
use crate::components::form::{field_error, Field, FormError};
use crate::components::toast::toasts;
use crate::components::ui::{CopyButton, Empty, PageHeader, Skeleton};
use crate::i18n::{self, t, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::pages::Guard;
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::access::Access;
use rapport_domain::api::CreateApiKeyRequest;
use rapport_domain::api::{ApiKeyCreated, ApiKeyPage, ApiKeyView};
use rapport_domain::Permission;

/// The page, in its own chunk of the app: fetched when first opened.
#[leptos::lazy]
fn page() -> AnyView {
    view! { <ApiKeys /> }.into_any()
}

/// The module's page and its link in the sidebar.
pub const ENTRY: Entry = Entry {
    path: "api-keys",
    label: "nav.api_keys",
    section: Section::Admin,
    visible: |s| s.can(Permission::ApiKeysManage),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

#[component]
pub fn ApiKeys() -> impl IntoView {
    view! {
        <Guard permission=Permission::ApiKeysManage>
            <ApiKeysPage />
        </Guard>
    }
}

/// The scopes a key may hold: `*`, reading each area keys may use, and
/// writing where an area has something a key may change.
fn scope_choices() -> Vec<String> {
    let open: Vec<&Permission> = Permission::ALL.iter().filter(|p| !p.user_only()).collect();
    let mut areas: Vec<&str> = open.iter().map(|p| p.area()).collect();
    areas.dedup();
    let mut out = vec!["*".to_string()];
    for a in areas {
        out.push(format!("{a}:read"));
        if open
            .iter()
            .any(|p| p.area() == a && p.access() == Access::Write)
        {
            out.push(format!("{a}:write"));
        }
    }
    out
}

#[component]
fn ApiKeysPage() -> impl IntoView {
    let live = expect_context::<Live>();
    let keys = LocalResource::new(|| api::get::<ApiKeyPage>("/api/v1/api-keys?limit=200"));
    let created = RwSignal::new(None::<ApiKeyCreated>);
    live.on_event(move |e| {
        if e.kind.starts_with("api_key.") {
            keys.refetch();
        }
    });
    view! {
        <section class="page" data-page="api-keys">
            <PageHeader title="keys.title" lead="keys.lead" />
            <Show when=move || created.get().is_some()>

                {move || created.get().map(|k| view! {
                    <div class="callout" role="status">
                        <p>{tr("keys.created")}</p>
                        <p class="secret"><code data-secret="api-key">{k.key.clone()}</code></p>
                        <CopyButton text=k.key.clone() />
                        <button class="secondary" on:click=move |_| created.set(None)>{tr("common.close")}</button>
                    </div>
                })}
            </Show>
            <CreateKey created=created on_done=move || keys.refetch() />
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>

                {move || keys.get().map(|r| match r {
                    Ok(page) if page.data.is_empty() => view! { <Empty text="keys.empty" /> }.into_any(),
                    Ok(page) => view! { <KeyTable rows=page.data reload=move || keys.refetch() /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn CreateKey(
    created: RwSignal<Option<ApiKeyCreated>>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec!["*".to_string()]);
    let expires = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<ApiError>);
    let scopes_error = move || {
        errors.with(|e| {
            e.as_ref().and_then(|e| {
                e.fields()
                    .into_iter()
                    .find(|f| f.field.starts_with("scopes"))
                    .map(|f| crate::api::field_message(&f))
            })
        })
    };
    let expires_error = field_error(errors, "expires_at");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        // The end of the chosen day; a date the input cannot give is no date.
        let expires_at = format!("{}T23:59:59Z", expires.get_untracked())
            .parse::<chrono::DateTime<chrono::Utc>>()
            .ok();
        spawn_local(async move {
            let body = CreateApiKeyRequest {
                name: name.get_untracked(),
                scopes: scopes.get_untracked(),
                expires_at,
            };
            match api::post::<_, ApiKeyCreated>("/api/v1/api-keys", &body).await {
                Ok(k) => {
                    created.set(Some(k));
                    name.set(String::new());
                    on_done();
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate=true aria-labelledby="create-key">
            <h2 id="create-key">{tr("keys.create")}</h2>
            <Field label="keys.name" name="name" value=name errors=errors required=true />
            <fieldset class="scopes">
                <legend>{tr("keys.scopes")}</legend>
                {scope_choices().into_iter().map(|s| {
                    let id = format!("scope-{}", s.replace([':', '*'], "-"));
                    let label = if s == "*" { t("keys.scope_all") } else { s.clone() };
                    let value = s.clone();
                    let checked = { let s = s.clone(); move || scopes.with(|v| v.contains(&s)) };
                    view! {
                        <label for=id.clone() class="check">
                            <input type="checkbox" id=id.clone() value=s.clone() prop:checked=checked on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let value = value.clone();
                                scopes.update(|v| {
                                    v.retain(|x| x != &value);
                                    if on { v.push(value); }
                                });
                            } />
                            " " {label}
                        </label>
                    }
                }).collect_view()}
                <p class="error" role="alert">{scopes_error}</p>
            </fieldset>
            <div class="field" class:invalid=move || expires_error().is_some()>
                <label for="f-expires">{tr("keys.expires")}</label>
                <input id="f-expires" type="date" prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev)) />
                <p class="error" role="alert">{move || expires_error().unwrap_or_default()}</p>
            </div>
            <FormError errors=errors />
            <button type="submit" class="primary">{tr("keys.create")}</button>
        </form>
    }
}

#[component]
fn KeyTable(
    rows: Vec<ApiKeyView>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = toasts();
    let tz = session::time_zone();
    view! {
        <table class="table" aria-label=tr("keys.title")>
            <thead>
                <tr>
                    <th scope="col">{tr("keys.name")}</th>
                    <th scope="col">{tr("keys.prefix")}</th>
                    <th scope="col">{tr("keys.scopes")}</th>
                    <th scope="col">{tr("keys.last_used")}</th>
                    <th scope="col"><span class="visually-hidden">{tr("common.revoke")}</span></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|k| {
                    let id = k.id;
                    let used = k.last_used_at;
                    let tz = tz.clone();
                    let revoke = move |_| {
                        spawn_local(async move {
                            match api::delete(&format!("/api/v1/api-keys/{id}")).await {
                                Ok(()) => toasts.success(t("keys.revoked")),
                                Err(e) => toasts.error(e.message()),
                            }
                            reload();
                        });
                    };
                    view! {
                        <tr data-key=k.name.clone()>
                            <td>{k.name.clone()}</td>
                            <td><code>{k.prefix.clone()}</code></td>
                            <td>{k.scopes.join(", ")}</td>
                            <td>{move || used.map(|u| i18n::datetime(&u, &tz)).unwrap_or_else(|| t("common.never"))}</td>
                            <td><button class="danger small" on:click=revoke>{tr("common.revoke")}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
