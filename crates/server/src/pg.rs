//! A private PostgreSQL cluster under the data directory, from the system's
//! binaries, for when no `DATABASE_URL` is given. It listens only on a Unix
//! socket in its own directory, so several clusters never collide, and asks
//! every connection for the superuser's password (`scram-sha-256`), which is
//! generated once into `superuser-password` (mode 0600) beside the cluster.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    started_here: bool,
    password: String,
}

/// The file that holds the superuser's password, beside the cluster's data.
pub const PASSWORD_FILE: &str = "superuser-password";

/// Reads the cluster's password, or generates and writes it (mode 0600).
fn password(dir: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(PASSWORD_FILE);
    if let Ok(p) = std::fs::read_to_string(&path) {
        let p = p.trim().to_string();
        if !p.is_empty() {
            return Ok(p);
        }
    }
    let p = hex::encode(rand::random::<[u8; 24]>());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(p.as_bytes())?;
    Ok(p)
}

const PORT: u16 = 5432;

/// Connections the private cluster accepts.
const MAX_CONNECTIONS: u64 = 200;

/// Settings that suit a machine of `memory` bytes and `cpus` cores, for a
/// cluster that has the machine to itself beside the server: a quarter of
/// the memory as shared buffers (at most 8 GiB), the rest counted on as the
/// kernel's cache, work memory that cannot exhaust the machine even when
/// every connection sorts at once, room for the write-ahead log to absorb
/// a bulk import between checkpoints, and costs for solid-state storage.
/// JIT compilation is off: it costs more than it saves on the short
/// queries a web application sends.
pub fn tuned(memory: u64, cpus: u64) -> Vec<(&'static str, String)> {
    const MB: u64 = 1 << 20;
    const GB: u64 = 1 << 30;
    let memory = memory.max(512 * MB);
    let shared = (memory / 4).clamp(128 * MB, 8 * GB);
    let work = ((memory - shared) / (MAX_CONNECTIONS * 3)).clamp(4 * MB, 64 * MB);
    let maintenance = (memory / 16).clamp(64 * MB, 2 * GB);
    let wal = if memory >= 8 * GB { 4 * GB } else { GB };
    let mb = |b: u64| format!("{}MB", b / MB);
    let cpus = cpus.max(1);
    vec![
        ("max_connections", MAX_CONNECTIONS.to_string()),
        ("shared_buffers", mb(shared)),
        ("effective_cache_size", mb(memory / 4 * 3)),
        ("work_mem", mb(work)),
        ("maintenance_work_mem", mb(maintenance)),
        ("wal_buffers", mb((shared / 32).clamp(MB, 16 * MB))),
        ("min_wal_size", mb(wal / 4)),
        ("max_wal_size", mb(wal)),
        ("checkpoint_completion_target", "0.9".into()),
        ("random_page_cost", "1.1".into()),
        ("effective_io_concurrency", "200".into()),
        ("max_worker_processes", cpus.max(2).to_string()),
        ("max_parallel_workers", cpus.to_string()),
        ("max_parallel_workers_per_gather", (cpus / 2).to_string()),
        ("jit", "off".into()),
    ]
}

/// The memory this process may use: the machine's, or its control group's
/// limit when that is lower.
pub fn memory() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or(1 << 30);
    let limit = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|l| l.trim().parse::<u64>().ok());
    limit.map_or(total, |l| l.min(total))
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// The directory of `initdb` and `pg_ctl`: `RAPPORT_PG_BIN`, `pg_config --bindir`,
/// the newest `/usr/lib/postgresql/*/bin`, or `PATH`.
fn find_bin() -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var("RAPPORT_PG_BIN") {
        return Ok(PathBuf::from(p));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if p.join("initdb").is_file() && p.join("pg_ctl").is_file() {
            return Ok(p);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(dir);
        if p.join("initdb").is_file() && p.join("pg_ctl").is_file() {
            return Ok(p.to_path_buf());
        }
    }
    bail!("PostgreSQL's server binaries (initdb, pg_ctl) were not found; install the `postgresql` package or set DATABASE_URL")
}

impl PrivatePg {
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.arg("-u").arg("postgres").arg("--").arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn run(&self, mut c: Command, what: &str) -> anyhow::Result<()> {
        let out = c.output().with_context(|| format!("running {what}"))?;
        if !out.status.success() {
            bail!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Initialises the cluster on first use and starts it unless it already runs.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = dir.canonicalize()?;
        let socket = dir.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > 100 {
            bail!(
                "the data directory's path is too long for a Unix socket: {}",
                dir.display()
            );
        }
        let pg = PrivatePg {
            bin: find_bin()?,
            dir: dir.clone(),
            as_postgres: is_root(),
            started_here: false,
            password: password(&dir)?,
        };
        if pg.as_postgres {
            // initdb refuses to run as root, and the server must own its directory.
            pg.run(
                {
                    let mut c = Command::new("chown");
                    c.arg("-R").arg("postgres:postgres").arg(&dir);
                    c
                },
                "chown",
            )?;
        }
        let mut perms = std::fs::metadata(&dir)?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
        std::fs::set_permissions(&dir, perms)?;
        if !pg.data().join("PG_VERSION").is_file() {
            tracing::info!(dir = %pg.data().display(), "initialising a private PostgreSQL cluster");
            let mut c = pg.command("initdb");
            c.arg("-D")
                .arg(pg.data())
                .args([
                    "-U",
                    "postgres",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ])
                .arg(format!("--pwfile={}", dir.join(PASSWORD_FILE).display()));
            pg.run(c, "initdb")?;
        }
        // A cluster made before passwords were required: give the superuser
        // the password and require it from now on.
        let hba = pg.data().join("pg_hba.conf");
        let trusting = std::fs::read_to_string(&hba)
            .map(|h| {
                h.lines().any(|l| {
                    !l.trim_start().starts_with('#') && l.split_whitespace().last() == Some("trust")
                })
            })
            .unwrap_or(false);
        let running = pg
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(pg.data())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        let mut pg = pg;
        if running {
            tracing::info!("reusing the private PostgreSQL that is already running");
        } else {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
            let settings = tuned(memory(), cpus);
            let mut options = format!("-k {} -p {PORT} -c listen_addresses=''", dir.display());
            for (name, value) in &settings {
                options.push_str(&format!(" -c {name}={value}"));
            }
            let mut c = pg.command("pg_ctl");
            c.arg("-D")
                .arg(pg.data())
                .arg("-l")
                .arg(dir.join("postgresql.log"))
                .args(["-w", "-t", "60", "-o"])
                .arg(options)
                .arg("start");
            pg.run(c, "pg_ctl start")?;
            pg.started_here = true;
            let shown: Vec<String> = settings.iter().map(|(n, v)| format!("{n}={v}")).collect();
            tracing::info!(dir = %dir.display(), settings = %shown.join(" "), "started a private PostgreSQL");
        }
        if trusting {
            pg.require_password(&hba)?;
        }
        Ok(pg)
    }

    /// Sets the superuser's password over the (still trusting) socket, then
    /// switches every `trust` line of `pg_hba.conf` to `scram-sha-256`.
    fn require_password(&self, hba: &Path) -> anyhow::Result<()> {
        let mut c = self.command("psql");
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.dir)
            .args([
                "-p",
                &PORT.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
            ])
            .arg(format!(
                "SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD '{}'",
                self.password
            ));
        self.run(c, "setting the superuser's password")?;
        let text = std::fs::read_to_string(hba)?;
        let rewritten: String = text
            .lines()
            .map(|l| {
                if !l.trim_start().starts_with('#') && l.split_whitespace().last() == Some("trust")
                {
                    format!(
                        "{} scram-sha-256\n",
                        &l[..l.rfind("trust").unwrap_or(l.len())].trim_end()
                    )
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(hba, rewritten)?;
        let mut c = self.command("pg_ctl");
        c.arg("-D").arg(self.data()).arg("reload");
        self.run(c, "pg_ctl reload")?;
        tracing::info!("the private PostgreSQL now requires its superuser's password");
        Ok(())
    }

    /// The URL of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        let host: String = self
            .dir
            .display()
            .to_string()
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        format!("postgres://postgres:{}@{host}:{PORT}/{db}", self.password)
    }

    /// Stops the cluster if this process started it.
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.started_here {
            return Ok(());
        }
        let mut c = self.command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "-t", "60", "stop"]);
        self.run(c, "pg_ctl stop")?;
        tracing::info!("stopped the private PostgreSQL");
        Ok(())
    }

    /// The postmaster's pid, while it runs.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

/// Creates database `db` when it does not exist.
pub async fn ensure_database(admin_url: &str, db: &str) -> anyhow::Result<()> {
    let (client, conn) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
        .await?
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tuned;

    fn setting(settings: &[(&str, String)], name: &str) -> String {
        settings.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }

    #[test]
    fn settings_follow_the_machine() {
        let gib = 1u64 << 30;
        let big = tuned(24 * gib, 2);
        assert_eq!(setting(&big, "shared_buffers"), "6144MB");
        assert_eq!(setting(&big, "effective_cache_size"), "18432MB");
        assert_eq!(setting(&big, "work_mem"), "30MB");
        assert_eq!(setting(&big, "maintenance_work_mem"), "1536MB");
        assert_eq!(setting(&big, "max_wal_size"), "4096MB");
        assert_eq!(setting(&big, "max_parallel_workers_per_gather"), "1");
        // A small machine keeps PostgreSQL's floor, and a huge one a ceiling.
        let small = tuned(gib, 1);
        assert_eq!(setting(&small, "shared_buffers"), "256MB");
        assert_eq!(setting(&small, "work_mem"), "4MB");
        assert_eq!(setting(&small, "max_parallel_workers_per_gather"), "0");
        assert_eq!(setting(&tuned(256 * gib, 64), "shared_buffers"), "8192MB");
        assert_eq!(setting(&tuned(256 * gib, 64), "work_mem"), "64MB");
    }
}
