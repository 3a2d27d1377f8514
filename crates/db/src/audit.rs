//! The audit trail: one hash-chained log per workspace.
//!
//! A change appends its entry unsealed, in its own transaction and without
//! waiting for any other writer; [`seal`] then gives the entries of a
//! workspace their place (`seq`), link and hash under the head's lock, in
//! the order they were made. Every reader of the chain seals first, and a
//! background task seals what no one reads.
//!
//! Each entry's hash covers the previous entry's hash, the entry's metadata
//! and a digest of its payload (changed fields, IP, user agent, request id).
//! The database refuses every change to an entry but one: a redaction of
//! personal data by `audit_erase()` (see [`erase`]), which is itself recorded
//! as a later chain entry holding the digest of the redacted payload. Verify
//! accepts a redacted entry only when such a record names it with that digest;
//! any other change to a row breaks the chain from that row on.

use crate::list::{Dir, Key, ListResult, PageRequest, Sort, Sorts};
use crate::schema::{audit_heads, audit_log};
use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rapport_domain::api::{Actor, ActorKind, AuditEntryView};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// An entry with the chain's fields, for appending and verifying.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub workspace_id: Uuid,
    #[diesel(embed)]
    pub entry: Listed,
    pub payload_digest: Vec<u8>,
    pub redacted: bool,
    #[diesel(select_expression = audit_log::prev_hash.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<audit_log::prev_hash>)]
    pub prev_hash: Vec<u8>,
}

impl std::ops::Deref for AuditEntry {
    type Target = Listed;
    fn deref(&self) -> &Listed {
        &self.entry
    }
}

pub fn actor_kind(s: &str) -> ActorKind {
    match s {
        "user" => ActorKind::User,
        "api_key" => ActorKind::ApiKey,
        _ => ActorKind::System,
    }
}

impl AuditEntry {
    fn computed_payload_digest(&self) -> Vec<u8> {
        payload_digest(
            &self.changes.value(),
            self.ip.as_deref(),
            self.user_agent.as_deref(),
            self.request_id.as_deref(),
        )
    }

    fn computed_hash(&self) -> Vec<u8> {
        chain_hash(&ChainFields {
            prev_hash: &self.prev_hash,
            seq: self.seq,
            id: self.id,
            occurred_at: self.occurred_at,
            actor_kind: &self.actor_kind,
            actor_id: self.actor_id,
            action: &self.action,
            record_type: &self.record_type,
            record_id: self.record_id.as_deref(),
            payload_digest: &self.payload_digest,
        })
    }
}

/// What a change records; the context (who, from where) comes with it.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub workspace_id: Uuid,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: Option<String>,
    pub changes: serde_json::Value,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

struct ChainFields<'a> {
    prev_hash: &'a [u8],
    seq: i64,
    id: Uuid,
    occurred_at: DateTime<Utc>,
    actor_kind: &'a str,
    actor_id: Option<Uuid>,
    action: &'a str,
    record_type: &'a str,
    record_id: Option<&'a str>,
    payload_digest: &'a [u8],
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn chain_hash(f: &ChainFields<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    put(&mut h, b"rapport-audit-v1");
    put(&mut h, f.prev_hash);
    put(&mut h, &f.seq.to_be_bytes());
    put(&mut h, f.id.as_bytes());
    put(&mut h, &f.occurred_at.timestamp_micros().to_be_bytes());
    put(&mut h, f.actor_kind.as_bytes());
    put(
        &mut h,
        f.actor_id
            .map(|u| *u.as_bytes())
            .unwrap_or_default()
            .as_slice(),
    );
    put(&mut h, f.action.as_bytes());
    put(&mut h, f.record_type.as_bytes());
    put(&mut h, f.record_id.unwrap_or("").as_bytes());
    put(&mut h, f.payload_digest);
    h.finalize().to_vec()
}

fn payload_digest(
    changes: &serde_json::Value,
    ip: Option<&str>,
    ua: Option<&str>,
    rid: Option<&str>,
) -> Vec<u8> {
    // serde_json's map is ordered by key, so this serialisation is canonical.
    let payload =
        serde_json::json!({"changes": changes, "ip": ip, "user_agent": ua, "request_id": rid});
    crate::sha256(payload.to_string())
}

/// Appends an entry, unsealed; call it inside the transaction of the
/// change it records.
pub async fn append(conn: &AsyncPgConnection, e: NewEntry<'_>) -> QueryResult<()> {
    append_many(conn, e.workspace_id, vec![e]).await
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
#[diesel(treat_none_as_default_value = false)]
struct Appended<'a> {
    workspace_id: Uuid,
    id: Uuid,
    occurred_at: DateTime<Utc>,
    actor_kind: &'a str,
    actor_id: Option<Uuid>,
    action: &'a str,
    record_type: &'a str,
    record_id: Option<String>,
    changes: serde_json::Value,
    ip: Option<&'a str>,
    user_agent: Option<String>,
    request_id: Option<&'a str>,
    payload_digest: Vec<u8>,
}

/// Appends entries of workspace `ws`, unsealed, in one insert (an import
/// writes a thousand at a time); they are sealed in this order. Call it
/// inside the transaction of the changes they record. It takes the
/// connection shared, so that the event of the same change can be sent in
/// the same round trip (pipelined).
pub async fn append_many(
    conn: &AsyncPgConnection,
    ws: Uuid,
    entries: Vec<NewEntry<'_>>,
) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    assert!(
        entries.iter().all(|e| e.workspace_id == ws),
        "entries of one workspace"
    );
    let occurred_at = Utc::now().trunc_subsecs(6);
    let rows: Vec<Appended> = entries
        .into_iter()
        .map(|e| {
            let ua = e.user_agent.map(|s| truncate(s, 512));
            let digest = payload_digest(&e.changes, e.ip, ua.as_deref(), e.request_id);
            Appended {
                workspace_id: ws,
                // Time-ordered: the sealing order.
                id: Uuid::now_v7(),
                occurred_at,
                actor_kind: e.actor_kind.as_str(),
                actor_id: e.actor_id,
                action: e.action,
                record_type: e.record_type,
                record_id: e.record_id,
                changes: e.changes,
                ip: e.ip,
                user_agent: ua,
                request_id: e.request_id,
                payload_digest: digest,
            }
        })
        .collect();
    let mut conn = conn;
    let insert = diesel::insert_into(audit_log::table).values(&rows);
    if rows.len() == 1 {
        // A change's one entry: the same text every time, kept prepared.
        crate::Prepared(insert).execute(&mut conn).await?;
    } else {
        insert.execute(&mut conn).await?;
    }
    Ok(())
}

/// The fields of an unsealed entry that its hash covers.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct Unsealed {
    id: Uuid,
    occurred_at: DateTime<Utc>,
    actor_kind: String,
    actor_id: Option<Uuid>,
    action: String,
    record_type: String,
    record_id: Option<String>,
    payload_digest: Vec<u8>,
}

/// Seals the committed entries of workspace `ws` that are not sealed yet:
/// each takes the next place in the chain, the hash before it and its own
/// hash, under the head's lock, in the order of their ids among those it
/// finds (an entry committed later is sealed by a later call). Returns how
/// many it sealed. Cheap when there are none (one look at a partial index).
pub async fn seal(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<usize> {
    seal_with(conn, ws, false).await
}

/// [`seal`], but nothing when another sealer holds the head (the
/// background task's way: a long erasure does not hold it up).
pub async fn seal_if_free(conn: &mut AsyncPgConnection, ws: Uuid) -> QueryResult<usize> {
    seal_with(conn, ws, true).await
}

async fn seal_with(
    conn: &mut AsyncPgConnection,
    ws: Uuid,
    skip_locked: bool,
) -> QueryResult<usize> {
    use diesel::dsl::exists;
    use diesel_async::AsyncConnection;
    let pending = |ws: Uuid| {
        audit_log::table
            .filter(audit_log::workspace_id.eq(ws))
            .filter(audit_log::hash.is_null())
    };
    let any: bool = diesel::select(exists(pending(ws))).get_result(conn).await?;
    if !any {
        return Ok(0);
    }
    conn.transaction(async |conn| {
        // The head's lock orders the sealers; what they seal is read after it.
        let head = audit_heads::table
            .find(ws)
            .select((audit_heads::seq, audit_heads::hash))
            .for_update();
        let head: Option<(i64, Vec<u8>)> = if skip_locked {
            head.skip_locked().first(conn).await.optional()?
        } else {
            head.first(conn).await.optional()?
        };
        let Some((last, mut prev_hash)) = head else {
            return Ok(0);
        };
        let rows: Vec<Unsealed> = pending(ws)
            .order(audit_log::id.asc())
            .select(Unsealed::as_select())
            .limit(SEAL_BATCH)
            .for_update()
            .load(conn)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let (mut ids, mut seqs, mut prevs, mut hashes) = (vec![], vec![], vec![], vec![]);
        for (seq, e) in (last + 1..).zip(&rows) {
            let hash = chain_hash(&ChainFields {
                prev_hash: &prev_hash,
                seq,
                id: e.id,
                occurred_at: e.occurred_at,
                actor_kind: &e.actor_kind,
                actor_id: e.actor_id,
                action: &e.action,
                record_type: &e.record_type,
                record_id: e.record_id.as_deref(),
                payload_digest: &e.payload_digest,
            });
            ids.push(e.id);
            seqs.push(seq);
            prevs.push(std::mem::replace(&mut prev_hash, hash.clone()));
            hashes.push(hash);
        }
        use diesel::sql_types::{Array, BigInt, Bytea, Uuid as SqlUuid};
        crate::sql_query(
            "UPDATE audit_log a SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash \
               FROM unnest($2, $3, $4, $5) AS s(id, seq, prev_hash, hash) \
              WHERE a.workspace_id = $1 AND a.id = s.id",
        )
        .bind::<SqlUuid, _>(ws)
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<BigInt>, _>(&seqs)
        .bind::<Array<Bytea>, _>(&prevs)
        .bind::<Array<Bytea>, _>(&hashes)
        .execute(conn)
        .await?;
        diesel::update(audit_heads::table.find(ws))
            .set((
                audit_heads::seq.eq(last + rows.len() as i64),
                audit_heads::hash.eq(&prev_hash),
            ))
            .execute(conn)
            .await?;
        Ok(rows.len())
    })
    .await
}

/// How many entries one sealing takes at most; a backlog takes several.
const SEAL_BATCH: i64 = 5000;

/// Seals every workspace's pending entries (the background task's round):
/// a workspace whose head is busy or whose sealing fails is left for the
/// next round, and the others go on.
pub async fn seal_all(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let workspaces: Vec<Uuid> = audit_log::table
        .filter(audit_log::hash.is_null())
        .select(audit_log::workspace_id)
        .distinct()
        .load(conn)
        .await?;
    let mut sealed = 0;
    for ws in workspaces {
        match seal_if_free(conn, ws).await {
            Ok(n) => sealed += n,
            Err(e) => {
                tracing::warn!(workspace = %ws, error = %e, "sealing the audit entries failed")
            }
        }
    }
    Ok(sealed)
}

/// Sealed entries only: what the chain's readers read.
pub fn is_sealed() -> diesel::dsl::IsNotNull<audit_log::hash> {
    audit_log::hash.is_not_null()
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// How the audit log sorts: by its chain's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSort {
    Seq,
}

impl Sorts for AuditSort {
    const LIST: &'static str = "audit";
    const FIELDS: &'static [(&'static str, Self)] = &[("seq", Self::Seq)];
    const DEFAULT: Sort<Self> = Sort {
        field: Self::Seq,
        dir: Dir::Desc,
    };
    type Row = Listed;
    fn key(self, e: &Listed) -> Key {
        Key::unique(e.seq)
    }
}

/// An entry as lists show it: without the chain's digests.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Listed {
    #[diesel(select_expression = audit_log::seq.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<audit_log::seq>)]
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    /// Passed through to the answer as the database's text.
    pub changes: crate::json::RawJsonb,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    #[diesel(select_expression = audit_log::hash.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<audit_log::hash>)]
    pub hash: Vec<u8>,
}

impl Listed {
    pub fn into_view(self) -> AuditEntryView {
        AuditEntryView {
            seq: self.seq,
            id: self.id,
            occurred_at: self.occurred_at,
            actor: Actor {
                kind: actor_kind(&self.actor_kind),
                id: self.actor_id,
            },
            action: self.action,
            record_type: self.record_type,
            record_id: self.record_id,
            changes: self.changes.0,
            ip: self.ip,
            user_agent: self.user_agent,
            request_id: self.request_id,
            hash: hex::encode(&self.hash),
        }
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    f: &AuditFilter,
    page: &PageRequest<AuditSort>,
) -> ListResult<Vec<Listed>> {
    // Whether anything waits to be sealed is asked in the same round trip
    // as the page (pipelined); only then is the page read again, sealed.
    let pending = diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::workspace_id.eq(workspace_id))
            .filter(audit_log::hash.is_null()),
    ));
    let (any, rows) = {
        let shared: &AsyncPgConnection = conn;
        futures::try_join!(
            pending.get_result::<bool>(&mut &*shared),
            list_query(workspace_id, f, page)?.load(&mut &*shared)
        )?
    };
    if !any {
        return Ok(rows);
    }
    seal(conn, workspace_id).await?;
    Ok(list_query(workspace_id, f, page)?.load(conn).await?)
}

fn list_query<'a>(
    workspace_id: Uuid,
    f: &AuditFilter,
    page: &PageRequest<AuditSort>,
) -> ListResult<
    audit_log::BoxedQuery<
        'a,
        diesel::pg::Pg,
        diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<Listed, diesel::pg::Pg>>,
    >,
> {
    let mut q = audit_log::table
        .filter(audit_log::workspace_id.eq(workspace_id))
        .filter(is_sealed())
        .select(Listed::as_select())
        .into_boxed();
    if let Some(a) = f.actor_id {
        q = q.filter(audit_log::actor_id.eq(a));
    }
    if let Some(t) = &f.record_type {
        q = q.filter(audit_log::record_type.eq(t.clone()));
    }
    if let Some(r) = &f.record_id {
        q = q.filter(audit_log::record_id.eq(r.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(s) = f.since {
        q = q.filter(audit_log::occurred_at.ge(s));
    }
    if let Some(u) = f.until {
        q = q.filter(audit_log::occurred_at.lt(u));
    }
    Ok(match page.sort.field {
        AuditSort::Seq => page.seek_unique(q, audit_log::seq.assume_not_null())?,
    })
}

/// The action of the chain entry that records an erasure.
pub const ERASED: &str = "audit.erased";

/// Erases personal data from one entry: the values of `fields` in its changes
/// become "[erased]" and its address and user agent are blanked, through the
/// database's `audit_erase()`, the one way an entry may change. The erasure is
/// then appended to the chain with the digest of the redacted payload. Call it
/// inside a transaction. Returns false when the entry was already redacted or
/// does not exist.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    workspace_id: Uuid,
    seq: i64,
    fields: &[String],
    by: NewEntry<'_>,
) -> QueryResult<bool> {
    use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<Jsonb>)]
        erased: Option<serde_json::Value>,
    }
    let row: Row = crate::sql_query("SELECT audit_erase($1, $2, $3) AS erased")
        .bind::<diesel::sql_types::Uuid, _>(workspace_id)
        .bind::<BigInt, _>(seq)
        .bind::<Array<Text>, _>(fields)
        .get_result(conn)
        .await?;
    let Some(_) = row.erased else {
        return Ok(false);
    };
    let entry: AuditEntry = audit_log::table
        .filter(audit_log::workspace_id.eq(workspace_id))
        .filter(audit_log::seq.eq(seq))
        .select(AuditEntry::as_select())
        .first(conn)
        .await?;
    append(
        conn,
        NewEntry {
            workspace_id,
            action: ERASED,
            record_type: "audit_entry",
            record_id: Some(seq.to_string()),
            changes: serde_json::json!({
                "fields": {"after": fields},
                "redacted_digest": {"after": hex::encode(entry.computed_payload_digest())},
            }),
            ..by
        },
    )
    .await?;
    Ok(true)
}

/// The result of recomputing a workspace's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: i64,
    pub first_bad: Option<i64>,
}

/// Recomputes the chain from the first entry, a batch at a time. An entry is
/// bad when its payload no longer matches its digest (unless erased), its
/// hash no longer matches its fields, its link does not match the entry
/// before, or an entry is missing before it.
pub async fn verify(conn: &mut AsyncPgConnection, workspace_id: Uuid) -> QueryResult<Verification> {
    while seal(conn, workspace_id).await? as i64 == SEAL_BATCH {}
    // The head first: entries sealed after it are the next verify's.
    let (head_seq, head_hash): (i64, Vec<u8>) = audit_heads::table
        .find(workspace_id)
        .select((audit_heads::seq, audit_heads::hash))
        .first(conn)
        .await?;
    let mut prev_hash = vec![0u8; 32];
    let mut expected_seq = 1i64;
    let mut checked = 0i64;
    // Redacted entries waiting for the chain entry that records their erasure:
    // seq -> digest of the payload as it is now.
    let mut erased: std::collections::BTreeMap<i64, String> = Default::default();
    loop {
        let batch: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::workspace_id.eq(workspace_id))
            .filter(audit_log::seq.ge(expected_seq))
            .filter(audit_log::seq.le(head_seq))
            .filter(is_sealed())
            .order(audit_log::seq.asc())
            .limit(1000)
            .select(AuditEntry::as_select())
            .load(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            checked += 1;
            let bad = e.seq != expected_seq
                || e.prev_hash != prev_hash
                || (!e.redacted && e.computed_payload_digest() != e.payload_digest)
                || e.computed_hash() != e.hash;
            if bad {
                return Ok(Verification {
                    checked,
                    first_bad: Some(expected_seq.min(e.seq)),
                });
            }
            if e.redacted {
                erased.insert(e.seq, hex::encode(e.computed_payload_digest()));
            }
            if e.action == ERASED && e.record_type == "audit_entry" {
                let named = e.record_id.as_deref().and_then(|r| r.parse::<i64>().ok());
                let changes = e.changes.value();
                let digest = changes["redacted_digest"]["after"].as_str();
                if let (Some(n), Some(d)) = (named, digest) {
                    if erased.get(&n).is_some_and(|now| now == d) {
                        erased.remove(&n);
                    }
                }
            }
            prev_hash = e.hash.clone();
            expected_seq += 1;
        }
    }
    // The head must name the last entry: a deleted tail shows up here.
    if head_seq != expected_seq - 1 || head_hash != prev_hash {
        return Ok(Verification {
            checked,
            first_bad: Some(expected_seq),
        });
    }
    // A redacted entry that no erasure record vouches for was forged.
    if let Some((&seq, _)) = erased.iter().next() {
        return Ok(Verification {
            checked,
            first_bad: Some(seq),
        });
    }
    Ok(Verification {
        checked,
        first_bad: None,
    })
}
