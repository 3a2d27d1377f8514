use crate::api;
use crate::components::layout::people_label;
use crate::i18n::{money, role_label, t, tf, tr};
use crate::session;
use leptos::prelude::*;
use leptos_router::components::A;
use rapport_domain::api::SchoolDashboard;
use rapport_domain::Module;
use rapport_domain::Permission;

/// `part` of `whole` as a whole percentage.
fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// A school's figures for its admins: cards, attendance by class as bars,
/// this month's money, and the top medal earners.
#[component]
fn SchoolOverview() -> impl IntoView {
    let figures = LocalResource::new(|| async move {
        api::get::<SchoolDashboard>("/api/v1/dashboards/school")
            .await
            .ok()
    });
    view! {
        {move || figures.get().flatten().map(|d| {
            let recorded: i64 = d.classes.iter().map(|c| c.recorded).sum();
            let attended: i64 = d.classes.iter().map(|c| c.attended).sum();
            let rows = d.classes.len().max(1);
            let height = rows * 28;
            view! {
                <section class="overview" data-test="school-overview" aria-label=t("home.overview")>
                    <ul class="cards">
                        <li class="card stat"><h3>{tr("home.students")}</h3><p class="figure" data-test="students">{d.students}</p></li>
                        <li class="card stat"><h3>{tr("home.lessons_today")}</h3><p class="figure">{d.lessons_today}</p></li>
                        <li class="card stat">
                            <h3>{tr("home.attendance")}</h3>
                            <p class="figure">{if recorded > 0 { format!("{}%", percent(attended, recorded)) } else { "—".into() }}</p>
                            <p class="hint">{tr("home.last_30_days")}</p>
                        </li>
                        {d.money.iter().map(|m| view! {
                            <li class="card stat">
                                <h3>{tr("home.owed")}</h3>
                                <p class="figure">{money(m.owed_minor, &m.currency)}</p>
                                <p class="hint">{tf("home.debtors", &[("n", &m.debtors.to_string())])}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="overview-charts">
                        <figure class="card chart">
                            <figcaption>{tr("home.attendance_by_class")}</figcaption>
                            {if d.classes.is_empty() {
                                view! { <p class="empty">{tr("home.no_classes")}</p> }.into_any()
                            } else {
                                view! {
                                    <svg class="bars" viewBox=format!("0 0 400 {height}") role="img" aria-label=t("home.attendance_by_class")>
                                        {d.classes.iter().enumerate().map(|(i, c)| {
                                            let rate = percent(c.attended, c.recorded);
                                            let y = i * 28;
                                            view! {
                                                <g data-class=c.name.clone()>
                                                    <text x="0" y=(y + 17).to_string() class="label">{c.name.clone()}</text>
                                                    <rect x="180" y=(y + 4).to_string() width="180" height="18" class="track" />
                                                    <rect x="180" y=(y + 4).to_string() width=(rate * 180 / 100).to_string() height="18" class="bar" />
                                                    <text x="366" y=(y + 17).to_string() class="value">{if c.recorded > 0 { format!("{rate}%") } else { "—".into() }}</text>
                                                </g>
                                            }
                                        }).collect_view()}
                                    </svg>
                                }.into_any()
                            }}
                        </figure>
                        {d.money.iter().map(|m| {
                            let top = m.charged_minor.max(m.paid_minor).max(1);
                            let w = |v: i64| (v * 260 / top).to_string();
                            view! {
                                <figure class="card chart" data-test="money">
                                    <figcaption>{tr("home.this_month")}</figcaption>
                                    <svg class="bars" viewBox="0 0 400 64" role="img" aria-label=t("home.this_month")>
                                        <text x="0" y="21" class="label">{t("home.charged")}</text>
                                        <rect x="100" y="8" width=w(m.charged_minor) height="18" class="bar charged" />
                                        <text x="0" y="53" class="label">{t("home.paid")}</text>
                                        <rect x="100" y="40" width=w(m.paid_minor) height="18" class="bar paid" />
                                    </svg>
                                    <p class="hint">{tf("home.charged_paid", &[("charged", &money(m.charged_minor, &m.currency)), ("paid", &money(m.paid_minor, &m.currency))])}</p>
                                </figure>
                            }
                        }).collect_view()}
                        <figure class="card chart">
                            <figcaption>{tr("home.top_earners")}</figcaption>
                            {if d.top_earners.is_empty() {
                                view! { <p class="empty">{tr("home.no_earners")}</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="earners" data-test="earners">
                                        {d.top_earners.iter().map(|e| view! {
                                            <li>
                                                <span class="who">{format!("{} {}", e.first_name, e.last_name)}</span>
                                                <span class="medal gold" title=t("home.gold")>{e.gold}</span>
                                                <span class="medal silver" title=t("home.silver")>{e.silver}</span>
                                                <span class="medal bronze" title=t("home.bronze")>{e.bronze}</span>
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                        </figure>
                    </div>
                </section>
            }
        })}
    }
}

/// A school's teacher: one who takes registers but does not run the school.
fn teaches(s: &session::Session) -> bool {
    s.has_module(Module::Groups)
        && s.can(Permission::AttendanceWrite)
        && !s.can(Permission::OverviewRead)
}

/// A school's student: a member, who sees their own things.
fn learns(s: &session::Session) -> bool {
    s.has_module(Module::Groups)
        && s.me.with(|m| m.as_ref().map(|m| m.role)) == Some(rapport_domain::Role::Member)
}

#[component]
pub fn Home() -> impl IntoView {
    let session = session::current();
    let me = move || session.me.get();
    view! {
        <section class="page" data-page="home">
            {move || me().map(|m| {
                let role = role_label(m.workspace.template, m.role);
                let name = m.user.name.clone();
                let workspace = m.workspace.name.clone();
                view! {
                    <header class="page-header">
                        <h1>{move || tf("home.welcome", &[("name", &name)])}</h1>
                        <p class="lead">{move || tf("home.lead", &[("role", &role), ("workspace", &workspace)])}</p>
                    </header>
                }
            })}
            <Show when=move || session.can(Permission::OverviewRead) && session.has_module(Module::Groups)>
                <SchoolOverview />
            </Show>
            // A teacher's day, and a student's own page: chunks of their own.
            <Show when=move || teaches(&session)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::teaching_home())}
                </Suspense>
            </Show>
            <Show when=move || learns(&session)>
                <Suspense fallback=|| ()>
                    {Suspend::new(crate::modules::dashboards::student_home())}
                </Suspense>
            </Show>
            <h2>{tr("home.modules")}</h2>
            <ul class="cards">
                {move || me().map(|m| m.modules.into_iter().map(|module| {
                    let (href, label) = if module == Module::People {
                        ("/people".to_string(), people_label())
                    } else {
                        (format!("/m/{}", module.as_str()), t(&format!("module.{}", module.as_str())))
                    };
                    view! { <li class="card"><A href=href>{label}</A></li> }
                }).collect_view())}
            </ul>
            <h2>{tr("home.next")}</h2>
            <ul class="next-steps">
                <Show when=move || session.can(Permission::InvitationsManage)>
                    <li><A href="/members">{tr("home.invite")}</A></li>
                </Show>
                <Show when=move || session.can(Permission::ApiKeysManage)>
                    <li><A href="/api-keys">{tr("home.keys")}</A></li>
                </Show>
                <li><A href="/profile">{tr("home.profile")}</A></li>
            </ul>
        </section>
    }
}
