//! Everything a workspace holds, read for its export: each kind of record
//! is one table, read through a cursor a chunk at a time (so that a table
//! of any size holds one chunk in memory) as JSON objects, in the order of
//! its primary key. Run inside one repeatable-read transaction, every table
//! is read as of the same moment.
//!
//! Which tables are exported is a list ([`KINDS`]); the tables that are
//! not ([`KEPT_BACK`]) each say why: secrets (token and key hashes),
//! figures derived from other tables, and the server's own bookkeeping. A
//! test checks that every table with a `workspace_id` is in one of the two,
//! so a new table cannot be forgotten.

use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One kind of record, as a file of the export.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The file's name, without its extension: `people`.
    pub file: &'static str,
    /// The table it is read from.
    pub table: &'static str,
    /// Columns left out: secrets, and bytes exported as files of their own.
    pub omit: &'static [&'static str],
}

const fn kind(file: &'static str, table: &'static str) -> Kind {
    Kind {
        file,
        table,
        omit: &[],
    }
}

/// The kinds of record exported, in the order of the files.
pub const KINDS: &[Kind] = &[
    kind("people", "people"),
    kind("guardians", "guardians"),
    kind("organizations", "organizations"),
    kind("groups", "groups"),
    kind("group_members", "group_members"),
    kind("branches", "branches"),
    kind("member_branches", "member_branches"),
    kind("custom_fields", "custom_fields"),
    kind("notes", "notes"),
    kind("sessions", "sessions"),
    kind("session_series", "session_series"),
    kind("session_participants", "session_participants"),
    kind("session_groups", "session_groups"),
    kind("session_logs", "session_logs"),
    kind("attendance", "attendance"),
    kind("availability", "availability"),
    kind("person_availability", "person_availability"),
    kind("booking_rules", "booking_rules"),
    kind("reminder_settings", "reminder_settings"),
    kind("ledger_entries", "ledger_entries"),
    kind("fee_plans", "fee_plans"),
    kind("fee_discounts", "fee_discounts"),
    kind("tuition_charges", "tuition_charges"),
    kind("payments", "payments"),
    kind("rates", "rates"),
    kind("pay_rates", "pay_rates"),
    kind("packages", "packages"),
    kind("package_uses", "package_uses"),
    kind("invoices", "invoices"),
    kind("invoice_lines", "invoice_lines"),
    kind("credit_notes", "credit_notes"),
    kind("medal_settings", "medal_settings"),
    kind("store_items", "store_items"),
    kind("store_orders", "store_orders"),
    kind("conversations", "conversations"),
    kind("conversation_participants", "conversation_participants"),
    kind("messages", "messages"),
    kind("message_deliveries", "message_deliveries"),
    kind("message_attachments", "message_attachments"),
    Kind {
        file: "mail",
        table: "mail_messages",
        // What was sent to whom and when; not the bodies, which may carry
        // one-use links (an invitation's), nor the attached files.
        omit: &["body", "attachment", "calendar"],
    },
    Kind {
        file: "imports",
        table: "imports",
        // The uploaded file itself, and the lease of the run.
        omit: &["content", "run_token"],
    },
    kind("import_mappings", "import_mappings"),
    Kind {
        file: "api_keys",
        table: "api_keys",
        omit: &["secret_hash"],
    },
    Kind {
        file: "invitations",
        table: "invitations",
        omit: &["token_hash"],
    },
    kind("audit_log", "audit_log"),
];

/// The tables with a `workspace_id` that are not exported, and why.
pub const KEPT_BACK: &[(&str, &str)] = &[
    (
        "memberships",
        "exported as members, with each user's name and e-mail",
    ),
    ("store_item_images", "exported as the pictures themselves"),
    ("refresh_tokens", "secret: sign-in sessions"),
    ("ws_tickets", "secret: one-use WebSocket tickets"),
    ("calendar_feeds", "secret: calendar feed tokens"),
    ("events", "the outbox of announcements, kept for a few days"),
    ("event_heads", "a counter of the outbox"),
    ("audit_heads", "the head of the audit chain, in audit_log"),
    ("ledger_balances", "sums of ledger_entries"),
    ("finance_months", "sums of invoices and sessions"),
    ("finance_years", "sums of finance_months"),
    ("finance_totals", "sums of finance_months"),
    (
        "finance_numbers",
        "the last invoice and credit note numbers, in the records",
    ),
    ("receipt_numbers", "the last receipt number, in payments"),
    ("imported_people", "fingerprints of imported rows"),
    ("imported_organizations", "fingerprints of imported rows"),
    (
        "import_rejections",
        "the rejected rows of an import, kept for a while",
    ),
    ("session_reminders", "when reminders were sent"),
    (
        "session_invitations",
        "calendar invitations mailed, in mail",
    ),
    ("removed_files", "files waiting to be deleted"),
];

/// The columns of `kind` exported, in the table's order: all but the
/// workspace (the export's own) and those it leaves out.
pub async fn columns(
    conn: &mut AsyncPgConnection,
    kind: &Kind,
) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let all: Vec<Column> = diesel::sql_query(
        "SELECT attname::text AS name FROM pg_attribute
         WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
         ORDER BY attnum",
    )
    .bind::<Text, _>(kind.table)
    .load(conn)
    .await?;
    Ok(all
        .into_iter()
        .map(|c| c.name)
        .filter(|c| c != "workspace_id" && !kind.omit.contains(&c.as_str()))
        .collect())
}

/// The primary key's columns of `table`, in order.
async fn key(conn: &mut AsyncPgConnection, table: &str) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let key: Vec<Column> = diesel::sql_query(
        "SELECT a.attname::text AS name
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .await?;
    Ok(key.into_iter().map(|c| c.name).collect())
}

/// The cursor an export reads through.
const CURSOR: &str = "rapport_export";

/// Opens the cursor over the rows of `kind` in `ws`, each a JSON object of
/// [`columns`], in the order of the primary key. Inside a transaction; the
/// next [`open`] closes the one before.
pub async fn open(conn: &mut AsyncPgConnection, kind: &Kind, ws: Uuid) -> diesel::QueryResult<()> {
    let order = key(conn, kind.table).await?;
    let order = if order.is_empty() {
        String::new()
    } else {
        format!(
            " ORDER BY {}",
            order
                .iter()
                .map(|c| format!("t.\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut omit = vec!["'workspace_id'".to_string()];
    omit.extend(kind.omit.iter().map(|c| format!("'{c}'")));
    diesel::sql_query("CLOSE ALL").execute(conn).await?;
    // The table, columns and workspace are ours, not the caller's: nothing
    // here comes from a request but the workspace, a parsed id.
    diesel::sql_query(format!(
        "DECLARE {CURSOR} NO SCROLL CURSOR FOR
         SELECT (to_jsonb(t) - ARRAY[{}]::text[])::text AS row FROM \"{}\" t
         WHERE t.workspace_id = '{ws}'{order}",
        omit.join(", "),
        kind.table
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// The next `n` rows of the open cursor (none when it is done), each a
/// JSON object.
pub async fn next(conn: &mut AsyncPgConnection, n: u32) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        row: String,
    }
    let rows: Vec<Row> = diesel::sql_query(format!("FETCH {n} FROM {CURSOR}"))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.row).collect())
}

/// The members of `ws`, each a JSON object: the user, their name and
/// e-mail, their role and since when.
pub async fn members(conn: &mut AsyncPgConnection, ws: Uuid) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        row: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT jsonb_build_object('user_id', u.id, 'name', u.name, 'email', u.email,
                 'role', m.role, 'created_at', m.created_at, 'updated_at', m.updated_at)::text AS row
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1 ORDER BY u.email",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.row).collect())
}

/// The columns of [`members`].
pub const MEMBER_COLUMNS: &[&str] = &[
    "user_id",
    "name",
    "email",
    "role",
    "created_at",
    "updated_at",
];

/// The workspace itself, a JSON object.
pub async fn workspace(conn: &mut AsyncPgConnection, ws: Uuid) -> diesel::QueryResult<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        row: String,
    }
    let row: Row = diesel::sql_query(
        "SELECT jsonb_build_object('id', id, 'name', name, 'template', template,
                 'modules', modules, 'time_zone', time_zone, 'created_at', created_at)::text AS row
         FROM workspaces WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .get_result(conn)
    .await?;
    Ok(row.row)
}

/// A message's attached file: its id (under which its bytes are kept) and
/// name.
#[derive(Debug, Clone, QueryableByName)]
pub struct Attached {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub file_name: String,
}

/// The files attached to messages of `ws` after `after` (by id), `n` of them.
pub async fn attachments(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    after: Option<Uuid>,
    n: i64,
) -> diesel::QueryResult<Vec<Attached>> {
    diesel::sql_query(
        "SELECT id, file_name FROM message_attachments
         WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id > $2)
         ORDER BY id LIMIT $3",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(n)
    .load(conn)
    .await
}

/// A store item's picture.
#[derive(Debug, Clone, QueryableByName)]
pub struct Picture {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub item_id: Uuid,
    #[diesel(sql_type = Text)]
    pub content_type: String,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub bytes: Vec<u8>,
}

/// The next store item's picture of `ws` after `after` (by item).
pub async fn picture(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    after: Option<Uuid>,
) -> diesel::QueryResult<Option<Picture>> {
    use diesel::OptionalExtension;
    diesel::sql_query(
        "SELECT item_id, content_type, bytes FROM store_item_images
         WHERE workspace_id = $1 AND ($2::uuid IS NULL OR item_id > $2)
         ORDER BY item_id LIMIT 1",
    )
    .bind::<diesel::sql_types::Uuid, _>(ws)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after)
    .get_result(conn)
    .await
    .optional()
}

/// Every table with a `workspace_id`: what the export must account for.
pub async fn workspace_tables(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let t: Vec<Table> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .load(conn)
    .await?;
    Ok(t.into_iter().map(|t| t.name).collect())
}
