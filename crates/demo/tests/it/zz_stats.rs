use std::collections::BTreeMap;
#[test]
fn stats() {
    let mut m: BTreeMap<String, (Vec<f64>, BTreeMap<String, usize>)> = BTreeMap::new();
    for p in crate::population() {
        for o in &p.obs {
            let e = m.entry(o.code.clone()).or_default();
            e.0.push(o.value);
            *e.1.entry(o.flag.clone()).or_default() += 1;
        }
    }
    for (k, (v, f)) in &m {
        let mut s = v.clone(); s.sort_by(|a,b| a.partial_cmp(b).unwrap());
        let pct = |q: f64| s[((s.len()-1) as f64 * q) as usize];
        println!("{k:8} n={:6} p1={:7.2} p50={:7.2} p99={:7.2} min={:7.2} max={:7.2} {:?}", s.len(), pct(0.01), pct(0.5), pct(0.99), s[0], s[s.len()-1], f);
    }
    let mut conds: BTreeMap<String, usize> = BTreeMap::new();
    let mut meds: BTreeMap<String, usize> = BTreeMap::new();
    for p in crate::population() { for c in &p.conditions { *conds.entry(format!("{} {}", c.0, c.3)).or_default() += 1; } for x in &p.meds { *meds.entry(x.clone()).or_default() += 1; } }
    println!("{conds:?}\n{meds:?}");
}
#[test]
fn glucose_split() {
    let (mut dm, mut non) = (vec![], vec![]);
    for p in crate::population() {
        let v = p.values("2345-7");
        if p.has_condition("E11.9") { dm.extend(v) } else { non.extend(v) }
    }
    let h = |v: &Vec<f64>| v.iter().filter(|x| **x > 99.0).count() as f64 / v.len() as f64;
    println!("dm n={} H={:.2} mean={:.0}; non n={} H={:.2} mean={:.0}", dm.len(), h(&dm), crate::mean(&dm), non.len(), h(&non), crate::mean(&non));
    let (mut dma, mut nona) = (vec![], vec![]);
    for p in crate::population() {
        let v = p.values("4548-4");
        if p.has_condition("E11.9") { dma.extend(v) } else { nona.extend(v) }
    }
    let h = |v: &Vec<f64>| v.iter().filter(|x| **x > 5.6).count() as f64 / v.len() as f64;
    println!("a1c dm n={} H={:.2}; non n={} H={:.2} mean={:.2}", dma.len(), h(&dma), nona.len(), h(&nona), crate::mean(&nona));
}
