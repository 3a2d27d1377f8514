//! The one translation layer: every user-facing string is looked up here by
//! key, in English or French. The choice is remembered in the browser; dates,
//! times and numbers are formatted for the language and the workspace's time zone.
//!
//! The messages live in text files, one per part of the app and language
//! (`key = text` a line, `{name}` filled in): the shell's, the sign-in
//! pages' and the errors' in `i18n/<lang>/`, each module's in
//! `modules/<module>/<lang>.txt`, registered with its `Entry`. Every error
//! `code` the API can send has a message (`problem.<code>`, and
//! `invalid.<code>` for a field), shown instead of the server's English.

use leptos::prelude::*;
use std::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| code.starts_with(l.code()))
    }
}

thread_local! {
    static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
}

const STORAGE_KEY: &str = "rapport.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Picks the remembered language, else the browser's, else English.
pub fn install() -> RwSignal<Lang> {
    let remembered = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    let lang = remembered
        .as_deref()
        .and_then(Lang::from_code)
        .or_else(|| browser.as_deref().and_then(Lang::from_code))
        .unwrap_or(Lang::En);
    let signal = RwSignal::new(lang);
    LANG.with(|l| l.set(Some(signal)));
    set_document_lang(lang);
    signal
}

fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang.code());
    }
}

pub fn lang_signal() -> RwSignal<Lang> {
    LANG.with(|l| l.get()).unwrap_or_else(install)
}

/// The current language. Reactive: views that call it follow a change.
pub fn lang() -> Lang {
    lang_signal().get()
}

pub fn set_lang(lang: Lang) {
    lang_signal().set(lang);
    set_document_lang(lang);
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, lang.code());
    }
}

/// The message for `key` in the current language.
pub fn t(key: &str) -> String {
    lookup(lang(), key).to_string()
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A reactive message for a view: `{tr("signin.title")}`.
pub fn tr(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || t(key)
}

/// One part of the app's messages, in each language.
pub struct Strings {
    pub en: &'static str,
    pub fr: &'static str,
}

impl Strings {
    fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// The messages outside the modules.
const SHELL: [Strings; 4] = [
    Strings {
        en: include_str!("en/core.txt"),
        fr: include_str!("fr/core.txt"),
    },
    Strings {
        en: include_str!("en/auth.txt"),
        fr: include_str!("fr/auth.txt"),
    },
    Strings {
        en: include_str!("en/errors.txt"),
        fr: include_str!("fr/errors.txt"),
    },
    Strings {
        en: include_str!("en/records.txt"),
        fr: include_str!("fr/records.txt"),
    },
];

/// Every part's messages: the shell's, then each module's.
fn parts() -> impl Iterator<Item = &'static Strings> {
    SHELL
        .iter()
        .chain(crate::modules::ENTRIES.iter().map(|e| &e.strings))
}

type Table = Vec<(&'static str, &'static str)>;

/// The `key = text` lines of a file.
fn entries(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
}

/// One language's messages.
fn build(lang: Lang) -> Table {
    parts().flat_map(|p| entries(p.get(lang))).collect()
}

thread_local! {
    static TABLES: [std::cell::OnceCell<Table>; 2] = const {
        [std::cell::OnceCell::new(), std::cell::OnceCell::new()]
    };
}

fn find(lang: Lang, key: &str) -> Option<&'static str> {
    TABLES.with(|t| {
        let table = t[lang as usize].get_or_init(|| build(lang));
        table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    })
}

/// Whether `key` has a message in `lang`.
pub fn has(lang: Lang, key: &str) -> bool {
    find(lang, key).is_some()
}

pub fn lookup(lang: Lang, key: &str) -> &'static str {
    find(lang, key)
        .or_else(|| find(Lang::En, key))
        .unwrap_or("…")
}

/// The template's word for a role, in the current language.
pub fn role_label(template: rapport_domain::Template, role: rapport_domain::Role) -> String {
    let key = format!("role.{}.{}", template.as_str(), role.as_str());
    let s = lookup(lang(), &key);
    if s == "…" {
        t(&format!("role.{}", role.as_str()))
    } else {
        s.to_string()
    }
}

fn js_options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// A date and time in the language and the workspace's time zone.
pub fn datetime(at: &chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[
        ("dateStyle", "medium"),
        ("timeStyle", "short"),
        ("timeZone", time_zone),
    ]);
    d.to_locale_string(lang().code(), &opts).into()
}

/// A moment as an inbox shows it: the time alone when it is today in the
/// workspace's zone, else the date.
pub fn when_short(at: &chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let today = wall_clock(&now(), time_zone).date() == wall_clock(at, time_zone).date();
    let opts = if today {
        js_options(&[("timeStyle", "short"), ("timeZone", time_zone)])
    } else {
        js_options(&[("dateStyle", "medium"), ("timeZone", time_zone)])
    };
    d.to_locale_string(lang().code(), &opts).into()
}

/// Now, by this device's clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// `at` as the wall clock of `zone` shows it.
pub fn wall_clock(at: &chrono::DateTime<chrono::Utc>, zone: &str) -> chrono::NaiveDateTime {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[("timeZone", zone), ("hourCycle", "h23")]);
    // Swedish writes dates and times as ISO 8601 does: 2026-12-07 15:00:00.
    let text: String = d.to_locale_string("sv-SE", &opts).into();
    chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S").unwrap_or(at.naive_utc())
}

/// The instant when the wall clock of `zone` shows `wall` (the later one
/// when the clock goes back, the hour after when it skips).
pub fn instant(wall: chrono::NaiveDateTime, zone: &str) -> chrono::DateTime<chrono::Utc> {
    let mut guess = wall.and_utc();
    for _ in 0..3 {
        let off = wall_clock(&guess, zone) - wall;
        if off.is_zero() {
            break;
        }
        guess -= off;
    }
    guess
}

/// The name of a day of the week in the language ("Tuesday", "mardi").
pub fn weekday(day: chrono::Weekday) -> String {
    // 5 January 2026 was a Monday.
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    let at = (monday + chrono::Duration::days(day.num_days_from_monday() as i64))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[("weekday", "long"), ("timeZone", "UTC")]);
    d.to_locale_date_string(lang().code(), &opts).into()
}

/// A month and its year in the language ("November 2026", "novembre 2026").
pub fn month_name(month: chrono::NaiveDate) -> String {
    let at = month.and_time(chrono::NaiveTime::MIN).and_utc();
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[("month", "long"), ("year", "numeric"), ("timeZone", "UTC")]);
    d.to_locale_date_string(lang().code(), &opts).into()
}

/// A date alone.
pub fn date(at: &chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[("dateStyle", "medium"), ("timeZone", time_zone)]);
    d.to_locale_date_string(lang().code(), &opts).into()
}

/// A number with the language's separators.
pub fn number(n: f64) -> String {
    js_sys::Number::from(n)
        .to_locale_string(lang().code())
        .into()
}

/// Money in minor units, e.g. 150000 EUR → "1 500,00 €" in French.
pub fn money(amount_minor: i64, currency: &str) -> String {
    let locales = js_sys::Array::of1(&lang().code().into());
    let opts = js_options(&[("style", "currency"), ("currency", currency)]);
    let fmt = js_sys::Intl::NumberFormat::new(&locales, &opts);
    let digits = match currency {
        "JPY" | "KRW" => 0,
        _ => 2,
    };
    let value = amount_minor as f64 / 10f64.powi(digits);
    fmt.format()
        .call1(&wasm_bindgen::JsValue::NULL, &value.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{value} {currency}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::problem::{Code, FieldCode};
    use rapport_domain::{Module, Role, Template};
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> Vec<&'static str> {
        parts()
            .flat_map(|p| entries(p.get(lang)))
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn every_key_is_in_both_languages_once() {
        for lang in Lang::ALL {
            let all = keys(lang);
            let once: BTreeSet<_> = all.iter().collect();
            assert_eq!(all.len(), once.len(), "a key is defined twice in {lang:?}");
        }
        let en: BTreeSet<_> = keys(Lang::En).into_iter().collect();
        let fr: BTreeSet<_> = keys(Lang::Fr).into_iter().collect();
        let missing: Vec<_> = en.symmetric_difference(&fr).collect();
        assert!(missing.is_empty(), "in one language only: {missing:?}");
        for part in parts() {
            for lang in Lang::ALL {
                for line in part.get(lang).lines().map(str::trim) {
                    assert!(
                        line.is_empty() || line.starts_with('#') || line.contains(" = "),
                        "not a `key = text` line: {line}"
                    );
                }
            }
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let holes = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next().map(String::from))
                .collect();
            v.sort();
            v
        };
        for k in keys(Lang::En) {
            assert_eq!(
                holes(lookup(Lang::En, k)),
                holes(lookup(Lang::Fr, k)),
                "{k}"
            );
        }
    }

    /// The keys the app builds from a value rather than writes out.
    fn built_keys() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        keys.extend(Code::ALL.iter().map(|c| format!("problem.{c}")));
        keys.extend(FieldCode::ALL.iter().map(|c| format!("invalid.{c}")));
        keys.extend(
            rapport_domain::api::KINDS
                .iter()
                .map(|k| format!("event.{k}")),
        );
        keys.extend(Module::ALL.iter().map(|m| format!("module.{}", m.as_str())));
        keys.extend(
            rapport_domain::api::PersonStatus::ALL
                .iter()
                .map(|s| format!("people.status.{}", s.as_str())),
        );
        // A change in a timeline is told by its verb.
        keys.extend(
            [
                "created", "updated", "deleted", "restored", "erased", "exported",
            ]
            .iter()
            .map(|v| format!("timeline.{v}")),
        );
        keys.extend(
            rapport_domain::api::FieldKind::ALL
                .iter()
                .map(|k| format!("custom_fields.kind.{}", k.as_str())),
        );
        keys.extend(
            rapport_domain::api::FieldRecord::ALL
                .iter()
                .map(|r| format!("custom_fields.record.{}", r.as_str())),
        );
        keys.extend(
            rapport_domain::api::GroupKind::ALL
                .iter()
                .map(|k| format!("groups.kind.{}", k.as_str())),
        );
        use rapport_domain::imports::{
            DateOrder, Duplicates, ImportRecord, ImportStatus, RowAction,
        };
        keys.extend(
            ImportRecord::ALL
                .iter()
                .flat_map(|r| r.targets())
                .map(|f| format!("import.field.{f}")),
        );
        keys.extend(
            Duplicates::ALL
                .iter()
                .map(|d| format!("import.dup.organization.{}", d.as_str())),
        );
        use rapport_domain::api::{AttendanceStatus, SessionKind, SessionStatus};
        keys.extend(
            SessionKind::ALL
                .iter()
                .map(|k| format!("calendar.kind.{}", k.as_str())),
        );
        keys.extend(
            SessionStatus::ALL
                .iter()
                .map(|k| format!("calendar.status.{}", k.as_str())),
        );
        keys.extend(
            AttendanceStatus::ALL
                .iter()
                .map(|k| format!("calendar.attendance.{}", k.as_str())),
        );
        keys.extend(
            AttendanceStatus::ALL
                .iter()
                .map(|k| format!("tutoring.attendance.{}", k.as_str())),
        );
        keys.extend(
            DateOrder::ALL
                .iter()
                .map(|d| format!("import.date.{}", d.as_str())),
        );
        keys.extend(
            Duplicates::ALL
                .iter()
                .map(|d| format!("import.dup.{}", d.as_str())),
        );
        keys.extend(
            RowAction::ALL
                .iter()
                .map(|a| format!("import.action.{}", a.as_str())),
        );
        keys.extend(
            ImportStatus::ALL
                .iter()
                .map(|s| format!("import.status.{}", s.as_str())),
        );
        keys.extend(
            rapport_domain::api::PaymentMethod::ALL
                .iter()
                .map(|m| format!("payments.method.{}", m.as_str())),
        );
        keys.extend(
            rapport_domain::api::ConversationKind::ALL
                .iter()
                .map(|k| format!("messaging.kind.{}", k.as_str())),
        );
        keys.extend(
            rapport_domain::api::OrderStatus::ALL
                .iter()
                .map(|s| format!("store.status.{}", s.as_str())),
        );
        for t in Template::ALL {
            keys.insert(format!("template.{}", t.as_str()));
            keys.insert(format!("template.{}.about", t.as_str()));
            keys.insert(format!("people.{}", t.as_str()));
            if t.modules().contains(&Module::Organizations) {
                keys.insert(format!("organizations.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Groups) {
                keys.insert(format!("groups.{}", t.as_str()));
                keys.insert(format!("today.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Scheduling) {
                keys.insert(format!("calendar.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Booking) {
                keys.insert(format!("booking.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Medals) {
                keys.insert(format!("medals.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Store) {
                keys.insert(format!("store.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Payments) {
                keys.insert(format!("payments.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Finance) {
                keys.insert(format!("finance.{}", t.as_str()));
            }
            if t.modules().contains(&Module::Messaging) {
                keys.insert(format!("messaging.{}", t.as_str()));
            }
            for r in Role::ALL {
                keys.insert(format!("role.{}.{}", t.as_str(), r.as_str()));
            }
        }
        keys.extend(Role::ALL.iter().map(|r| format!("role.{}", r.as_str())));
        keys
    }

    /// Every string literal of the app's source that looks like a key.
    fn written_keys() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for literal in text.split('"').skip(1).step_by(2) {
                        let looks_like_a_key = literal.contains('.')
                            && literal.split('.').all(|p| {
                                !p.is_empty()
                                    && p.bytes().all(|b| {
                                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
                                    })
                            });
                        if looks_like_a_key {
                            out.insert(literal.to_string());
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_key_the_app_uses_has_a_message_and_every_message_is_used() {
        let defined: BTreeSet<String> = keys(Lang::En).into_iter().map(String::from).collect();
        let families: BTreeSet<&str> = defined.iter().filter_map(|k| k.split('.').next()).collect();
        let built = built_keys();
        let written = written_keys();
        // A written key of a known family that has no message.
        let missing: Vec<_> = written
            .iter()
            .filter(|k| families.contains(k.split('.').next().unwrap()))
            .filter(|k| !defined.contains(*k))
            .collect();
        assert!(missing.is_empty(), "used without a message: {missing:?}");
        // Built keys that must exist: every error code and event has a message.
        for must in built.iter().filter(|k| {
            k.starts_with("problem.") || k.starts_with("invalid.") || k.starts_with("event.")
        }) {
            assert!(defined.contains(must), "no message for {must}");
        }
        let unused: Vec<_> = defined
            .iter()
            .filter(|k| !written.contains(*k) && !built.contains(*k))
            .collect();
        assert!(unused.is_empty(), "messages nothing uses: {unused:?}");
    }
}
