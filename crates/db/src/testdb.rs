//! A database of its own for every test: a migrated template is made once per
//! cluster (under an advisory lock, so parallel test processes agree), and
//! each test clones it with `CREATE DATABASE ... TEMPLATE`, which takes a few
//! milliseconds. A test's database is named with the time it was made, and
//! the first test of a process drops those of earlier runs (older than
//! [`KEPT_SECS`]) and the templates of earlier migrations, so that a
//! developer's cluster does not grow without bound.

use anyhow::Context;
use tokio_postgres::NoTls;

/// How long a test's database is kept: longer than any run of the suites.
pub const KEPT_SECS: u64 = 6 * 3600;

static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether database `name` is a test's (or a template's) of an earlier run,
/// made before `now - KEPT_SECS`: `rapport_t_<secs>_<id>` and
/// `rapport_e2e_<pid>_<millis>` carry their time; `rapport_t_<id>` (named
/// before times were) and templates of other migrations are old by
/// definition.
pub fn is_stale(name: &str, current_template: &str, now: u64) -> bool {
    let old = |secs: u64| secs + KEPT_SECS < now;
    if let Some(rest) = name.strip_prefix("rapport_t_") {
        return match rest.split_once('_') {
            Some((secs, _)) => secs.parse().is_ok_and(old),
            None => true,
        };
    }
    if let Some(rest) = name.strip_prefix("rapport_e2e_") {
        return rest
            .rsplit_once('_')
            .and_then(|(_, ms)| ms.parse::<u64>().ok())
            .is_some_and(|ms| old(ms / 1000));
    }
    name.starts_with("rapport_tpl_") && name != current_template && !name.ends_with("_building")
}

/// Drops the databases of earlier runs on the cluster; one that is in use
/// (another run's) is left alone.
async fn sweep(client: &tokio_postgres::Client, current_template: &str) -> anyhow::Result<()> {
    let now = now_secs();
    let names: Vec<String> = client
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'rapport\\_%'",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for name in names.iter().filter(|n| is_stale(n, current_template, now)) {
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
    }
    Ok(())
}

/// The name of the template database, which changes whenever a migration changes.
fn template_name() -> String {
    format!("rapport_tpl_{}", env!("RAPPORT_MIGRATIONS_HASH"))
}

/// Replaces the database name of a `postgres://` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

async fn admin(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(&with_database(url, "postgres"), NoTls)
        .await
        .context("connecting to the test cluster's postgres database")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// Creates a fresh, migrated database on the cluster of `cluster_url` and returns its URL.
pub async fn fresh(cluster_url: &str) -> anyhow::Result<String> {
    let client = admin(cluster_url).await?;
    let tpl = template_name();
    // One process builds the template; the others wait on the lock.
    client
        .execute("SELECT pg_advisory_lock(727274)", &[])
        .await?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&tpl])
        .await?
        .is_some();
    let built = if exists {
        Ok(())
    } else {
        async {
            let building = format!("{tpl}_building");
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
                .await?;
            client
                .batch_execute(&format!("CREATE DATABASE {building}"))
                .await?;
            crate::run_migrations(&with_database(cluster_url, &building)).await?;
            client
                .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {tpl}"))
                .await?;
            anyhow::Ok(())
        }
        .await
    };
    if built.is_ok() && !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        let _ = sweep(&client, &tpl).await;
    }
    // Cloning under the same lock: a template may not be copied by two sessions at once.
    let name = format!(
        "rapport_t_{}_{}",
        now_secs(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let cloned = match built {
        Ok(()) => client
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .await
            .context("cloning the template database"),
        Err(e) => Err(e),
    };
    client
        .execute("SELECT pg_advisory_unlock(727274)", &[])
        .await?;
    cloned?;
    Ok(with_database(cluster_url, &name))
}

/// Creates an empty database (no tables, not migrated) on the cluster of
/// `cluster_url`, named as a test's so that it is swept like one, and
/// returns its URL: a fresh machine's, to restore a backup onto.
pub async fn empty(cluster_url: &str) -> anyhow::Result<String> {
    let name = format!(
        "rapport_t_{}_{}",
        now_secs(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    admin(cluster_url)
        .await?
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    Ok(with_database(cluster_url, &name))
}

/// Drops a test's database once the test is done with it (a failed test's is
/// kept for a look, and swept by a later run). Only a test's database is
/// dropped, and sessions still on it are ended.
pub async fn discard(cluster_url: &str, db_url: &str) -> anyhow::Result<()> {
    let path = db_url.split('?').next().unwrap_or(db_url);
    let name = path.rsplit('/').next().unwrap_or_default();
    if !name.starts_with("rapport_t_")
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Ok(());
    }
    admin(cluster_url)
        .await?
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{is_stale, with_database, KEPT_SECS};

    #[test]
    fn only_the_databases_of_earlier_runs_are_stale() {
        let now = 1_800_000_000;
        let tpl = "rapport_tpl_abc";
        let recent = now - 60;
        let old = now - KEPT_SECS - 60;
        for (name, stale) in [
            (format!("rapport_t_{recent}_0123456789ab"), false),
            (format!("rapport_t_{old}_0123456789ab"), true),
            (
                "rapport_t_0123456789abcdef0123456789abcdef".to_string(),
                true,
            ),
            (format!("rapport_e2e_42_{}", recent * 1000), false),
            (format!("rapport_e2e_42_{}", old * 1000), true),
            ("rapport_tpl_abc".to_string(), false),
            ("rapport_tpl_old".to_string(), true),
            ("rapport_tpl_abc_building".to_string(), false),
            ("rapport".to_string(), false),
            ("rapport_bench".to_string(), false),
        ] {
            assert_eq!(is_stale(&name, tpl, now), stale, "{name}");
        }
    }

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/rapport", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?host=/tmp", "x"),
            "postgres://u@h:1/x?host=/tmp"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}
