//! A database of its own for every test: a migrated template is made once per
//! cluster (under an advisory lock, so parallel test processes agree), and
//! each test clones it with `CREATE DATABASE ... TEMPLATE`, which takes a few
//! milliseconds.

use anyhow::Context;
use tokio_postgres::NoTls;

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
    // Cloning under the same lock: a template may not be copied by two sessions at once.
    let name = format!("rapport_t_{}", uuid::Uuid::new_v4().simple());
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

#[cfg(test)]
mod tests {
    use super::with_database;

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
