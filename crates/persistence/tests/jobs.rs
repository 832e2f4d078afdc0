//! The job queue on a real database (SQLite, or PostgreSQL when HAVEN_TEST_DATABASE_URL is
//! set). The worker's behaviour over two instances is tested in `crates/jobs/tests`.

#![allow(clippy::unwrap_used)]

use std::{collections::HashSet, time::Duration};

use chrono::{SubsecRound, TimeDelta, Utc};
use haven_domain::{
    jobs::{
        ClaimedJob, JobAdmin, JobCount, JobError, JobKind, JobQuery, JobQueue, JobStatus, NewJob,
        Outcome,
    },
    mail::OutgoingMail,
    DomainError,
};
use haven_persistence::{jobs, mail_queue, testing::TestDatabase, Database};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;

const LEASE: Duration = Duration::from_secs(60);
const NOOP: &[JobKind] = &[JobKind::Noop];
const EMAIL: &[JobKind] = &[JobKind::Email];

fn noop(n: usize) -> NewJob {
    NewJob::new(JobKind::Noop, json!({ "n": n }))
}

fn mail(n: usize) -> OutgoingMail {
    OutgoingMail {
        to: format!("person{n}@example.com"),
        subject: format!("Subject {n}"),
        text_body: format!("Open https://haven.test/verify?token=secret{n}\n"),
        html_body: format!("<p><a href=\"https://haven.test/verify?token=secret{n}\">Open</a></p>"),
    }
}

async fn claim_one(db: &Database, at: chrono::DateTime<Utc>) -> Option<ClaimedJob> {
    let mut jobs = db.claim_jobs_at(at, "test", NOOP, 1, LEASE).await.unwrap();
    jobs.pop()
}

#[tokio::test]
async fn an_enqueued_job_is_claimed_with_its_payload_and_not_again_during_its_lease() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();

    let claimed = test_db.db.claim("w1", NOOP, 10, LEASE).await.unwrap();

    assert_eq!(claimed.len(), 1, "on {}", test_db.backend_name());
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].payload, json!({"n": 1}));
    assert_eq!(claimed[0].attempt, 1);
    assert_eq!(
        claimed[0].max_attempts,
        JobKind::Noop.retry_policy().max_attempts
    );
    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.status, JobStatus::Running);
    assert_eq!(record.locked_by.as_deref(), Some("w1"));
    assert!(record.locked_until.unwrap() > Utc::now());
    assert!(
        test_db
            .db
            .claim("w2", NOOP, 10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "not claimed again while its lease runs"
    );
    assert!(
        test_db
            .db
            .claim("w2", EMAIL, 10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "only the kinds asked for"
    );
}

#[tokio::test]
async fn enqueue_takes_part_in_the_callers_transaction() {
    let test_db = TestDatabase::new().await;

    let rolled_back = test_db.connection().begin().await.unwrap();
    jobs::enqueue(&rolled_back, noop(1)).await.unwrap();
    mail_queue::enqueue(&rolled_back, &mail(1)).await.unwrap();
    rolled_back.rollback().await.unwrap();
    let all = JobQuery {
        limit: 100,
        ..JobQuery::default()
    };
    assert!(
        test_db.db.list_jobs(&all).await.unwrap().is_empty(),
        "a rolled-back transaction leaves no job on {}",
        test_db.backend_name()
    );

    let committed = test_db.connection().begin().await.unwrap();
    let id = jobs::enqueue(&committed, noop(2)).await.unwrap().unwrap();
    mail_queue::enqueue(&committed, &mail(2)).await.unwrap();
    committed.commit().await.unwrap();
    let listed = test_db.db.list_jobs(&all).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|j| j.id == id && j.kind == JobKind::Noop));
    assert!(listed
        .iter()
        .any(|j| j.kind == JobKind::Email && j.status == JobStatus::Queued));
}

#[tokio::test]
async fn a_duplicate_idempotency_key_is_ignored_and_the_first_job_stands() {
    let test_db = TestDatabase::new().await;
    let first = test_db
        .db
        .enqueue_job(noop(1).idempotency_key("invoice-42-delivery"))
        .await
        .unwrap();
    assert!(first.is_some());

    // Also inside a transaction that goes on to commit other work.
    let txn = test_db.connection().begin().await.unwrap();
    let second = jobs::enqueue(&txn, noop(2).idempotency_key("invoice-42-delivery"))
        .await
        .unwrap();
    let other = jobs::enqueue(&txn, noop(3).idempotency_key("invoice-43-delivery"))
        .await
        .unwrap();
    txn.commit().await.unwrap();

    assert_eq!(second, None, "refused on {}", test_db.backend_name());
    assert!(other.is_some(), "the transaction went on");
    let claimed = test_db.db.claim("w", NOOP, 10, LEASE).await.unwrap();
    let payloads: HashSet<_> = claimed.iter().map(|j| j.payload["n"].clone()).collect();
    assert_eq!(payloads, HashSet::from([json!(1), json!(3)]));
}

#[tokio::test]
async fn a_job_due_later_waits_for_its_time() {
    let test_db = TestDatabase::new().await;
    let now = Utc::now();
    test_db
        .db
        .enqueue_job(noop(1).run_at(now + TimeDelta::minutes(5)))
        .await
        .unwrap();

    assert!(claim_one(&test_db.db, now).await.is_none());
    assert!(claim_one(&test_db.db, now + TimeDelta::minutes(6))
        .await
        .is_some());
}

#[tokio::test]
async fn concurrent_claims_on_two_pools_never_hand_out_a_job_twice() {
    let test_db = TestDatabase::new().await;
    let second_pool = Database::connect(&test_db.url, 4).await.unwrap();
    let txn = test_db.connection().begin().await.unwrap();
    for n in 0..200 {
        jobs::enqueue(&txn, noop(n)).await.unwrap();
    }
    txn.commit().await.unwrap();

    let workers = (0..6).map(|i| {
        let db = if i % 2 == 0 {
            test_db.db.clone()
        } else {
            second_pool.clone()
        };
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = db.claim(&format!("w{i}"), NOOP, 7, LEASE).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.into_iter().map(|j| j.id));
            }
            mine
        })
    });
    let claimed: Vec<_> = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();

    let distinct: HashSet<_> = claimed.iter().collect();
    assert_eq!(
        distinct.len(),
        claimed.len(),
        "no job claimed twice on {}",
        test_db.backend_name()
    );
    assert_eq!(claimed.len(), 200, "every job claimed once");
}

#[tokio::test]
async fn an_ended_lease_is_taken_over_and_the_old_claim_is_stale() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();
    let now = Utc::now();
    let first = claim_one(&test_db.db, now).await.unwrap();

    let later = now + TimeDelta::seconds(61);
    let second = claim_one(&test_db.db, later).await.expect("taken over");

    assert_eq!(second.attempt, 2, "on {}", test_db.backend_name());
    assert_eq!(
        test_db
            .db
            .record_job_at(later, &first, &Ok(()), None)
            .await
            .unwrap(),
        Outcome::Stale,
        "the first worker's claim is no longer current"
    );
    assert_eq!(
        test_db
            .db
            .record_job_at(later, &first, &Err(JobError::Retry("late".into())), None)
            .await
            .unwrap(),
        Outcome::Stale
    );
    assert_eq!(
        test_db.db.record(&second, &Ok(())).await.unwrap(),
        Outcome::Succeeded
    );
    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.status, JobStatus::Succeeded);
    assert_eq!(record.attempts, 2);
    assert!(record.finished_at.is_some());
    assert_eq!(record.locked_until, None);
}

#[tokio::test]
async fn a_permanent_failure_is_not_retried_and_the_job_is_dead() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();
    let job = claim_one(&test_db.db, Utc::now()).await.unwrap();

    let outcome = test_db
        .db
        .record(&job, &Err(JobError::Permanent("550 no such user".into())))
        .await
        .unwrap();

    assert_eq!(outcome, Outcome::Dead, "on {}", test_db.backend_name());
    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.status, JobStatus::Dead);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.last_error.as_deref(), Some("550 no such user"));
    assert!(claim_one(&test_db.db, Utc::now() + TimeDelta::days(1))
        .await
        .is_none());
}

#[tokio::test]
async fn retries_follow_the_kinds_backoff_and_the_last_failure_makes_the_job_dead() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();
    let policy = JobKind::Noop.retry_policy();
    // PostgreSQL keeps microseconds.
    let mut now = Utc::now().trunc_subsecs(6);

    for attempt in 1..=policy.max_attempts {
        let job = claim_one(&test_db.db, now).await.expect("due again");
        assert_eq!(job.attempt, attempt, "on {}", test_db.backend_name());
        let failure = Err(JobError::Retry("timed out".into()));
        // Middle of the jitter range: exactly the base delay.
        let outcome = test_db
            .db
            .record_job_at(now, &job, &failure, Some(0.5))
            .await
            .unwrap();
        if attempt == policy.max_attempts {
            assert_eq!(outcome, Outcome::Dead);
            break;
        }
        let base = TimeDelta::from_std(policy.base_delay(attempt)).unwrap();
        assert_eq!(outcome, Outcome::Retrying(now + base), "attempt {attempt}");
        let record = test_db.db.job(id).await.unwrap().unwrap();
        assert_eq!(record.status, JobStatus::Queued);
        assert_eq!(record.run_at, now + base);
        assert_eq!(record.last_error.as_deref(), Some("timed out"));
        assert!(
            claim_one(&test_db.db, now + base - TimeDelta::seconds(1))
                .await
                .is_none(),
            "not due before its delay"
        );
        now += base;
    }

    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.status, JobStatus::Dead);
    assert!(record
        .last_error
        .as_deref()
        .unwrap()
        .starts_with("gave up after 3 attempts"));
}

#[tokio::test]
async fn a_random_retry_delay_stays_within_the_jitter() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_job(noop(1)).await.unwrap();
    let job = claim_one(&test_db.db, Utc::now()).await.unwrap();
    let before = Utc::now();

    let Outcome::Retrying(at) = test_db
        .db
        .record(&job, &Err(JobError::Retry("busy".into())))
        .await
        .unwrap()
    else {
        panic!("retried")
    };

    let policy = JobKind::Noop.retry_policy();
    let low = policy.delay(1, 0.0);
    let high = policy.delay(1, 1.0);
    assert!(at >= before + TimeDelta::from_std(low).unwrap(), "{at}");
    assert!(
        at <= Utc::now() + TimeDelta::from_std(high).unwrap(),
        "{at}"
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_on_the_last_attempt_becomes_dead() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();
    let mut now = Utc::now();
    let max = JobKind::Noop.retry_policy().max_attempts;
    for _ in 0..max {
        claim_one(&test_db.db, now)
            .await
            .expect("claimed after the lease");
        now += TimeDelta::seconds(61);
    }

    assert!(claim_one(&test_db.db, now).await.is_none());
    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(
        record.status,
        JobStatus::Dead,
        "on {}",
        test_db.backend_name()
    );
    assert_eq!(
        record.last_error.as_deref(),
        Some("the worker stopped during the last attempt")
    );
}

#[tokio::test]
async fn an_operator_queues_a_dead_job_again_with_its_attempts_reset() {
    let test_db = TestDatabase::new().await;
    let id = test_db.db.enqueue_job(noop(1)).await.unwrap().unwrap();
    let job = claim_one(&test_db.db, Utc::now()).await.unwrap();

    assert!(
        matches!(
            test_db.db.retry_dead_job(id).await,
            Err(DomainError::Conflict {
                code: haven_domain::ConflictCode::JobNotDead,
                ..
            })
        ),
        "a running job is not retried"
    );
    test_db
        .db
        .record(&job, &Err(JobError::Permanent("bad".into())))
        .await
        .unwrap();

    let record = test_db.db.retry_dead_job(id).await.unwrap();
    assert_eq!(
        record.status,
        JobStatus::Queued,
        "on {}",
        test_db.backend_name()
    );
    assert_eq!(record.attempts, 0);
    assert_eq!(record.finished_at, None);
    let again = claim_one(&test_db.db, Utc::now())
        .await
        .expect("runs again");
    assert_eq!(again.attempt, 1);
    assert_eq!(
        test_db.db.record(&again, &Ok(())).await.unwrap(),
        Outcome::Succeeded
    );
    assert!(matches!(
        test_db.db.retry_dead_job(id).await,
        Err(DomainError::Conflict {
            code: haven_domain::ConflictCode::JobNotDead,
            ..
        })
    ));
    assert!(matches!(
        test_db.db.retry_dead_job(uuid::Uuid::new_v4()).await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_email_jobs_bodies_are_erased_when_it_succeeds_or_dies() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    test_db.db.enqueue_mail(&mail(2)).await.unwrap();
    let claimed = test_db.db.claim("w", EMAIL, 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let decoded: OutgoingMail = serde_json::from_value(claimed[0].payload.clone()).unwrap();
    assert!(decoded.text_body.contains("token=secret"));

    test_db.db.record(&claimed[0], &Ok(())).await.unwrap();
    test_db
        .db
        .record(&claimed[1], &Err(JobError::Permanent("550".into())))
        .await
        .unwrap();

    for job in &claimed {
        let payload = test_db.db.job_payload(job.id).await.unwrap().unwrap();
        assert_eq!(payload["text_body"], "", "on {}", test_db.backend_name());
        assert_eq!(payload["html_body"], "");
        assert_eq!(payload["to"], job.payload["to"], "the recipient stays");
    }
}

#[tokio::test]
async fn operators_list_jobs_newest_first_by_status_and_kind_page_by_page() {
    let test_db = TestDatabase::new().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(test_db.db.enqueue_job(noop(n)).await.unwrap().unwrap());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    let job = claim_one(&test_db.db, Utc::now()).await.unwrap();
    test_db
        .db
        .record(&job, &Err(JobError::Permanent("bad".into())))
        .await
        .unwrap();

    let dead = test_db
        .db
        .list_jobs(&JobQuery {
            status: Some(JobStatus::Dead),
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, job.id);

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = test_db
            .db
            .list_jobs(&JobQuery {
                kind: Some(JobKind::Noop),
                before,
                limit: 2,
                ..JobQuery::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|j| (j.created_at, j.id));
        seen.extend(page.into_iter().map(|j| j.id));
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, every noop job once");
}

#[tokio::test]
async fn counts_by_kind_and_status_for_metrics() {
    let test_db = TestDatabase::new().await;
    for n in 0..3 {
        test_db.db.enqueue_job(noop(n)).await.unwrap();
    }
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    let job = claim_one(&test_db.db, Utc::now()).await.unwrap();
    test_db.db.record(&job, &Ok(())).await.unwrap();

    let counts = test_db.db.job_counts().await.unwrap();

    assert_eq!(
        counts,
        vec![
            JobCount {
                kind: JobKind::Email,
                status: JobStatus::Queued,
                count: 1
            },
            JobCount {
                kind: JobKind::Noop,
                status: JobStatus::Queued,
                count: 2
            },
            JobCount {
                kind: JobKind::Noop,
                status: JobStatus::Succeeded,
                count: 1
            },
        ],
        "on {}",
        test_db.backend_name()
    );
}

#[tokio::test]
async fn the_migration_moves_undelivered_emails_into_jobs() {
    use haven_migrations::{Migrator, MigratorTrait};
    let test_db = TestDatabase::new().await;
    let conn = test_db.connection();
    // Back to before the jobs migration: it and every later one.
    let later = Migrator::migrations()
        .iter()
        .rev()
        .take_while(|m| m.name() != "m20261202_000001_create_jobs")
        .count();
    Migrator::down(conn, Some(u32::try_from(later + 1).unwrap()))
        .await
        .unwrap();
    let backend = conn.get_database_backend();
    let now = Utc::now();
    for (status, attempts) in [("pending", 0), ("sending", 2), ("sent", 1), ("failed", 8)] {
        let insert = sea_orm::sea_query::Query::insert()
            .into_table(sea_orm::sea_query::Alias::new("outbound_emails"))
            .columns(
                [
                    "id",
                    "recipient",
                    "subject",
                    "text_body",
                    "html_body",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "locked_until",
                    "created_at",
                ]
                .map(sea_orm::sea_query::Alias::new),
            )
            .values_panic([
                uuid::Uuid::new_v4().into(),
                format!("{status}@example.com").into(),
                "Hello".into(),
                "text".into(),
                "<p>html</p>".into(),
                status.into(),
                attempts.into(),
                now.into(),
                Some(now).into(),
                now.into(),
            ])
            .to_owned();
        conn.execute(backend.build(&insert)).await.unwrap();
    }
    Migrator::up(conn, None).await.unwrap();

    let listed = test_db
        .db
        .list_jobs(&JobQuery {
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .unwrap();
    let mut statuses: Vec<_> = listed.iter().map(|j| (j.status, j.attempts)).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![
            (JobStatus::Queued, 0),
            (JobStatus::Running, 2),
            (JobStatus::Dead, 8)
        ],
        "on {}",
        test_db.backend_name()
    );
    assert!(listed.iter().all(|j| j.kind == JobKind::Email));
    let queued = listed
        .iter()
        .find(|j| j.status == JobStatus::Queued)
        .unwrap();
    let payload = test_db.db.job_payload(queued.id).await.unwrap().unwrap();
    let mail: OutgoingMail = serde_json::from_value(payload).unwrap();
    assert_eq!(mail.to, "pending@example.com");
    assert_eq!(mail.html_body, "<p>html</p>");
    let gone = conn
        .query_one(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM outbound_emails",
        ))
        .await;
    assert!(gone.is_err(), "the old table is dropped");
}

#[tokio::test]
async fn successes_recorded_at_once_share_a_statement_and_a_stale_claim_stays_stale() {
    let test_db = TestDatabase::new().await;
    let db = test_db.db.clone().with_group_commit(8);
    for n in 0..12 {
        db.enqueue_job(noop(n)).await.unwrap().unwrap();
    }
    let now = Utc::now();
    let claimed = db.claim_jobs_at(now, "w1", NOOP, 12, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 12, "on {}", test_db.backend_name());
    // One lease ended and another worker took the job over: the first holder's success of
    // that job must not count.
    let taken_over = claim_one(&db, now + TimeDelta::seconds(61)).await.unwrap();

    let outcomes =
        futures_util::future::join_all(claimed.iter().map(|job| db.record(job, &Ok(())))).await;

    for (job, outcome) in claimed.iter().zip(&outcomes) {
        let record = db.job(job.id).await.unwrap().unwrap();
        if job.id == taken_over.id {
            assert_eq!(
                outcome.as_ref().unwrap(),
                &Outcome::Stale,
                "on {}",
                test_db.backend_name()
            );
            assert_eq!(
                record.status,
                JobStatus::Running,
                "still the second worker's"
            );
            assert_eq!(record.attempts, 2);
            assert_eq!(record.finished_at, None);
        } else {
            assert_eq!(
                outcome.as_ref().unwrap(),
                &Outcome::Succeeded,
                "on {}",
                test_db.backend_name()
            );
            assert_eq!(record.status, JobStatus::Succeeded);
            assert!(record.finished_at.is_some());
            assert_eq!(record.locked_until, None);
            assert_eq!(record.locked_by, None);
        }
    }
    assert_eq!(
        db.record(&taken_over, &Ok(())).await.unwrap(),
        Outcome::Succeeded,
        "the second worker's claim is current"
    );
}
