use std::time::Instant;
#[test]
fn tmp_dump_and_time() {
    let (h, c) = (crate::outbound::header(), crate::config());
    let p = crate::fixture("patient");
    let sr = crate::fixture("service_request");
    let mut all = Vec::new();
    all.push(meridian_v2fhir::orm_o01(&h, &c, &p, &sr).unwrap().encode());
    all.push(meridian_v2fhir::oml_o21(&h, &c, &p, &sr).unwrap().encode());
    all.push(meridian_v2fhir::rde_o11(&h, &c, &p, &crate::fixture("medication_request")).unwrap().encode());
    all.push(meridian_v2fhir::dft_p03(&h, &c, &p, &crate::fixture("charge_item")).unwrap().encode());
    all.push(meridian_v2fhir::adt(&h, &c, "A08", &p).unwrap().encode());
    all.push(meridian_v2fhir::adt_a40(&h, &c, &p, &crate::fixture("patient_merged")).unwrap().encode());
    std::fs::write("/tmp/outbound.txt", all.join("\n\n")).unwrap();
    let text = crate::hl7("inbound/oru_r01_panel.hl7");
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        let m = crate::parse(&text);
        std::hint::black_box(meridian_v2fhir::read_inbound(&m, &c).unwrap());
    }
    eprintln!("ORU 20 OBX parse+map: {:?} per message", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(meridian_v2fhir::adt(&h, &c, "A08", &p).unwrap().encode());
    }
    eprintln!("ADT A08 build+encode: {:?} per message", t.elapsed() / n);
}
