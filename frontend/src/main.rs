//! The Rapport app. This first version greets and lists the templates a
//! workspace can be created from; the full app builds on it.

use gloo_net::http::Request;
use leptos::prelude::*;
use rapport_domain::api::TemplateView;

async fn templates() -> Result<Vec<TemplateView>, String> {
    let res = Request::get("/api/v1/templates")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    res.json::<Vec<TemplateView>>()
        .await
        .map_err(|e| e.to_string())
}

#[component]
fn App() -> impl IntoView {
    let list = LocalResource::new(templates);
    view! {
        <main>
            <h1>"Rapport"</h1>
            <p class="muted">"One platform for schools, tutors, certification programmes, sales teams and support desks."</p>
            <p><a href="/api-docs/">"API documentation"</a></p>
            <h2>"Templates"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Ok(ts) => view! {
                        <ul class="templates">
                            {ts.into_iter().map(|t| view! {
                                <li><strong>{t.template.as_str()}</strong><p>{t.description}</p></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
