//! The booking page: a member chooses a host, then one of the host's free
//! slots of a week, and books it for themself; below, the group sessions
//! with seats to take, then their coming sessions, each of their own
//! bookings and seats with a button to give it up.

use super::{day_label, hm, instant, local, monday, status_label, today_in};
use crate::api;
use crate::components::form::FormError;
use crate::components::layout::template_label;
use crate::components::toast::toasts;
use crate::components::ui::Skeleton;
use crate::i18n::{t, tf, tr};
use crate::modules::{Entry, Section};
use crate::session;
use chrono::{Duration, NaiveDate, NaiveTime};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_domain::api::{
    BookableHost, BookingRequest, CancelSessionRequest, Page, SeatOffer, SessionPage,
    SessionStatus, SessionView, Slot,
};
use rapport_domain::{Module, Permission};
use std::collections::BTreeMap;
use uuid::Uuid;

#[leptos::lazy]
fn page() -> AnyView {
    view! { <Booking /> }.into_any()
}

/// The booking page and its link, named in the template's words.
pub const ENTRY: Entry = Entry {
    path: "booking",
    label: "booking",
    section: Section::Records,
    visible: |s| s.has_module(Module::Booking) && s.can(Permission::BookingsWrite),
    page: || Box::pin(page()),
    badge: None,
    strings: crate::i18n::Strings {
        en: include_str!("booking_en.txt"),
        fr: include_str!("booking_fr.txt"),
    },
};

#[component]
fn Booking() -> impl IntoView {
    let session = session::current();
    let me = session.me.with_untracked(|m| m.as_ref().map(|m| m.user.id));
    let zone = StoredValue::new(session::time_zone());
    let hosts = LocalResource::new(|| async {
        api::get::<Vec<BookableHost>>("/api/v1/availability/hosts")
            .await
            .unwrap_or_default()
    });
    let host = RwSignal::new(None::<Uuid>);
    let week = RwSignal::new(monday(today_in(&zone.get_value())));
    let version = RwSignal::new(0u32);
    let errors = RwSignal::new(None::<api::ApiError>);
    let toasts = toasts();
    let slots = LocalResource::new(move || {
        version.track();
        let (h, start) = (host.get(), week.get());
        async move {
            let Some(h) = h else {
                return Ok(Vec::new());
            };
            let z = zone.get_value();
            let from = instant(start.and_time(NaiveTime::MIN), &z).max(super::now());
            let to = instant((start + Duration::days(7)).and_time(NaiveTime::MIN), &z);
            if to <= from {
                return Ok(Vec::new());
            }
            api::get::<Vec<Slot>>(&format!(
                "/api/v1/availability/slots?host_id={h}&from={}&to={}",
                api::enc(&from.to_rfc3339()),
                api::enc(&to.to_rfc3339())
            ))
            .await
        }
    });
    let mine = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<SessionPage>(&format!(
                "/api/v1/sessions?limit=50&from={}",
                api::enc(&super::now().to_rfc3339())
            ))
            .await
            .map(|p| p.data)
            .unwrap_or_default()
        }
    });
    let seats = LocalResource::new(move || {
        version.track();
        async move {
            api::get::<Page<SeatOffer>>(&format!(
                "/api/v1/bookings/seats?limit=20&to={}",
                api::enc(&(super::now() + Duration::days(60)).to_rfc3339())
            ))
            .await
            .map(|p| p.data)
            .unwrap_or_default()
        }
    });
    let take_seat = move |id: Uuid| {
        let body = BookingRequest {
            session_id: Some(id),
            ..Default::default()
        };
        spawn_local(async move {
            match api::post::<_, SessionView>("/api/v1/bookings", &body).await {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("booking.seat_taken"));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let book = move |slot: Slot| {
        let Some(h) = host.get_untracked() else {
            return;
        };
        let body = BookingRequest {
            host_id: Some(h),
            starts_at: Some(slot.starts_at),
            ..Default::default()
        };
        spawn_local(async move {
            match api::post::<_, SessionView>("/api/v1/bookings", &body).await {
                Ok(s) => {
                    errors.set(None);
                    toasts.success(if s.status == SessionStatus::Pending {
                        t("booking.requested")
                    } else {
                        t("booking.booked")
                    });
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let cancel = move |id: Uuid| {
        let body = CancelSessionRequest {
            reason: t("booking.cancelled_reason"),
            apply_to: None,
        };
        spawn_local(async move {
            match api::post::<_, SessionView>(&format!("/api/v1/bookings/{id}/cancel"), &body).await
            {
                Ok(_) => {
                    errors.set(None);
                    toasts.success(t("booking.cancelled"));
                }
                Err(e) => errors.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="page" data-page="booking">
            <header class="page-header">
                <div>
                    <h1>{move || template_label("booking")}</h1>
                    <p class="lead">{tr("booking.lead")}</p>
                </div>
            </header>
            <div class="field booking-host">
                <label for="book-host">{tr("booking.host")}</label>
                <select id="book-host" on:change=move |ev| host.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=true>{tr("booking.choose")}</option>
                    {move || hosts.get().map(|list| list.into_iter().map(|h| view! {
                        <option value=h.user_id.to_string()>{h.name}</option>
                    }).collect_view())}
                </select>
            </div>
            <FormError errors=errors />
            <Show when=move || host.get().is_some() fallback=|| view! { <p class="empty">{tr("booking.pick_host")}</p> }>
                <div class="toolbar calendar-nav">
                    <button on:click=move |_| week.update(|w| *w -= Duration::days(7)) aria-label=tr("calendar.previous")>"‹"</button>
                    <button on:click=move |_| week.set(monday(today_in(&zone.get_value())))>{tr("calendar.today")}</button>
                    <button on:click=move |_| week.update(|w| *w += Duration::days(7)) aria-label=tr("calendar.next")>"›"</button>
                </div>
                <Suspense fallback=|| view! { <Skeleton lines=4 /> }>
                    {move || slots.get().map(|r| match r {
                        Err(e) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">{tr("booking.no_slots")}</p> }.into_any(),
                        Ok(list) => {
                            let z = zone.get_value();
                            let mut days: BTreeMap<NaiveDate, Vec<Slot>> = BTreeMap::new();
                            for s in list {
                                days.entry(local(&s.starts_at, &z).date()).or_default().push(s);
                            }
                            view! {
                                <div class="slot-days" data-test="slots">
                                    {days.into_iter().map(|(d, list)| {
                                        let z = z.clone();
                                        view! {
                                            <div class="slot-day">
                                                <h3>{day_label(d)}</h3>
                                                <div class="slot-list">
                                                    {list.into_iter().map(|s| {
                                                        let label = hm(local(&s.starts_at, &z));
                                                        view! { <button class="slot" on:click=move |_| book(s)>{label}</button> }
                                                    }).collect_view()}
                                                </div>
                                            </div>
                                        }
                                    }).collect_view()}
                                </div>
                            }.into_any()
                        }
                    })}
                </Suspense>
            </Show>
            <h2>{tr("booking.groups")}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                {move || seats.get().map(|list| {
                    let z = zone.get_value();
                    if list.is_empty() {
                        return view! { <p class="empty">{tr("booking.no_groups")}</p> }.into_any();
                    }
                    view! {
                        <ul class="agenda seats" data-test="seats">
                            {list.into_iter().map(|o| {
                                let start = local(&o.starts_at, &z);
                                let end = local(&o.ends_at, &z);
                                let id = o.session_id;
                                let left = if o.seats_left == 0 {
                                    t("booking.full")
                                } else {
                                    tf("booking.seats_left", &[
                                        ("left", &o.seats_left.to_string()),
                                        ("capacity", &o.capacity.to_string()),
                                    ])
                                };
                                let (booked, open) = (o.booked, o.seats_left > 0);
                                view! {
                                    <li class:booked=booked>
                                        <span class="when">{format!("{} {}–{}", day_label(start.date()), hm(start), hm(end))}</span>
                                        <span class="what">{o.title}</span>
                                        <span class="who">{o.host_name.unwrap_or_default()}</span>
                                        <span class="status">{left}</span>
                                        {if booked {
                                            view! { <button class="danger" on:click=move |_| cancel(id)>{tr("booking.give_up")}</button> }.into_any()
                                        } else {
                                            view! { <button class="primary" disabled=!open on:click=move |_| take_seat(id)>{tr("booking.take_seat")}</button> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Suspense>
            <h2>{tr("booking.mine")}</h2>
            <Suspense fallback=|| view! { <Skeleton lines=2 /> }>
                {move || mine.get().map(|list| {
                    let z = zone.get_value();
                    if list.is_empty() {
                        return view! { <p class="empty">{tr("booking.none_yet")}</p> }.into_any();
                    }
                    view! {
                        <ul class="agenda" data-test="mine">
                            {list.into_iter().map(|s| {
                                let start = local(&s.starts_at, &z);
                                let end = local(&s.ends_at, &z);
                                let id = s.id;
                                // Their booking, or their seat of a group session.
                                let seat = s.capacity.is_some();
                                let cancellable = ((s.booked_by.is_some() && s.booked_by == me)
                                    || s.capacity.is_some())
                                    && s.starts_at > super::now()
                                    && !matches!(s.status, SessionStatus::Cancelled);
                                view! {
                                    <li class:cancelled=s.status == SessionStatus::Cancelled>
                                        <span class="when">{format!("{} {}–{}", day_label(start.date()), hm(start), hm(end))}</span>
                                        <span class="what">{s.title}</span>
                                        <span class="status">{status_label(s.status)}</span>
                                        <Show when=move || cancellable>
                                            <button class="danger" on:click=move |_| cancel(id)>{move || if seat { t("booking.give_up") } else { t("booking.cancel") }}</button>
                                        </Show>
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
