//! Prints SQLite's query plans and timings for the chart queries on a benchmark database.
//! `cargo run --release -p meridian-store --example plan -- <plaintext.db> <patient id>`
use std::time::Instant;

use sqlx::{Connection, Row};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sqlx::Error> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(pid)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: plan <plaintext.db> <patient id>");
        return Ok(());
    };
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(db);
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
    let queries = [
        "SELECT v.body FROM resource_head h INDEXED BY resource_head_patient JOIN resource_version v ON v.vid = h.vid WHERE h.patient_id = ?1 AND h.rtype = 'Condition' AND h.deleted = 0 ORDER BY h.vid",
        "SELECT v.body FROM observation_index o CROSS JOIN resource_head h CROSS JOIN resource_version v ON h.rtype = 'Observation' AND h.id = o.id AND v.vid = h.vid WHERE o.patient_id = ?1 AND o.code = '8867-4' ORDER BY o.effective DESC, o.id DESC LIMIT 1",
        "SELECT v.body FROM observation_index o CROSS JOIN resource_head h CROSS JOIN resource_version v ON h.rtype = 'Observation' AND h.id = o.id AND v.vid = h.vid WHERE o.patient_id = ?1 AND o.category = 'laboratory' ORDER BY o.effective DESC, o.id DESC LIMIT 50",
        "SELECT patient_id FROM patient_index WHERE merged_into = ?1",
        "SELECT 1 FROM care_relationship WHERE user_id = 'user-bench.md' AND patient_id = ?1",
        "SELECT value FROM meta WHERE key = 'audit_head'",
    ];
    for q in queries {
        let plan = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {q}"))).bind(pid).fetch_all(&mut c).await?;
        let t = Instant::now();
        let n = sqlx::query(sqlx::AssertSqlSafe(q.to_owned())).bind(pid).fetch_all(&mut c).await?.len();
        println!("{:>8.2} ms {n:>3} rows  {}", t.elapsed().as_secs_f64() * 1000.0, &q[..q.len().min(90)]);
        for r in plan {
            println!("             {}", r.try_get::<String, _>("detail")?);
        }
    }
    Ok(())
}
