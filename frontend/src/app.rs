//! The router and what every page shares: the session, the live connection,
//! toasts and the language.

use crate::components::layout::AppLayout;
use crate::components::toast::{ToastRegion, Toasts};
use crate::i18n;
use crate::live::Live;
use crate::pages::{self, errors::NotFound};
use crate::session::{Session, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    i18n::install();
    let session = Session::install();
    let live = Live::new();
    provide_context(live);
    provide_context(Toasts::new());
    crate::offline::Offline::install(live);
    spawn_local(async move {
        session.restore().await;
        if session.status.get_untracked() == Status::SignedIn {
            live.start();
        }
    });
    Effect::new(move |_| {
        if session.status.get() == Status::SignedOut {
            live.stop();
        }
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/signin") view=pages::signin::SignIn />
                <Route path=path!("/register") view=pages::register::Register />
                <Route path=path!("/forgot-password") view=pages::forgot::Forgot />
                <Route path=path!("/reset-password") view=pages::reset::Reset />
                <Route path=path!("/invitations/:token") view=pages::accept::Accept />
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("") view=pages::home::Home />
                    <Route path=path!("/m/:module") view=pages::module::ModulePage />
                    <Route path=path!("/profile") view=pages::profile::Profile />
                    <Route path=path!("/:page") view=crate::modules::ModuleRoute />
                    <Route path=path!("/*any") view=NotFound />
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion />
    }
}
