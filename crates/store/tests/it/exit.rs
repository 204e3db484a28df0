//! SQLCipher frees its private heap in exit handlers: a process that exits while a connection
//! is still at work crashes. The desktop app and the CLI therefore close the store before they
//! exit, and `Store::close` must wait for work in flight (a background write still running)
//! rather than return while a connection is busy.

use std::process::Command;

use meridian_store::{Index, NewVersion, Origin, Store};

const CHILD: &str = "MERIDIAN_STORE_EXIT_CHILD";

/// Run in a child process: writes in a background task, closes the store while that write
/// runs, then exits the process at once.
#[test]
fn exit_child() {
    let Some(dir) = std::env::var_os(CHILD) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = Store::create(&std::path::Path::new(&dir).join("m.db"), &crate::key(1), [9; 32]).await.expect("create");
        let writer = store.clone();
        let started = std::sync::Arc::new(tokio::sync::Notify::new());
        let ready = started.clone();
        tokio::spawn(async move {
            // Many small transactions: each commit encrypts its pages into the WAL.
            let body = vec![b'x'; 3000];
            for round in 0..100 {
                let mut tx = writer.write(crate::T0).await.expect("tx");
                if round == 0 {
                    ready.notify_one();
                }
                for i in 0..50 {
                    let id = format!("o{round}-{i}");
                    let v = NewVersion { rtype: "Basic", id: &id, version: 1, body: &body, patient_id: None, author: "u1", origin: Origin::Local, index: Index::None };
                    tx.put(v).await.expect("put");
                }
                tx.commit().await.expect("commit");
            }
        });
        started.notified().await;
        store.close().await;
        // Still inside the runtime: nothing has cancelled the writer, only `close` waited.
        std::process::exit(0);
    });
}

#[test]
fn closing_waits_for_a_write_in_flight_so_the_process_exits_cleanly() {
    for round in 0..6 {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "exit::exit_child", "--nocapture", "--test-threads=1"])
            .env(CHILD, dir.path())
            .output()
            .expect("run the child");
        assert!(out.status.success(), "round {round}: the process died at exit ({:?}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
}
