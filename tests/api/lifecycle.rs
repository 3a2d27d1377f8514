//! The real binary: a private PostgreSQL when no DATABASE_URL is given, and a clean SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn sigterm_exits_zero_and_stops_the_private_postgresql_and_a_second_start_reuses_the_cluster() {
    let dir = std::env::temp_dir().join(format!("rapport-life-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for round in 0..2 {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport_for_tests"))
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env("RAPPORT_DATA_DIR", &dir)
            .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rapport starts");
        let started = Instant::now();
        let client = reqwest::blocking::Client::new();
        loop {
            if client
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .is_ok_and(|r| r.status() == 200)
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not become ready"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the server exited early"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let pg_pid: u32 = std::fs::read_to_string(dir.join("pg/data/postmaster.pid"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(alive(pg_pid));
        if round == 1 {
            assert!(dir.join("jwt-secret").is_file());
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(dir.join("jwt-secret"))
                    .unwrap()
                    .permissions(),
            );
            assert_eq!(mode & 0o777, 0o600);
        }
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "round {round}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(pg_pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(pg_pid), "the private PostgreSQL still runs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts the real binary on a fresh database; its pid, base URL and child.
async fn spawn_binary(args: &[&str], envs: &[(&str, &str)]) -> (std::process::Child, String) {
    let db = rapport_tests::fresh_database().await;
    let port = free_port();
    let data = std::env::temp_dir().join(format!("rapport-bin-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport_for_tests"));
    cmd.args(args)
        .env("DATABASE_URL", db)
        .env("RAPPORT_DATA_DIR", &data)
        .env("RAPPORT_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    (
        cmd.spawn().expect("rapport starts"),
        format!("http://127.0.0.1:{port}"),
    )
}

/// Polls `/readyz` until it answers 200.
async fn until_ready(child: &mut std::process::Child, base: &str) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "never ready");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited early"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn stop(child: &mut std::process::Child) {
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_means_the_demo_accounts_can_sign_in() {
    let (mut child, base) = spawn_binary(&["serve", "--demo"], &[]).await;
    until_ready(&mut child, &base).await;
    // The very first moment it says ready, every demo workspace is there.
    let client = reqwest::Client::new();
    for who in [
        "owner@support.demo",
        "owner@school.demo",
        "staff@support.demo",
    ] {
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": who, "password": "rapport-demo-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{who}");
    }
    stop(&mut child);
}

fn peak_rss_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap()
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_password_checks_at_once_stay_under_400_mb() {
    let (mut child, base) = spawn_binary(
        &["serve"],
        &[
            ("RAPPORT_AUTH_RATE_LIMIT", "100000"),
            ("RAPPORT_WORKERS", "2"),
        ],
    )
    .await;
    until_ready(&mut child, &base).await;
    let client = reqwest::Client::new();
    let guesses = (0..200).map(|i| {
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": format!("guess{i}@example.com"), "password": "a wrong password"}))
            .send()
    });
    let answers = futures::future::join_all(guesses).await;
    let mut statuses = std::collections::BTreeMap::new();
    for a in answers {
        *statuses.entry(a.unwrap().status().as_u16()).or_insert(0) += 1;
    }
    // Each is answered: wrong (401), or too busy for now (503 with Retry-After).
    assert!(
        statuses.keys().all(|s| [401, 503].contains(s)),
        "{statuses:?}"
    );
    let peak = peak_rss_mb(child.id());
    eprintln!("peak memory under 200 concurrent password checks: {peak} MB; answers {statuses:?}");
    assert!(
        peak < 400,
        "peak memory {peak} MB under 200 concurrent password checks"
    );
    stop(&mut child);
}
