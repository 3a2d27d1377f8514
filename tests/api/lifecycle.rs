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
