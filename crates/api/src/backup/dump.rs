//! The operator's backup of the whole server, and its restore.
//!
//! A backup is one file, encrypted ([`super::crypt`]), holding a zip of:
//! - `database.dump`: the whole database as `pg_dump` writes it (its
//!   custom format), one consistent snapshot;
//! - `files/<workspace>/<id>`: every uploaded file, copied after the
//!   snapshot (a file is written before any row names it, so every file
//!   the snapshot names is there);
//! - `fields-key`: the key the sensitive custom values are sealed with,
//!   without which the restored database could not open them;
//! - `manifest.json`: when, by which version, how much.
//!
//! Everything streams: the dump goes from `pg_dump` through the zip and the
//! cipher to the file, which is written under a temporary name and renamed
//! when whole. A restore goes onto an empty database (or, asked to, one it
//! empties first), then puts the files back, then applies the migrations
//! made since.

use super::crypt::{Key, Opener, Sealer};
use anyhow::{bail, Context};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The extension of backup files.
pub const EXTENSION: &str = "rbk";
const FORMAT: &str = "rapport-backup/1";

/// Where `pg_dump` and `pg_restore` are: `RAPPORT_PG_BIN`, `pg_config
/// --bindir`, the newest `/usr/lib/postgresql/*/bin`, or `PATH`.
pub fn pg_bin(tool: &str) -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var("RAPPORT_PG_BIN") {
        return Ok(PathBuf::from(p).join(tool));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(tool);
        if p.is_file() {
            return Ok(p);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin").join(tool);
            bin.is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(dir).join(tool);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!("`{tool}` was not found: install PostgreSQL's client programs (the `postgresql-client` package) or set RAPPORT_PG_BIN")
}

/// `tool` run against `database_url`: the URL without its password, which
/// goes in `PGPASSWORD`, so that no process list shows it.
fn pg_command(tool: &str, database_url: &str) -> anyhow::Result<Command> {
    use std::os::unix::ffi::OsStringExt;
    let mut c = Command::new(pg_bin(tool)?);
    match reqwest::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let password: Vec<u8> =
                percent_encoding::percent_decode_str(url.password().unwrap_or_default()).collect();
            let _ = url.set_password(None);
            c.env("PGPASSWORD", std::ffi::OsString::from_vec(password))
                .arg("--dbname")
                .arg(url.as_str());
        }
        _ => {
            c.arg("--dbname").arg(database_url);
        }
    }
    Ok(c)
}

/// What a backup holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version of Rapport that made it.
    pub version: String,
    pub database_bytes: u64,
    pub files: u64,
}

/// Writes a backup of the database at `database_url`, the files under
/// `files_dir` and the `fields` key to `out`, encrypted with `key`.
/// Blocking: run it on a thread of its own.
pub fn backup(
    database_url: &str,
    files_dir: &Path,
    fields: Option<&Key>,
    key: &Key,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let part = out.with_extension(format!("{EXTENSION}.part"));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
    }
    let written = write_backup(database_url, files_dir, fields, key, &part);
    match written {
        Ok(m) => {
            std::fs::rename(&part, out).with_context(|| format!("naming {}", out.display()))?;
            if let Some(dir) = out.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(m)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

fn private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))
}

fn write_backup(
    database_url: &str,
    files_dir: &Path,
    fields: Option<&Key>,
    key: &Key,
    part: &Path,
) -> anyhow::Result<Manifest> {
    use zip::write::SimpleFileOptions;
    let file = private_file(part)?;
    let sealer = Sealer::new(BufWriter::with_capacity(1 << 20, file), key)?;
    let mut zip = zip::ZipWriter::new_stream(sealer);
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);

    // The database, as one snapshot.
    zip.start_file("database.dump", stored)?;
    let mut dump = pg_command("pg_dump", database_url)?
        .args(["--format=custom", "--no-owner", "--no-privileges"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting pg_dump")?;
    let mut stdout = dump.stdout.take().expect("piped");
    // Its warnings are read as they come, so that it never waits on them.
    let mut stderr = dump.stderr.take().expect("piped");
    let warnings = std::thread::spawn(move || {
        let mut w = String::new();
        let _ = stderr.read_to_string(&mut w);
        w
    });
    let database_bytes = std::io::copy(&mut stdout, &mut zip).context("reading pg_dump")?;
    let status = dump.wait().context("waiting for pg_dump")?;
    let warnings = warnings.join().unwrap_or_default();
    if !status.success() {
        bail!("pg_dump failed: {}", warnings.trim());
    }

    // The files, after the snapshot.
    let mut files = 0u64;
    for ws in read_dir(files_dir)? {
        if !ws.is_dir() {
            continue;
        }
        for f in read_dir(&ws)? {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !f.is_file() || name.ends_with(".part") {
                continue;
            }
            let ws_name = ws.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let mut src = match std::fs::File::open(&f) {
                Ok(s) => s,
                // Removed meanwhile, with its record.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", f.display())),
            };
            zip.start_file(format!("files/{ws_name}/{name}"), stored)?;
            std::io::copy(&mut src, &mut zip)
                .with_context(|| format!("reading {}", f.display()))?;
            files += 1;
        }
    }

    if let Some(fields) = fields {
        zip.start_file("fields-key", SimpleFileOptions::default())?;
        zip.write_all(fields.to_hex().as_bytes())?;
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: chrono::Utc::now(),
        version: env!("CARGO_PKG_VERSION").into(),
        database_bytes,
        files,
    };
    zip.start_file("manifest.json", SimpleFileOptions::default())?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    let sealer = zip.finish()?.into_inner();
    let file = sealer.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(manifest)
}

/// The entries of `dir`, sorted; none when it does not exist.
fn read_dir(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(r) => r.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    entries.sort();
    Ok(entries)
}

/// What a restore put back.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub files: u64,
    /// The key the backup's sensitive values are sealed with: the server
    /// must run with it. None in a backup of a server that had none.
    pub fields_key: Option<Key>,
}

/// Restores the backup `from` (encrypted with `key`) onto the database at
/// `database_url` and the files under `files_dir`. The database must hold
/// no tables, unless `replace`, which drops what it holds first. The
/// migrations made since the backup are applied after. When the server
/// already has a fields key (`fields`) other than the backup's, nothing is
/// restored: its sensitive values would not open; without one, `keep`
/// is handed the backup's before the database is touched, to keep it.
pub async fn restore(
    database_url: &str,
    files_dir: &Path,
    key: &Key,
    from: &Path,
    replace: bool,
    fields: Option<&Key>,
    keep: &(dyn Fn(&Key) -> anyhow::Result<()> + Send + Sync),
) -> anyhow::Result<Restored> {
    // Opened whole before the database is touched: a wrong key or a
    // damaged file changes nothing. The plain copy sits beside the files,
    // readable by its owner alone, and goes however this ends.
    let work = Work(
        files_dir
            .parent()
            .unwrap_or(files_dir)
            .join(format!(".restore-{}", uuid::Uuid::new_v4().simple())),
    );
    let (manifest, fields_key) = {
        let (from, key, dir) = (from.to_path_buf(), key.clone(), work.0.clone());
        tokio::task::spawn_blocking(move || open_backup(&from, &key, &dir)).await??
    };
    let differs = match (fields, &fields_key) {
        (Some(f), Some(b)) => f.bytes() != b.bytes(),
        _ => false,
    };
    if differs {
        bail!(
            "this server's fields key is not the backup's, so the backup's sensitive values would not open: move the data directory's fields-key away (or unset RAPPORT_FIELDS_KEY) and restore again"
        );
    }
    empty_database(database_url, replace).await?;
    // The backup's key is kept before its data is written, so that no
    // database is ever left without the key to its sensitive values.
    if let (None, Some(k)) = (fields, &fields_key) {
        keep(k)?;
    }
    {
        let (url, dump) = (database_url.to_string(), work.0.join("database.dump"));
        tokio::task::spawn_blocking(move || pg_restore(&url, &dump, replace)).await??;
    }
    let files = {
        let (zip, files_dir) = (work.0.join("backup.zip"), files_dir.to_path_buf());
        tokio::task::spawn_blocking(move || put_files(&zip, &files_dir))
            .await?
            .context("the database is restored, but putting the files back failed")?
    };
    rapport_db::run_migrations(database_url)
        .await
        .context("the database is restored, but migrating it failed")?;
    Ok(Restored {
        manifest,
        files,
        fields_key,
    })
}

/// A directory removed with all it holds when dropped.
struct Work(PathBuf);

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decrypts `from` into `work/backup.zip` and takes the dump out of it into
/// `work/database.dump`, both readable by their owner alone.
fn open_backup(from: &Path, key: &Key, work: &Path) -> anyhow::Result<(Manifest, Option<Key>)> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(work)
        .with_context(|| format!("making {}", work.display()))?;
    let src = std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut opener = Opener::new(BufReader::with_capacity(1 << 20, src), key)?;
    let zip_path = work.join("backup.zip");
    let mut plain = BufWriter::new(private_file(&zip_path)?);
    std::io::copy(&mut opener, &mut plain).context("decrypting the backup")?;
    plain.flush()?;
    drop(plain);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path)?)
        .context("the backup's archive is damaged")?;
    let manifest: Manifest = {
        let mut m = String::new();
        zip.by_name("manifest.json")
            .context("the backup has no manifest")?
            .read_to_string(&mut m)?;
        serde_json::from_str(&m).context("the backup's manifest")?
    };
    if manifest.format != FORMAT {
        bail!(
            "a backup of the format {}, which this version cannot read",
            manifest.format
        );
    }
    let fields = match zip.by_name("fields-key") {
        Ok(mut f) => {
            let mut k = String::new();
            f.read_to_string(&mut k)?;
            Some(Key::from_hex(&k).context("the backup's fields key")?)
        }
        Err(zip::result::ZipError::FileNotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let mut dump = zip
        .by_name("database.dump")
        .context("the backup holds no database")?;
    let mut out = BufWriter::new(private_file(&work.join("database.dump"))?);
    std::io::copy(&mut dump, &mut out)?;
    out.flush()?;
    Ok((manifest, fields))
}

/// Checks that the database holds no tables, or (`replace`) drops them.
async fn empty_database(database_url: &str, replace: bool) -> anyhow::Result<()> {
    let (client, conn) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .context("connecting to the database")?;
    let conn = tokio::spawn(conn);
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .await?
        .get(0);
    if tables > 0 {
        if !replace {
            bail!(
                "the database already holds {tables} tables: restore onto an empty database, or pass --replace to drop everything it holds first"
            );
        }
        client
            .batch_execute(
                "DO $$ DECLARE s text := current_schema(); BEGIN
                 EXECUTE format('DROP SCHEMA %I CASCADE', s);
                 EXECUTE format('CREATE SCHEMA %I', s); END $$",
            )
            .await
            .context("emptying the database")?;
    }
    drop(client);
    let _ = conn.await;
    Ok(())
}

fn pg_restore(database_url: &str, dump: &Path, replaced: bool) -> anyhow::Result<()> {
    let out = pg_command("pg_restore", database_url)?
        .args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ])
        .arg(dump)
        .stdin(Stdio::null())
        .output()
        .context("starting pg_restore")?;
    if !out.status.success() {
        bail!(
            "pg_restore failed and wrote nothing of the backup{}: {}",
            if replaced {
                ", but what the database held was dropped before"
            } else {
                ""
            },
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Puts the backup's files under `files_dir`, each written whole and then
/// named; how many.
fn put_files(zip_path: &Path, files_dir: &Path) -> anyhow::Result<u64> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path)?)?;
    let mut n = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let Some(rel) = entry.enclosed_name() else {
            continue;
        };
        let Ok(rel) = rel.strip_prefix("files") else {
            continue;
        };
        if rel.components().count() != 2 {
            continue;
        }
        let path = files_dir.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let part = path.with_extension("part");
        let mut out = std::fs::File::create(&part)?;
        std::io::copy(&mut entry, &mut out)?;
        out.sync_all()?;
        std::fs::rename(&part, &path)?;
        n += 1;
    }
    Ok(n)
}

/// The name of a backup made at `at`: sorts by time.
pub fn file_name(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("rapport-{}.{EXTENSION}", at.format("%Y%m%dT%H%M%S%.3fZ"))
}

/// Removes all but the newest `keep` backups in `dir` (and pieces of
/// backups that never finished, a day on); the names removed.
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<String>> {
    let mut backups: Vec<PathBuf> = read_dir(dir)?
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rapport-") && n.ends_with(&format!(".{EXTENSION}")))
        })
        .collect();
    backups.sort();
    let mut removed = Vec::new();
    let old = backups.len().saturating_sub(keep);
    for p in backups.into_iter().take(old) {
        std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        removed.push(
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let day = std::time::Duration::from_secs(24 * 3600);
    for p in read_dir(dir)? {
        let stale = p.extension().is_some_and(|e| e == "part")
            && p.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().unwrap_or_default() > day);
        if stale {
            let _ = std::fs::remove_file(&p);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_backups_and_nothing_else_of_theirs_goes() {
        let dir = std::env::temp_dir().join(format!("rapport-prune-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        for d in 0..5 {
            std::fs::write(dir.join(file_name(t0 + chrono::Duration::days(d))), b"x").unwrap();
        }
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let removed = prune(&dir, 2).unwrap();
        assert_eq!(
            removed,
            [
                "rapport-20260101T000000.000Z.rbk",
                "rapport-20260102T000000.000Z.rbk",
                "rapport-20260103T000000.000Z.rbk"
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "rapport-20260104T000000.000Z.rbk",
                "rapport-20260105T000000.000Z.rbk"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
