//! The schema as PostgreSQL has it after the migrations: every workspace table
//! is keyed by its workspace, and `crates/db/src/schema.rs` says the same as
//! the catalogue.

use std::collections::{BTreeMap, BTreeSet};

/// Tables that belong to no single workspace, and why. Everything else that
/// has a `workspace_id` is a workspace table; a table in neither group fails
/// the walk until it is classified.
const GLOBAL: &[(&str, &str)] = &[
    (
        "workspaces",
        "the tenants themselves (a reference table on Citus)",
    ),
    (
        "users",
        "people, who may belong to several workspaces (reference)",
    ),
    (
        "refresh_tokens",
        "a credential, found by its secret before its workspace is known",
    ),
    (
        "api_keys",
        "a credential, found by its prefix on every request before its workspace is known",
    ),
    ("ws_tickets", "a credential, found by its secret"),
    (
        "calendar_feeds",
        "a credential, found by its secret before its workspace is known",
    ),
    (
        "password_resets",
        "a credential of a person, not of a workspace",
    ),
    (
        "password_failures",
        "lockout bookkeeping per e-mail address",
    ),
    ("idempotency_keys", "replay bookkeeping per caller"),
    ("rate_windows", "rate-limit counters per caller"),
    ("jobs", "the job queue of every instance"),
    ("schedules", "the recurring jobs of every instance"),
    (
        "mail_messages",
        "outgoing mail, some of it to people outside any workspace",
    ),
];

/// Tables other tables may point at from a workspace table: the tenant and people.
const REFERENCE: &[&str] = &["workspaces", "users"];

struct Table {
    workspace_column: bool,
    primary_key: Vec<String>,
    unique: Vec<(String, Vec<String>)>,
    /// (constraint, columns, referenced table, referenced columns)
    foreign: Vec<(String, Vec<String>, String, Vec<String>)>,
}

async fn catalogue(sql: &tokio_postgres::Client) -> BTreeMap<String, Table> {
    let mut tables = BTreeMap::new();
    for row in sql
        .query(
            "SELECT c.relname,
                    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                            AND a.attname = 'workspace_id' AND NOT a.attisdropped)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
               AND c.relname <> '__diesel_schema_migrations'",
            &[],
        )
        .await
        .unwrap()
    {
        tables.insert(
            row.get::<_, String>(0),
            Table {
                workspace_column: row.get(1),
                primary_key: vec![],
                unique: vec![],
                foreign: vec![],
            },
        );
    }
    // Unique indexes (constraints included), with the columns they cover;
    // an expression index has no column names and reads as an empty list.
    for row in sql
        .query(
            "SELECT t.relname, i.relname, x.indisprimary,
                    ARRAY(SELECT a.attname::text FROM unnest(x.indkey) k
                          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k)
             FROM pg_index x
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public' AND x.indisunique",
            &[],
        )
        .await
        .unwrap()
    {
        let Some(t) = tables.get_mut(&row.get::<_, String>(0)) else {
            continue;
        };
        let columns: Vec<String> = row.get(3);
        if row.get::<_, bool>(2) {
            t.primary_key = columns;
        } else {
            t.unique.push((row.get(1), columns));
        }
    }
    for row in sql
        .query(
            "SELECT t.relname, k.conname, r.relname,
                    ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
                    ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)
             FROM pg_constraint k
             JOIN pg_class t ON t.oid = k.conrelid
             JOIN pg_class r ON r.oid = k.confrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public' AND k.contype = 'f'",
            &[],
        )
        .await
        .unwrap()
    {
        if let Some(t) = tables.get_mut(&row.get::<_, String>(0)) {
            t.foreign
                .push((row.get(1), row.get(3), row.get(2), row.get(4)));
        }
    }
    tables
}

/// What is wrong with the schema's keys, one line per problem.
fn key_problems(tables: &BTreeMap<String, Table>) -> Vec<String> {
    let global: BTreeSet<&str> = GLOBAL.iter().map(|(t, _)| *t).collect();
    let mut problems = vec![];
    for (name, t) in tables {
        if global.contains(name.as_str()) {
            for (fk, _, to, _) in &t.foreign {
                if !global.contains(to.as_str()) {
                    problems.push(format!(
                        "{name}.{fk}: a global table points at the workspace table {to}"
                    ));
                }
            }
            continue;
        }
        if !t.workspace_column {
            problems.push(format!(
                "{name}: no workspace_id and not listed as global: add workspace_id to its keys, or list it in GLOBAL with the reason"
            ));
            continue;
        }
        if !t.primary_key.iter().any(|c| c == "workspace_id") {
            problems.push(format!(
                "{name}: its primary key ({}) lacks workspace_id",
                t.primary_key.join(", ")
            ));
        }
        for (index, columns) in &t.unique {
            if !columns.iter().any(|c| c == "workspace_id") {
                problems.push(format!(
                    "{name}.{index}: a unique key without workspace_id spans workspaces"
                ));
            }
        }
        for (fk, columns, to, to_columns) in &t.foreign {
            let paired = columns
                .iter()
                .zip(to_columns)
                .any(|(c, r)| c == "workspace_id" && (r == "workspace_id" || to == "workspaces"));
            let to_reference = REFERENCE.contains(&to.as_str());
            // A key to a person needs no pairing; any other key does.
            let to_person = to_reference && to != "workspaces";
            if !(paired || to_person) {
                problems.push(format!(
                    "{name}.{fk}: a key to {to} must pair workspace_id with the other side's workspace_id"
                ));
            }
            if !to_reference && global.contains(to.as_str()) {
                problems.push(format!(
                    "{name}.{fk}: a workspace table points at the global table {to}"
                ));
            }
        }
    }
    problems
}

/// A client of a fresh, migrated database, and its catalogue.
async fn migrated() -> (tokio_postgres::Client, BTreeMap<String, Table>) {
    let url = rapport_tests::fresh_database().await;
    let (sql, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let tables = catalogue(&sql).await;
    (sql, tables)
}

#[tokio::test]
async fn every_workspace_table_is_keyed_by_its_workspace() {
    let (sql, tables) = migrated().await;
    let problems = key_problems(&tables);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, _) in GLOBAL {
        assert!(
            tables.contains_key(*name),
            "GLOBAL lists {name}, which does not exist"
        );
    }

    // The walk fails on what the rule forbids: made here, in the same database.
    sql.batch_execute(
        "CREATE TABLE bad_notes (id uuid PRIMARY KEY, workspace_id uuid NOT NULL REFERENCES workspaces(id),
                                 code text UNIQUE);
         CREATE TABLE bad_links (workspace_id uuid NOT NULL, id uuid NOT NULL, note_id uuid REFERENCES bad_notes(id),
                                 PRIMARY KEY (workspace_id, id));
         CREATE TABLE bad_loose (id uuid PRIMARY KEY);",
    )
    .await
    .unwrap();
    let problems = key_problems(&catalogue(&sql).await).join("\n");
    for expected in [
        "bad_notes: its primary key (id) lacks workspace_id",
        "bad_notes.bad_notes_code_key: a unique key without workspace_id",
        "bad_links.bad_links_note_id_fkey: a key to bad_notes must pair workspace_id",
        "bad_loose: no workspace_id and not listed as global",
    ] {
        assert!(
            problems.contains(expected),
            "missing `{expected}` in:\n{problems}"
        );
    }
}

/// One column as `schema.rs` declares it: (name, type, nullable).
type Column = (String, String, bool);

/// Reads the `diesel::table!` blocks of `schema.rs`: table -> (primary key, columns).
fn declared() -> BTreeMap<String, (Vec<String>, Vec<Column>)> {
    let text = include_str!("../../crates/db/src/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<String>, Vec<Column>)> = None;
    for line in text.lines().map(str::trim) {
        if let Some((head, _)) = line.split_once(" {").filter(|_| line.ends_with('{')) {
            if let Some((name, keys)) = head.split_once(" (") {
                let keys = keys
                    .trim_end_matches(')')
                    .split(", ")
                    .map(String::from)
                    .collect();
                current = Some((name.to_string(), keys, vec![]));
            }
        } else if let (Some((_, _, columns)), Some((name, ty))) = (
            current.as_mut(),
            line.trim_end_matches(',').split_once(" -> "),
        ) {
            let nullable = ty.starts_with("Nullable<");
            let ty = ty.trim_start_matches("Nullable<");
            let ty = if nullable { &ty[..ty.len() - 1] } else { ty };
            columns.push((name.to_string(), ty.to_string(), nullable));
        } else if line == "}" {
            if let Some((name, keys, columns)) = current.take() {
                tables.insert(name, (keys, columns));
            }
        }
    }
    tables
}

/// The PostgreSQL type (`udt_name`) of a diesel SQL type.
fn pg_type(diesel: &str) -> &'static str {
    match diesel {
        "Uuid" => "uuid",
        "Text" => "text",
        "Int2" | "SmallInt" => "int2",
        "Int4" | "Integer" => "int4",
        "Int8" | "BigInt" => "int8",
        "Bool" => "bool",
        "Binary" | "Bytea" => "bytea",
        "Jsonb" => "jsonb",
        "Timestamptz" => "timestamptz",
        "Timestamp" => "timestamp",
        "Date" => "date",
        "Array<Text>" => "_text",
        "Array<Uuid>" => "_uuid",
        "Array<Date>" => "_date",
        "Tstzrange" => "tstzrange",
        other => panic!("schema.rs uses {other}: add its PostgreSQL name to this test"),
    }
}

#[tokio::test]
async fn schema_rs_matches_the_migrations() {
    let (sql, tables) = migrated().await;
    let mut problems = vec![];
    let declared = declared();
    assert!(declared.len() >= 10, "schema.rs was not read: {declared:?}");
    // Tables reached only through raw SQL, on purpose.
    let raw_only = ["rate_windows"];
    for name in tables.keys() {
        if !declared.contains_key(name) && !raw_only.contains(&name.as_str()) {
            problems.push(format!("{name} is in the database but not in schema.rs"));
        }
    }
    for (name, (keys, columns)) in &declared {
        let Some(table) = tables.get(name) else {
            problems.push(format!(
                "schema.rs declares {name}, which no migration creates"
            ));
            continue;
        };
        let mut pk = table.primary_key.clone();
        let mut declared_pk = keys.clone();
        pk.sort();
        declared_pk.sort();
        if pk != declared_pk {
            problems.push(format!(
                "{name}: primary key {keys:?} in schema.rs, {:?} in the database",
                table.primary_key
            ));
        }
        let actual: BTreeMap<String, (String, bool)> = sql
            .query(
                "SELECT column_name::text, udt_name::text, is_nullable = 'YES'
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                &[name],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        for (column, ty, nullable) in columns {
            match actual.get(column) {
                None => problems.push(format!("{name}.{column} is in schema.rs only")),
                Some((t, n)) if t != pg_type(ty) || n != nullable => problems.push(format!(
                    "{name}.{column}: {ty} (nullable {nullable}) in schema.rs, {t} (nullable {n}) in the database"
                )),
                Some(_) => {}
            }
        }
        for column in actual.keys() {
            if !columns.iter().any(|(c, _, _)| c == column) {
                problems.push(format!("{name}.{column} is in the database only"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_sets_refuse_unknown_values_when_stored_and_when_read() {
    let app = rapport_tests::TestApp::start().await;
    let owner = app.register("school").await;
    let sql = app.sql().await;
    let ws = owner.workspace_id.to_string();
    // The database refuses values outside the sets.
    for change in [
        "UPDATE memberships SET role = 'boss' WHERE workspace_id = $1::text::uuid",
        "UPDATE workspaces SET template = 'circus' WHERE id = $1::text::uuid",
        "UPDATE workspaces SET modules = modules || '{juggling}' WHERE id = $1::text::uuid",
    ] {
        let refused = sql.execute(change, &[&ws]).await.unwrap_err();
        let message = refused.as_db_error().map(|e| e.message().to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("check constraint")),
            "{change}: {refused:?}"
        );
    }
    // The constraint names every module of the domain, and no other.
    let modules: String = sql
        .query_one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'workspaces_modules_known'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let named = modules.matches("'::text").count();
    assert_eq!(named, rapport_domain::Module::ALL.len(), "{modules}");
    for m in rapport_domain::Module::ALL {
        assert!(
            modules.contains(&format!("'{}'", m.as_str())),
            "{m:?} in {modules}"
        );
    }

    // Where a value got past the database, reading it is an error, never a default.
    sql.batch_execute(
        "ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
         ALTER TABLE workspaces DROP CONSTRAINT workspaces_modules_known;",
    )
    .await
    .unwrap();
    let teacher = app.add_member(&owner, "staff").await;
    let teacher_id = teacher.user_id.to_string();
    sql.execute(
        "UPDATE memberships SET role = 'boss' WHERE user_id = $1::text::uuid AND workspace_id = $2::text::uuid",
        &[&teacher_id, &ws],
    )
    .await
    .unwrap();
    let pool = rapport_db::pool(&app.db_url, 1).await.unwrap();
    let mut conn = pool.get().await.unwrap();
    let read = rapport_db::workspaces::of_user(&mut conn, teacher.user_id).await;
    assert!(
        format!("{read:?}").contains("`boss` is not a known role"),
        "{read:?}"
    );
    sql.execute(
        "UPDATE workspaces SET modules = '{juggling}' WHERE id = $1::text::uuid",
        &[&ws],
    )
    .await
    .unwrap();
    let read = rapport_db::workspaces::find(&mut conn, owner.workspace_id).await;
    assert!(
        format!("{read:?}").contains("`juggling` is not a known module"),
        "{read:?}"
    );
    drop(conn);
    app.stop().await;
}
