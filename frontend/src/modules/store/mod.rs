//! The reward store: students see what is for sale and buy with their
//! medals; admins add rewards, take them off sale, and hand over or cancel
//! orders. Stock and orders follow live.

use crate::api;
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{t, tf, tr};
use crate::live::Live;
use crate::modules::{Entry, Section};
use crate::session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    CancelOrder, NewStoreItem, OrderStatus, OrderView, Page, PersonPage, PlaceOrder, Price,
    StoreItemView, UpdateStoreItem,
};
use rapport_domain::{Module, Permission};
use std::collections::HashMap;
use uuid::Uuid;

#[leptos::lazy]
fn page() -> AnyView {
    view! { <Store /> }.into_any()
}

pub const ENTRY: Entry = Entry {
    path: "store",
    label: "store",
    section: Section::Records,
    visible: |s| s.has_module(Module::Store) && s.can(Permission::StoreRead),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("en.txt"),
        fr: include_str!("fr.txt"),
    },
};

/// "5 bronze, 1 gold" in the current language.
fn price_label(p: Price) -> String {
    [("gold", p.gold), ("silver", p.silver), ("bronze", p.bronze)]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(m, n)| format!("{n} {}", t(&format!("store.{m}"))))
        .collect::<Vec<_>>()
        .join(", ")
}

thread_local! {
    /// Uploaded pictures fetched so far, by address. An address names one
    /// picture for good (it carries the picture's hash), so each is fetched
    /// once a visit, and a list drawn again shows them at once.
    static PICTURES: std::cell::RefCell<HashMap<String, String>> = Default::default();
}

/// An item's picture: one uploaded is fetched with the caller's token (an
/// `<img>` cannot send it) and shown from a `blob:` address; a link is
/// shown as it is; without either, a place that says so.
#[component]
fn Picture(url: Option<String>, name: String) -> impl IntoView {
    let shown = RwSignal::new(None::<String>);
    match url {
        Some(u) if u.starts_with("/api/") => match PICTURES.with(|p| p.borrow().get(&u).cloned()) {
            Some(blob) => shown.set(Some(blob)),
            None => spawn_local(async move {
                if let Ok(blob) = api::picture(&u).await {
                    PICTURES.with(|p| p.borrow_mut().insert(u, blob.clone()));
                    // The card may be gone by now.
                    shown.try_set(Some(blob));
                }
            }),
        },
        other => shown.set(other),
    }
    view! {
        {move || match shown.get() {
            Some(src) => view! { <img src=src alt=name.clone() loading="lazy" /> }.into_any(),
            None => view! { <div class="picture-none" aria-hidden="true"></div> }.into_any(),
        }}
    }
}

/// Puts `file` as item `id`'s picture; one refused is said in the
/// store's words.
async fn put_picture(id: Uuid, file: web_sys::File) -> api::ApiResult<StoreItemView> {
    api::put_file::<StoreItemView>(&format!("/api/v1/store/items/{id}/image"), file)
        .await
        .map_err(|mut e| match e.status {
            // Said above the page, not by a field of its own.
            413 | 422 => {
                if let Some(p) = e.problem.as_mut() {
                    p.errors.clear();
                }
                e.say(t("store.picture_refused"))
            }
            _ => e,
        })
}

/// The file picked in the input of change event `ev`.
fn picked(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
}

#[component]
fn Store() -> impl IntoView {
    let session = session::current();
    let live = expect_context::<Live>();
    let toasts = toasts();
    let manage = move || session.can(Permission::StoreManage);
    let version = RwSignal::new(0u32);
    live.on_event(move |e| {
        if e.kind.starts_with("store_") {
            version.update(|v| *v += 1);
        }
    });
    let items = LocalResource::new(move || {
        version.track();
        let all = manage();
        async move {
            let extra = if all { "&include_inactive=true" } else { "" };
            api::get::<Page<StoreItemView>>(&format!("/api/v1/store/items?limit=100{extra}"))
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        }
    });
    let orders = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<Page<OrderView>>("/api/v1/store/orders?limit=50")
                .await
                .map(|p| p.data)
                .unwrap_or_default()
        }
    });
    let names = LocalResource::new(move || async move {
        if !manage() {
            return HashMap::new();
        }
        api::get::<PersonPage>("/api/v1/people?limit=200")
            .await
            .map(|p| {
                p.data
                    .into_iter()
                    .map(|p| (p.id, format!("{} {}", p.first_name, p.last_name)))
                    .collect::<HashMap<Uuid, String>>()
            })
            .unwrap_or_default()
    });
    // A student's medals: what they cannot afford is not offered to buy.
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let wallet = LocalResource::new(move || {
        version.track();
        async move {
            if manage() {
                return None;
            }
            let own = api::get::<PersonPage>("/api/v1/people?limit=50")
                .await
                .ok()?
                .data
                .into_iter()
                .find(|p| p.user_id.is_some() && p.user_id == me)?;
            let list = api::get::<Vec<rapport_domain::api::Balance>>(&format!(
                "/api/v1/people/{}/balances",
                own.id
            ))
            .await
            .ok()?;
            let of = |c: &str| {
                list.iter()
                    .find(|b| b.currency == c)
                    .map_or(0, |b| b.balance_minor)
            };
            Some(Price {
                gold: of("MEDAL_GOLD") as i32,
                silver: of("MEDAL_SILVER") as i32,
                bronze: of("MEDAL_BRONZE") as i32,
            })
        }
    });
    let affords = move |p: Price| {
        wallet
            .get()
            .flatten()
            .is_none_or(|w| w.gold >= p.gold && w.silver >= p.silver && w.bronze >= p.bronze)
    };
    let errors = RwSignal::new(None::<api::ApiError>);
    let done = move |r: Result<(), api::ApiError>, ok: &'static str| {
        match r {
            Ok(()) => {
                errors.set(None);
                toasts.success(t(ok));
            }
            Err(e) => errors.set(Some(e)),
        }
        version.update(|v| *v += 1);
    };
    let buy = move |item_id: Uuid| {
        let body = PlaceOrder {
            item_id,
            quantity: 1,
            person_id: None,
        };
        spawn_local(async move {
            let r = api::post::<_, OrderView>("/api/v1/store/orders", &body).await;
            done(r.map(|_| ()), "store.bought");
        });
    };
    let fulfil = move |id: Uuid| {
        spawn_local(async move {
            let r =
                api::post_empty::<OrderView>(&format!("/api/v1/store/orders/{id}/fulfil")).await;
            done(r.map(|_| ()), "store.fulfilled");
        });
    };
    let cancel = move |id: Uuid| {
        let body = CancelOrder {
            reason: t("store.cancel_reason"),
        };
        spawn_local(async move {
            let r = api::post::<_, OrderView>(&format!("/api/v1/store/orders/{id}/cancel"), &body)
                .await;
            done(r.map(|_| ()), "store.cancelled");
        });
    };
    let toggle = move |i: StoreItemView| {
        let body = UpdateStoreItem {
            active: Some(!i.active),
            ..Default::default()
        };
        spawn_local(async move {
            let r = api::patch::<_, StoreItemView>(&format!("/api/v1/store/items/{}", i.id), &body)
                .await;
            match r {
                Ok(_) => errors.set(None),
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let set_picture = move |id: Uuid, ev: leptos::ev::Event| {
        let Some(file) = picked(&ev) else { return };
        spawn_local(async move {
            let r = put_picture(id, file).await;
            done(r.map(|_| ()), "store.picture_set");
        });
    };
    let remove_picture = move |id: Uuid| {
        spawn_local(async move {
            let r = api::delete(&format!("/api/v1/store/items/{id}/image")).await;
            done(r, "store.picture_removed");
        });
    };
    // The new reward's form.
    let name = RwSignal::new(String::new());
    let picture = StoredValue::new_local(None::<web_sys::File>);
    let picture_input = NodeRef::<leptos::html::Input>::new();
    let description = RwSignal::new(String::new());
    let (gold, silver, bronze, stock) = (
        RwSignal::new(0i32),
        RwSignal::new(0i32),
        RwSignal::new(5i32),
        RwSignal::new(10i32),
    );
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let d = description.get_untracked();
        let body = NewStoreItem {
            name: name.get_untracked(),
            description: (!d.trim().is_empty()).then_some(d),
            image_url: None,
            price: Price {
                gold: gold.get_untracked(),
                silver: silver.get_untracked(),
                bronze: bronze.get_untracked(),
            },
            stock: stock.get_untracked(),
            active: true,
        };
        let file = picture.get_value();
        spawn_local(async move {
            let item = match api::post::<_, StoreItemView>("/api/v1/store/items", &body).await {
                Ok(item) => item,
                Err(e) => return done(Err(e), "store.added"),
            };
            // The item exists: the form is emptied even if its picture is
            // refused, so that sending it again does not add a second one.
            name.set(String::new());
            description.set(String::new());
            picture.set_value(None);
            if let Some(input) = picture_input.get_untracked() {
                input.set_value("");
            }
            let r = match file {
                Some(file) => put_picture(item.id, file).await.map_err(|e| {
                    let why = e.message();
                    e.say(format!("{} {why}", t("store.added_without_picture")))
                }),
                None => Ok(item),
            };
            done(r.map(|_| ()), "store.added");
        });
    };
    let number = |s: RwSignal<i32>| move |ev| s.set(event_target_value(&ev).parse().unwrap_or(0));
    view! {
        <section class="page" data-page="store">
            <header class="page-header">
                <div>
                    <h1>{move || template_label("store")}</h1>
                    <p class="lead">{tr("store.lead")}</p>
                </div>
            </header>
            <FormError errors=errors />
            <Suspense fallback=|| view! { <Skeleton lines=3 /> }>
                {move || items.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{move || if manage() { t("store.empty_admin") } else { t("store.empty") }}</p> }.into_any();
                    }
                    view! {
                        <div class="store-grid" data-test="items">
                            {list.into_iter().map(|i| {
                                let (id, price) = (i.id, i.price);
                                let sold_out = i.stock == 0 || !i.active;
                                let stock_label = if !i.active {
                                    t("store.off_sale")
                                } else if i.stock == 0 {
                                    t("store.sold_out")
                                } else {
                                    tf("store.left", &[("n", &i.stock.to_string())])
                                };
                                let whole = i.clone();
                                let uploaded = i.image_url.as_deref().is_some_and(|u| u.starts_with("/api/"));
                                view! {
                                    <article class="store-item card" class:inactive=!i.active>
                                        <Picture url=i.image_url.clone() name=i.name.clone() />
                                        <h3>{i.name.clone()}</h3>
                                        {i.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
                                        <p class="price">{price_label(i.price)}</p>
                                        <p class="stock">{stock_label}</p>
                                        <Show when=move || !manage()>
                                            <button class="primary" disabled=move || sold_out || !affords(price) on:click=move |_| buy(id)>
                                                {move || if affords(price) { t("store.buy") } else { t("store.cannot_afford") }}
                                            </button>
                                        </Show>
                                        <Show when=manage>
                                            {
                                                let whole = whole.clone();
                                                view! {
                                                    <div class="row item-actions">
                                                        <button on:click=move |_| toggle(whole.clone())>
                                                            {if whole.active { tr("store.take_off_sale")() } else { tr("store.put_on_sale")() }}
                                                        </button>
                                                        <label class="button">
                                                            {tr("store.picture_change")}
                                                            <input type="file" class="visually-hidden" accept="image/png,image/jpeg,image/webp,image/gif"
                                                                on:change=move |ev| set_picture(id, ev) />
                                                        </label>
                                                        <Show when=move || uploaded>
                                                            <button class="danger" on:click=move |_| remove_picture(id)>{tr("store.picture_remove")}</button>
                                                        </Show>
                                                    </div>
                                                }
                                            }
                                        </Show>
                                    </article>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                })}
            </Suspense>
            <Show when=manage>
                <form class="form store-add card" data-form="store-item" on:submit=add>
                    <h2>{tr("store.add")}</h2>
                    <div class="field">
                        <label for="item-name">{tr("store.name")}</label>
                        <input id="item-name" required maxlength="200" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="item-description">{tr("store.description")}</label>
                        <input id="item-description" maxlength="2000" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="item-picture">{tr("store.picture")}</label>
                        <input id="item-picture" node_ref=picture_input type="file" accept="image/png,image/jpeg,image/webp,image/gif"
                            on:change=move |ev| picture.set_value(picked(&ev)) />
                        <p class="hint">{tr("store.picture_hint")}</p>
                    </div>
                    <div class="row">
                        <div class="field"><label for="item-gold">{tr("store.gold")}</label><input id="item-gold" type="number" min="0" max="1000" prop:value=move || gold.get().to_string() on:input=number(gold) /></div>
                        <div class="field"><label for="item-silver">{tr("store.silver")}</label><input id="item-silver" type="number" min="0" max="1000" prop:value=move || silver.get().to_string() on:input=number(silver) /></div>
                        <div class="field"><label for="item-bronze">{tr("store.bronze")}</label><input id="item-bronze" type="number" min="0" max="1000" prop:value=move || bronze.get().to_string() on:input=number(bronze) /></div>
                        <div class="field"><label for="item-stock">{tr("store.stock")}</label><input id="item-stock" type="number" min="0" max="100000" prop:value=move || stock.get().to_string() on:input=number(stock) /></div>
                    </div>
                    <button class="primary" type="submit">{tr("store.add")}</button>
                </form>
            </Show>
            <h2>{move || if manage() { t("store.orders") } else { t("store.my_orders") }}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                {move || orders.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{tr("store.no_orders")}</p> }.into_any();
                    }
                    view! {
                        <ul class="agenda store-orders" data-test="orders">
                            {list.into_iter().map(|o| {
                                let (id, who, open) = (o.id, o.person_id, o.status == OrderStatus::Placed);
                                view! {
                                    <li class:cancelled=o.status == OrderStatus::Cancelled>
                                        <span class="when">{o.created_at.format("%Y-%m-%d %H:%M").to_string()}</span>
                                        <span class="what">
                                            {format!("{} × {}", o.quantity, o.item_name)}
                                            {move || names.get().and_then(|n| n.get(&who).cloned()).map(|n| format!(" — {n}"))}
                                        </span>
                                        <span class="status">{t(&format!("store.status.{}", o.status.as_str()))}</span>
                                        <span class="actions">
                                            <Show when=move || manage() && open>
                                                <button class="primary" on:click=move |_| fulfil(id)>{tr("store.fulfil")}</button>
                                                <button class="danger" on:click=move |_| cancel(id)>{tr("store.cancel")}</button>
                                            </Show>
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
