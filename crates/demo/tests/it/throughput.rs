use std::time::Instant;

use meridian_demo::patients;

use crate::{config, of_type};

/// Prints generation speed; no timing assertion (CI machines vary). Release builds are several
/// times faster than the debug build this normally runs in.
#[test]
fn generation_speed_for_a_thousand_patients() {
    let c = config(61, 1000);
    let started = Instant::now();
    let mut observations = 0usize;
    let mut resources = 0usize;
    for p in patients(&c) {
        observations += of_type(&p, "Observation").count();
        resources += p.resources.len() + 1;
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "meridian-demo: 1000 patients, {resources} resources, {observations} observations in {secs:.2} s: {:.0} patients/s, {:.0} observations/s",
        1000.0 / secs,
        observations as f64 / secs
    );
    assert!(observations > 50_000);
}
