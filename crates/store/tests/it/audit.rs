use meridian_domain::access::{Action, Role};
use meridian_domain::audit::{AuditEntry, Outcome};
use meridian_domain::time::Timestamp;
use meridian_store::{AuditProblem, Store, Tx};

use crate::{T0, fresh, raw};

pub(crate) async fn append_n(tx: &mut Tx, n: usize) {
    for i in 0..n {
        tx.append_audit(&AuditEntry {
            at: Timestamp(T0.0 + i as i64),
            user_id: format!("u{}", i % 3),
            role: Role::Nurse,
            action: Action::ReadChart,
            resource_type: Some("Patient".into()),
            resource_id: Some(format!("p{i}")),
            patient_id: Some(format!("p{i}")),
            outcome: Outcome::Success,
            flagged: false,
            detail: None,
        })
        .await
        .unwrap();
    }
}

async fn chain_of(n: usize) -> (tempfile::TempDir, Store) {
    let (d, store) = fresh().await;
    let mut tx = store.write(T0).await.unwrap();
    append_n(&mut tx, n).await;
    tx.commit().await.unwrap();
    (d, store)
}

async fn tamper(store: &Store, sql: &str) {
    let mut c = raw(store).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await.unwrap();
}

#[tokio::test]
async fn intact_chain_verifies() {
    let (_d, store) = chain_of(10).await;
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.records, 10);
    assert!(report.is_intact(), "{:?}", report.problems);
}

#[tokio::test]
async fn edited_row_is_detected() {
    let (_d, store) = chain_of(10).await;
    tamper(&store, "UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 4").await;
    let r = store.verify_audit().await.unwrap();
    assert_eq!(r.problems, [AuditProblem::MacMismatch { seq: 4 }]);
    tamper(&store, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 7").await;
    assert!(store.verify_audit().await.unwrap().problems.contains(&AuditProblem::MacMismatch { seq: 7 }));
}

#[tokio::test]
async fn deleted_row_is_detected() {
    let (_d, store) = chain_of(10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq = 5").await;
    let r = store.verify_audit().await.unwrap();
    assert!(r.problems.contains(&AuditProblem::Gap { after: 4, next: 6 }), "{:?}", r.problems);
    assert!(r.problems.contains(&AuditProblem::ChainBroken { seq: 6 }));
}

#[tokio::test]
async fn inserted_row_is_detected() {
    let (_d, store) = chain_of(10).await;
    // Make room by shifting, then insert a forged record copying a neighbour's MACs.
    // Shift records 6.. up by one and slip a forged record 6 in, copying record 5's MACs.
    tamper(&store, "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 5; \
        UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000; \
        INSERT INTO audit_log SELECT 6, at, at_ms, 'intruder', role, action, resource_type, resource_id, patient_id, outcome, flagged, detail, prev_mac, mac FROM audit_log WHERE seq = 5;").await;
    let r = store.verify_audit().await.unwrap();
    assert_eq!(r.records, 11);
    assert!(r.problems.contains(&AuditProblem::MacMismatch { seq: 6 }), "{:?}", r.problems);
    assert!(r.problems.contains(&AuditProblem::ChainBroken { seq: 6 }), "{:?}", r.problems);
}

#[tokio::test]
async fn reordered_rows_are_detected() {
    let (_d, store) = chain_of(10).await;
    tamper(&store, "UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -1;").await;
    let r = store.verify_audit().await.unwrap();
    assert!(r.problems.contains(&AuditProblem::MacMismatch { seq: 3 }), "{:?}", r.problems);
    assert!(r.problems.contains(&AuditProblem::MacMismatch { seq: 4 }));
}

#[tokio::test]
async fn truncated_tail_is_detected_by_head_and_anchor() {
    let (_d, store) = chain_of(10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq > 7").await;
    let r = store.verify_audit().await.unwrap();
    assert!(r.problems.contains(&AuditProblem::HeadMismatch { head_seq: 10, last_seq: 7 }), "{:?}", r.problems);
    assert!(r.problems.contains(&AuditProblem::AnchorMismatch { anchor_seq: 10, last_seq: 7 }));
}

#[tokio::test]
async fn truncation_with_forged_head_is_still_caught_by_the_anchor() {
    let (_d, store) = chain_of(10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq > 7; \
        UPDATE meta SET value = (SELECT '7 ' || lower(hex(mac)) FROM audit_log WHERE seq = 7) WHERE key = 'audit_head';").await;
    let r = store.verify_audit().await.unwrap();
    assert_eq!(r.problems, [AuditProblem::AnchorMismatch { anchor_seq: 10, last_seq: 7 }]);
}

#[tokio::test]
async fn emptied_log_is_detected() {
    let (_d, store) = chain_of(3).await;
    tamper(&store, "DELETE FROM audit_log").await;
    assert!(!store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn deleted_anchor_file_is_detected() {
    let (_d, store) = chain_of(3).await;
    let mut anchor = store.path().as_os_str().to_owned();
    anchor.push(".audit-anchor");
    std::fs::remove_file(std::path::PathBuf::from(anchor)).unwrap();
    assert_eq!(store.verify_audit().await.unwrap().problems, [AuditProblem::AnchorMissing]);
}

#[tokio::test]
async fn a_fresh_database_verifies() {
    let (_d, store) = fresh().await;
    assert!(store.verify_audit().await.unwrap().is_intact());
}
