//! The job registry and recurring schedules against a real PostgreSQL.

use rapport_api::jobs::schedule::{self, CatchUp, Schedule};
use rapport_api::ops::prune::Prune;
use rapport_tests::TestApp;
use std::sync::Arc;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_occurrence_is_queued_once_across_instances_and_downtime_is_caught_up() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let schedules = Arc::new(vec![Schedule::every(
        "test.hourly",
        chrono::Duration::hours(1),
        CatchUp::Each { max: 24 },
        |_| Prune {},
    )]);
    let queued = |sql: String| {
        let app = &app;
        async move { app.count(&sql).await }
    };
    let mine =
        "SELECT count(*) FROM jobs WHERE dedupe_key LIKE 'schedule:test.hourly:%'".to_string();

    // Eight instances tick at the same moment: one of them queues the occurrence.
    let tick_all = |now: chrono::DateTime<chrono::Utc>| {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let state = app.state();
                let schedules = schedules.clone();
                tokio::spawn(async move {
                    let mut conn = state.pool.get_owned().await.unwrap();
                    schedule::tick(&mut conn, &schedules, now).await.unwrap()
                })
            })
            .collect();
        async move {
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        }
    };
    assert_eq!(tick_all(at("2020-01-02T03:10:00Z")).await, 1);
    assert_eq!(queued(mine.clone()).await, 1);
    // Later in the same hour: nothing new.
    assert_eq!(tick_all(at("2020-01-02T03:59:59Z")).await, 0);
    // Three hours without any instance: each missed hour is queued once, oldest first.
    assert_eq!(tick_all(at("2020-01-02T06:20:00Z")).await, 3);
    assert_eq!(queued(mine.clone()).await, 4);
    let hours = app
        .sql()
        .await
        .query(
            "SELECT extract(hour FROM run_at AT TIME ZONE 'UTC')::int FROM jobs
             WHERE dedupe_key LIKE 'schedule:test.hourly:%' ORDER BY run_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, i32>(0))
        .collect::<Vec<_>>();
    assert_eq!(hours, vec![3, 4, 5, 6]);

    // The queued jobs run through the registry, as their type.
    let state = app.state();
    let mut ran = 0;
    while rapport_api::jobs::work_one(&state, "t").await {
        ran += 1;
    }
    assert_eq!(ran, 4);
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE dedupe_key LIKE 'schedule:test.hourly:%' AND status = 'done'")
            .await,
        4
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_an_unknown_kind_or_an_unreadable_payload_fails_and_is_retried() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let sql = app.sql().await;
    sql.batch_execute(
        "INSERT INTO jobs (kind, payload) VALUES ('nobody.knows', '{}');
         INSERT INTO jobs (kind, payload) VALUES ('mail.send', '{\"mail_id\": 42}');",
    )
    .await
    .unwrap();
    let state = app.state();
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    let errors = app
        .texts("SELECT status || ': ' || last_error FROM jobs ORDER BY id")
        .await;
    assert!(
        errors[0].starts_with("pending: unknown job kind nobody.knows"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("pending: a mail.send job with a payload it cannot read"),
        "{errors:?}"
    );
    // The registry knows every kind the modules register.
    let names: Vec<_> = rapport_api::jobs::registry().names().collect();
    assert!(
        names.contains(&"mail.send") && names.contains(&"maintenance.prune"),
        "{names:?}"
    );
    app.stop().await;
}
