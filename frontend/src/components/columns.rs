//! A list's choice of columns: the "Columns" menu that shows or hides each
//! standard column and one column per custom field, the headers of the
//! columns shown, and this browser's memory of the choice.

use crate::i18n::{t, tr};
use leptos::prelude::*;
use rapport_domain::api::CustomFieldView;
use serde_json::{Map, Value};

/// What a custom field's column is called among the columns: `cf:<key>`.
const FIELD_PREFIX: &str = "cf:";

/// A standard column a list can show besides the name.
pub struct Column {
    /// Its name among the list's columns, as the browser remembers it.
    pub key: &'static str,
    /// The key of its header's message.
    pub label: &'static str,
    /// Whether it holds numbers, aligned to the right (`num`).
    pub numeric: bool,
}

impl Column {
    /// A column of text.
    pub const fn text(key: &'static str, label: &'static str) -> Self {
        Column {
            key,
            label,
            numeric: false,
        }
    }

    /// A column of numbers.
    pub const fn number(key: &'static str, label: &'static str) -> Self {
        Column {
            key,
            label,
            numeric: true,
        }
    }
}

/// The columns of one list.
pub struct ColumnSet {
    /// Where this browser keeps the choice, in `localStorage`.
    pub storage_key: &'static str,
    /// The standard columns, in the menu's order.
    pub standard: &'static [Column],
    /// The columns shown to someone who never chose, in order.
    pub shown: &'static [&'static str],
}

impl ColumnSet {
    fn column(&self, key: &str) -> Option<&'static Column> {
        self.standard.iter().find(|c| c.key == key)
    }
}

/// One list's columns as this browser chose them: the standard ones and one
/// per live custom field, in the order they were turned on.
#[derive(Clone, Copy)]
pub struct Columns {
    set: &'static ColumnSet,
    chosen: RwSignal<Vec<String>>,
    fields: LocalResource<Vec<CustomFieldView>>,
    shown: Memo<Vec<String>>,
}

impl Columns {
    /// The columns of `set`, with one per field of `fields` to choose from.
    pub fn new(set: &'static ColumnSet, fields: LocalResource<Vec<CustomFieldView>>) -> Self {
        let chosen = RwSignal::new(remembered(set));
        let shown =
            Memo::new(move |_| chosen.with(|c| fields.with(|f| visible(set, c, f.as_deref()))));
        Columns {
            set,
            chosen,
            fields,
            shown,
        }
    }

    /// The columns shown, in order; a custom field's is `cf:<key>`. A field's
    /// column shows once the fields have loaded, and not while it is archived.
    pub fn shown(self) -> Vec<String> {
        self.shown.get()
    }

    /// Shows or hides `key`, and remembers the choice.
    fn choose(self, key: &str, show: bool) {
        self.chosen.update(|c| {
            c.retain(|k| k != key);
            if show {
                c.push(key.to_string());
            }
        });
        if let Some(s) = storage() {
            let _ = s.set_item(self.set.storage_key, &self.chosen.get_untracked().join(","));
        }
    }
}

/// The custom field `cf:<key>` is the column of, if it is one.
pub fn field_key(column: &str) -> Option<&str> {
    column.strip_prefix(FIELD_PREFIX)
}

/// The columns `chosen` that can be shown: the standard ones `set` knows, and
/// the custom fields among the live `fields` (none until they have loaded).
fn visible(set: &ColumnSet, chosen: &[String], fields: Option<&[CustomFieldView]>) -> Vec<String> {
    chosen
        .iter()
        .filter(|c| match field_key(c) {
            Some(key) => fields.is_some_and(|f| f.iter().any(|f| f.key == key)),
            None => set.column(c).is_some(),
        })
        .cloned()
        .collect()
}

/// The columns as `saved` (a comma-separated list), or the default ones.
fn parse(set: &ColumnSet, saved: Option<&str>) -> Vec<String> {
    match saved {
        Some(saved) => saved
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        None => set.shown.iter().map(|c| c.to_string()).collect(),
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The columns of `set` as this browser last chose them.
fn remembered(set: &ColumnSet) -> Vec<String> {
    let saved = storage().and_then(|s| s.get_item(set.storage_key).ok().flatten());
    parse(set, saved.as_deref())
}

/// The "Columns" menu: a checkbox per standard column and per custom field.
#[component]
pub fn ColumnChooser(columns: Columns) -> impl IntoView {
    view! {
        <details class="column-chooser">
            <summary>{tr("records.columns")}</summary>
            <div class="menu" role="group" aria-label=tr("records.columns")>
                {move || {
                    let mut all: Vec<(String, String)> =
                        columns.set.standard.iter().map(|c| (c.key.to_string(), t(c.label))).collect();
                    all.extend(columns.fields.get().unwrap_or_default().into_iter()
                        .map(|f| (format!("{FIELD_PREFIX}{}", f.key), f.label)));
                    all.into_iter().map(|(key, label)| {
                        let on = key.clone();
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || columns.chosen.with(|c| c.contains(&on))
                                    on:change=move |ev| columns.choose(&key, event_target_checked(&ev)) />
                                {label}
                            </label>
                        }
                    }).collect_view()
                }}
            </div>
        </details>
    }
}

/// The headers of the columns shown, in order.
#[component]
pub fn ColumnHeaders(columns: Columns) -> impl IntoView {
    move || {
        let fields = columns.fields.get().unwrap_or_default();
        columns
            .shown()
            .into_iter()
            .map(|c| {
                let (label, numeric) = match field_key(&c) {
                    Some(key) => (
                        fields
                            .iter()
                            .find(|f| f.key == key)
                            .map(|f| f.label.clone())
                            .unwrap_or_default(),
                        false,
                    ),
                    None => columns
                        .set
                        .column(&c)
                        .map(|c| (t(c.label), c.numeric))
                        .unwrap_or_default(),
                };
                view! { <th scope="col" class=numeric.then_some("num")>{label}</th> }
            })
            .collect_view()
    }
}

/// The cell of a custom field's `column` for a record's `values`.
pub fn field_cell(column: &str, values: &Map<String, Value>) -> AnyView {
    let text = field_text(field_key(column).and_then(|k| values.get(k)));
    view! { <td>{text}</td> }.into_any()
}

/// A custom field's value as a cell shows it: ✓ for yes, a list's items
/// separated by commas, nothing for no value.
fn field_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => {
            if *b {
                "✓".into()
            } else {
                String::new()
            }
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::api::{FieldKind, FieldRecord};
    use serde_json::json;

    static SET: ColumnSet = ColumnSet {
        storage_key: "rapport.test.columns",
        standard: &[
            Column::text("phone", "people.phone"),
            Column::number("members", "groups.members"),
        ],
        shown: &["phone"],
    };

    fn field(key: &str) -> CustomFieldView {
        let now = chrono::DateTime::from_timestamp(0, 0).unwrap();
        CustomFieldView {
            id: uuid::Uuid::nil(),
            record_type: FieldRecord::Person,
            key: key.into(),
            label: key.to_uppercase(),
            kind: FieldKind::Text,
            options: vec![],
            required: false,
            position: 0,
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            sensitive: false,
        }
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_default_columns_until_a_choice_is_saved() {
        assert_eq!(parse(&SET, None), strings(&["phone"]));
        assert_eq!(
            parse(&SET, Some("members,cf:level")),
            strings(&["members", "cf:level"])
        );
        assert_eq!(parse(&SET, Some("")), Vec::<String>::new());
    }

    #[test]
    fn only_known_columns_and_live_fields_show() {
        let chosen = strings(&["cf:level", "gone", "phone", "cf:archived"]);
        assert_eq!(visible(&SET, &chosen, None), strings(&["phone"]));
        assert_eq!(
            visible(&SET, &chosen, Some(&[field("level")])),
            strings(&["cf:level", "phone"])
        );
    }

    #[test]
    fn a_field_value_as_a_cell_shows_it() {
        assert_eq!(field_text(Some(&json!("Peanuts"))), "Peanuts");
        assert_eq!(field_text(Some(&json!(true))), "✓");
        assert_eq!(field_text(Some(&json!(false))), "");
        assert_eq!(
            field_text(Some(&json!(["Maths", "Physics"]))),
            "Maths, Physics"
        );
        assert_eq!(field_text(Some(&json!(12.5))), "12.5");
        assert_eq!(field_text(Some(&Value::Null)), "");
        assert_eq!(field_text(None), "");
    }
}
