//! Inbound: ADT and ORU messages from `test_data/inbound`, the values a clinician sees, the
//! errors for bad input.

use meridian_domain::identifier::MRN_SYSTEM;
use meridian_fhir::{
    CodeableConcept, DiagnosticReportEffective, Identifier, Observation, ObservationEffective,
    ObservationValue, PatientDeceased, Quantity,
};
use meridian_v2fhir::{
    AdtIn, Inbound, MappingError, MergeIn, ResultOrder, ResultsIn, attach_patient,
    attach_patient_to_adt, read_inbound,
};

use crate::{config, hl7, json, parse, read, read_text, test_data};

const UCUM: &str = "http://unitsofmeasure.org";
const LOINC: &str = "http://loinc.org";
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

fn adt(name: &str) -> AdtIn {
    match read(name) {
        Inbound::Adt(a) => a,
        other => panic!("{name}: expected ADT, got {other:?}"),
    }
}

fn results(name: &str) -> ResultsIn {
    match read(name) {
        Inbound::Results(r) => r,
        other => panic!("{name}: expected results, got {other:?}"),
    }
}

fn s(code: Option<&meridian_fhir::Code>) -> Option<&str> {
    code.map(meridian_fhir::Code::as_str)
}

fn id_triple(i: &Identifier) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        i.system.as_deref(),
        i.value.as_deref(),
        i.r#type.as_ref().and_then(|t| t.code_for(V2_0203)),
    )
}

/// `(value text, unit, UCUM code)` of a quantity.
fn qty(q: &Quantity) -> (String, Option<&str>, Option<&str>) {
    (
        q.value
            .as_ref()
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default(),
        q.unit.as_deref(),
        q.code
            .as_ref()
            .filter(|_| q.system.as_deref() == Some(UCUM))
            .map(|c| c.as_str()),
    )
}

fn flags(o: &Observation) -> Vec<&str> {
    o.interpretation
        .iter()
        .flat_map(|c| c.coding.iter())
        .filter(|c| {
            c.system.as_deref()
                == Some("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")
        })
        .filter_map(|c| c.code.as_ref().map(|c| c.as_str()))
        .collect()
}

/// `(low, high, text)` of the first reference range, values as text.
fn range(o: &Observation) -> (Option<String>, Option<String>, Option<&str>) {
    let r = o.reference_range.first().expect("a reference range");
    let v = |q: &Option<Quantity>| {
        q.as_ref()
            .and_then(|q| q.value.as_ref())
            .map(|d| d.as_str().to_owned())
    };
    (v(&r.low), v(&r.high), r.text.as_deref())
}

fn effective(o: &Observation) -> Option<&str> {
    match &o.effective {
        Some(ObservationEffective::DateTime(d)) => Some(d.as_str()),
        _ => None,
    }
}

fn loinc(o: &Observation) -> &str {
    o.loinc_code().expect("a LOINC code")
}

fn quantity(o: &Observation) -> &Quantity {
    match &o.value {
        Some(ObservationValue::Quantity(q)) => q,
        other => panic!("{}: expected a quantity, got {other:?}", loinc(o)),
    }
}

fn string(o: &Observation) -> &str {
    match &o.value {
        Some(ObservationValue::String(s)) => s,
        other => panic!("{}: expected a string, got {other:?}", loinc(o)),
    }
}

fn concept(o: &Observation) -> &CodeableConcept {
    match &o.value {
        Some(ObservationValue::CodeableConcept(c)) => c,
        other => panic!("{}: expected a coded value, got {other:?}", loinc(o)),
    }
}

fn by_loinc<'o>(order: &'o ResultOrder, code: &str) -> &'o Observation {
    order
        .observations
        .iter()
        .find(|o| o.loinc_code() == Some(code))
        .unwrap_or_else(|| panic!("no observation {code}"))
}

#[test]
fn adt_a01_admission_gives_patient_and_inpatient_encounter() {
    let a = adt("adt_a01");
    assert_eq!(a.event, "A01");
    let p = &a.patient;
    assert_eq!(p.id, None, "the app assigns the id");
    assert_eq!(
        a.identifiers.iter().map(id_triple).collect::<Vec<_>>(),
        vec![
            (Some(MRN_SYSTEM), Some("MRN100234"), Some("MR")),
            (
                Some("urn:oid:2.16.840.1.113883.2.1.4.1"),
                Some("9434765919"),
                Some("NH")
            ),
        ]
    );
    assert_eq!(p.identifier, a.identifiers);
    let official = &p.name[0];
    assert_eq!(s(official.r#use.as_ref()), Some("official"));
    assert_eq!(official.family.as_deref(), Some("O'BRIEN"));
    assert_eq!(official.given, ["MARY", "ANNE", "JO"]);
    assert_eq!(official.prefix, ["DR"]);
    assert_eq!(official.suffix, ["JR"]);
    let maiden = &p.name[1];
    assert_eq!(
        (s(maiden.r#use.as_ref()), maiden.family.as_deref()),
        (Some("maiden"), Some("SMITH"))
    );
    assert_eq!(
        p.birth_date.as_ref().map(|d| d.as_str()),
        Some("1980-03-15")
    );
    assert_eq!(s(p.gender.as_ref()), Some("female"));
    let addr = &p.address[0];
    assert_eq!(addr.line, ["12 HIGH ST", "FLAT 3"]);
    assert_eq!(
        (
            addr.city.as_deref(),
            addr.state.as_deref(),
            addr.postal_code.as_deref(),
            addr.country.as_deref()
        ),
        (Some("LEEDS"), Some("WYK"), Some("LS1 4AB"), Some("GBR"))
    );
    assert_eq!(s(addr.r#use.as_ref()), Some("home"));
    let telecom: Vec<_> = p
        .telecom
        .iter()
        .map(|t| {
            (
                s(t.system.as_ref()),
                t.value.as_deref(),
                s(t.r#use.as_ref()),
            )
        })
        .collect();
    assert_eq!(
        telecom,
        vec![
            (Some("phone"), Some("+44 (113) 4960000"), Some("home")),
            (Some("email"), Some("mary.obrien@example.org"), Some("home")),
            (Some("phone"), Some("+44 (113) 4961111"), Some("work")),
        ]
    );
    assert_eq!(p.deceased, Some(PatientDeceased::Boolean(false)));

    let e = a.encounter.as_ref().expect("PV1 gives an encounter");
    assert_eq!(e.id.as_ref().map(|i| i.as_str()), Some("enc-V100234"));
    assert_eq!(
        e.identifier.iter().map(id_triple).collect::<Vec<_>>(),
        vec![(
            Some("urn:meridian:v2:authority:goodhealth"),
            Some("V100234"),
            Some("VN")
        )]
    );
    assert_eq!(s(e.status.as_ref()), Some("in-progress"));
    let class = e.class.as_ref().expect("class");
    assert_eq!(
        class.system.as_deref(),
        Some("http://terminology.hl7.org/CodeSystem/v3-ActCode")
    );
    assert_eq!(s(class.code.as_ref()), Some("IMP"));
    // PV1-44 has no offset: the configured +01:00 applies.
    let period = e.period.as_ref().expect("period");
    assert_eq!(
        period.start.as_ref().map(|d| d.as_str()),
        Some("2026-11-30T09:45:00+01:00")
    );
    assert_eq!(period.end, None);
    let loc = &e.location[0];
    assert_eq!(
        loc.location.as_ref().and_then(|l| l.display.as_deref()),
        Some("4W / 401 / A")
    );
    assert_eq!(s(loc.status.as_ref()), Some("active"));
    assert_eq!(e.subject, None, "subject is set by attach_patient_to_adt");
}

#[test]
fn adt_a03_discharge_finishes_the_same_encounter() {
    let admitted = adt("adt_a01").encounter.expect("encounter");
    let mut a = adt("adt_a03");
    let e = a.encounter.as_ref().expect("encounter");
    assert_eq!(
        e.id, admitted.id,
        "a discharge updates the admission's record"
    );
    assert_eq!(s(e.status.as_ref()), Some("finished"));
    let period = e.period.as_ref().expect("period");
    assert_eq!(
        period.start.as_ref().map(|d| d.as_str()),
        Some("2026-11-30T09:45:00+01:00")
    );
    assert_eq!(
        period.end.as_ref().map(|d| d.as_str()),
        Some("2026-12-04T15:30:00+01:00")
    );
    assert_eq!(s(e.location[0].status.as_ref()), Some("completed"));
    attach_patient_to_adt(&mut a, "p-42");
    let subject = a.encounter.as_ref().and_then(|e| e.subject_patient_id());
    assert_eq!(subject, Some("p-42"));
}

#[test]
fn adt_a04_registration_v2_3_with_foreign_identifiers() {
    let a = adt("adt_a04");
    assert_eq!(
        a.identifiers.iter().map(id_triple).collect::<Vec<_>>(),
        vec![
            (
                Some("urn:meridian:v2:authority:stmarys"),
                Some("77001"),
                Some("MR")
            ),
            (
                Some("https://id.example.org/patients"),
                Some("X55"),
                Some("PI")
            ),
        ]
    );
    assert_eq!(a.patient.identifier(MRN_SYSTEM), None, "not our MRN");
    assert_eq!(
        a.patient.birth_date.as_ref().map(|d| d.as_str()),
        Some("1980-03"),
        "month precision kept"
    );
    assert_eq!(s(a.patient.gender.as_ref()), Some("unknown"));
    assert_eq!(s(a.patient.name[0].r#use.as_ref()), Some("usual"));
    let mobile = &a.patient.telecom[0];
    assert_eq!(
        (
            s(mobile.system.as_ref()),
            mobile.value.as_deref(),
            s(mobile.r#use.as_ref())
        ),
        (Some("phone"), Some("+44 7700 900123"), Some("mobile"))
    );
    let e = a.encounter.as_ref().expect("encounter");
    assert_eq!(
        s(e.status.as_ref()),
        Some("arrived"),
        "A04 without admit time"
    );
    assert_eq!(
        s(e.class.as_ref().and_then(|c| c.code.as_ref())),
        Some("AMB")
    );
    assert_eq!(e.id.as_ref().map(|i| i.as_str()), Some("enc-OP-2026-55"));
    assert_eq!(e.period, None);
}

#[test]
fn adt_a08_update_of_a_deceased_patient_without_visit() {
    let a = adt("adt_a08");
    let p = &a.patient;
    assert_eq!(p.name[0].family.as_deref(), Some("MÜLLER"));
    assert_eq!(p.name[0].given, ["JÜRGEN"]);
    assert_eq!(p.name[0].prefix, ["PROF DR"]);
    assert_eq!(s(p.gender.as_ref()), Some("male"));
    match &p.deceased {
        Some(PatientDeceased::DateTime(d)) => assert_eq!(d.as_str(), "2026-11-30T23:30:00+01:00"),
        other => panic!("expected a death date, got {other:?}"),
    }
    assert!(p.is_deceased());
    assert_eq!(s(p.address[0].r#type.as_ref()), Some("postal"));
    assert_eq!(
        a.encounter, None,
        "PV1-2 N without a visit number is no encounter"
    );
}

#[test]
fn adt_a40_merge_names_both_patients() {
    let Inbound::Merge(MergeIn { surviving, merged }) = read("adt_a40") else {
        panic!("expected a merge");
    };
    assert_eq!(
        surviving.iter().map(id_triple).collect::<Vec<_>>(),
        vec![(Some(MRN_SYSTEM), Some("MRN100234"), Some("MR"))]
    );
    assert_eq!(
        merged.iter().map(id_triple).collect::<Vec<_>>(),
        vec![
            (Some(MRN_SYSTEM), Some("MRN100999"), Some("MR")),
            (
                Some("urn:meridian:v2:authority:edreg"),
                Some("TMP-0042"),
                Some("PI")
            ),
        ]
    );
}

#[test]
fn oru_panel_reports_what_the_clinician_sees() {
    let r = results("oru_r01_panel");
    assert_eq!(r.identifiers[0].value.as_deref(), Some("MRN100234"));
    assert_eq!(r.identifiers[0].system.as_deref(), Some(MRN_SYSTEM));
    assert_eq!(r.orders.len(), 3);
    let counts: Vec<usize> = r.orders.iter().map(|o| o.observations.len()).collect();
    assert_eq!(counts, [8, 5, 7]);
    assert_eq!(
        counts.iter().sum::<usize>(),
        20,
        "every OBX is an observation"
    );

    // Chemistry.
    let chem = &r.orders[0];
    let rep = &chem.report;
    assert_eq!(s(rep.status.as_ref()), Some("final"));
    assert_eq!(
        rep.code.as_ref().and_then(|c| c.code_for(LOINC)),
        Some("24323-8")
    );
    assert_eq!(
        rep.category[0].code_for("http://terminology.hl7.org/CodeSystem/v2-0074"),
        Some("LAB")
    );
    match &rep.effective {
        Some(DiagnosticReportEffective::DateTime(d)) => {
            assert_eq!(d.as_str(), "2026-11-30T08:30:00+01:00")
        }
        other => panic!("effective: {other:?}"),
    }
    assert_eq!(
        rep.issued.as_ref().map(|i| i.as_str()),
        Some("2026-11-30T11:30:00+01:00")
    );
    assert_eq!(
        rep.identifier.iter().map(id_triple).collect::<Vec<_>>(),
        vec![
            (
                Some("urn:meridian:v2:authority:meridian"),
                Some("ORD5001"),
                Some("PLAC")
            ),
            (
                Some("urn:meridian:v2:authority:citylab"),
                Some("L778899"),
                Some("FILL")
            ),
        ]
    );

    let glucose = &chem.observations[0];
    assert_eq!(loinc(glucose), "2345-7");
    assert_eq!(
        qty(quantity(glucose)),
        ("182".into(), Some("mg/dL"), Some("mg/dL"))
    );
    assert_eq!(range(glucose), (Some("70".into()), Some("99".into()), None));
    assert_eq!(
        glucose.reference_range[0]
            .low
            .as_ref()
            .and_then(|q| q.unit.as_deref()),
        Some("mg/dL")
    );
    assert_eq!(flags(glucose), ["H"]);
    assert_eq!(s(glucose.status.as_ref()), Some("final"));
    assert_eq!(
        effective(glucose),
        Some("2026-11-30T08:30:00+01:00"),
        "from OBR-7"
    );
    assert_eq!(
        glucose.category[0].code_for("http://terminology.hl7.org/CodeSystem/observation-category"),
        Some("laboratory")
    );
    let creatinine = by_loinc(chem, "2160-0");
    assert_eq!(qty(quantity(creatinine)).0, "1.10", "precision kept");
    assert_eq!(
        range(creatinine),
        (Some("0.57".into()), Some("1.00".into()), None)
    );
    assert_eq!(flags(by_loinc(chem, "2823-3")), ["LL"]);
    assert_eq!(flags(by_loinc(chem, "2951-2")), ["N"]);
    let albumin = by_loinc(chem, "1751-7");
    assert_eq!(
        qty(quantity(albumin)).0,
        "4.0",
        "HL7 '+4.0' is the JSON number 4.0"
    );
    assert!(flags(albumin).is_empty());
    let egfr = by_loinc(chem, "33914-3");
    let q = quantity(egfr);
    assert_eq!(s(q.comparator.as_ref()), Some(">"));
    assert_eq!(
        qty(q),
        ("60".into(), Some("mL/min/1.73m2"), Some("mL/min/{1.73_m2}"))
    );
    assert_eq!(range(egfr), (Some("60".into()), None, None));
    let ast = by_loinc(chem, "1920-8");
    assert_eq!(qty(quantity(ast)).0, "0.5");
    assert_eq!(s(ast.status.as_ref()), Some("corrected"));
    assert_eq!(range(ast), (None, Some("35".into()), None));
    let comment = &chem.observations[7];
    assert_eq!(loinc(comment), "2345-7");
    assert_eq!(string(comment), "Specimen slightly hemolyzed");
    assert_ne!(comment.id, glucose.id, "OBX-4 sub-id tells them apart");

    // Hematology.
    let cbc = &r.orders[1];
    assert_eq!(s(cbc.report.status.as_ref()), Some("preliminary"));
    assert_eq!(flags(by_loinc(cbc, "6690-2")), ["H", "A"]);
    let hb = by_loinc(cbc, "718-7");
    assert_eq!(
        qty(quantity(hb)),
        ("6.9".into(), Some("g/dL"), Some("g/dL"))
    );
    assert_eq!(flags(hb), ["LL", "A"]);
    assert_eq!(
        effective(hb),
        Some("2026-11-30T08:45:00+01:00"),
        "OBX-14 wins over OBR-7"
    );
    assert_eq!(
        s(by_loinc(cbc, "777-3").status.as_ref()),
        Some("preliminary")
    );
    let abo = concept(by_loinc(cbc, "882-1"));
    assert_eq!(abo.code_for("http://snomed.info/sct"), Some("278149003"));
    assert_eq!(abo.text.as_deref(), Some("Blood group A Rh(D) positive"));
    let morphology = by_loinc(cbc, "18314-6");
    assert_eq!(
        string(morphology),
        "Anisocytosis present.\nOccasional target cells."
    );
    assert_eq!(flags(morphology), ["A"]);

    // Urinalysis.
    let ua = &r.orders[2];
    match &ua.report.effective {
        Some(DiagnosticReportEffective::DateTime(d)) => {
            assert_eq!(d.as_str(), "2026-11-30T09:00:00+01:00")
        }
        other => panic!("effective: {other:?}"),
    }
    let color = concept(by_loinc(ua, "5778-6"));
    assert_eq!(
        color.code_for("urn:meridian:v2:codesystem:l"),
        Some("YELLOW")
    );
    assert_eq!(color.coding[0].display.as_deref(), Some("Yellow"));
    assert_eq!(
        qty(quantity(by_loinc(ua, "5803-2"))),
        ("6.5".into(), Some("pH"), Some("[pH]"))
    );
    let dipstick = by_loinc(ua, "5794-3");
    assert_eq!(string(dipstick), "2+");
    assert_eq!(range(dipstick), (None, None, Some("NEG")));
    assert_eq!(
        qty(quantity(by_loinc(ua, "5811-5"))),
        ("1.015".into(), None, None)
    );
    let titer = by_loinc(ua, "31204-1");
    match &titer.value {
        Some(ObservationValue::Ratio(r)) => {
            let n = r
                .numerator
                .as_ref()
                .and_then(|q| q.value.as_ref())
                .map(|d| d.as_str());
            let d = r
                .denominator
                .as_ref()
                .and_then(|q| q.value.as_ref())
                .map(|d| d.as_str());
            assert_eq!((n, d), (Some("1"), Some("128")));
        }
        other => panic!("titer: {other:?}"),
    }
    assert_eq!(range(titer), (None, None, Some("<1:8")));
    assert_eq!(flags(titer), ["H"]);
    let sediment = by_loinc(ua, "5821-4");
    match &sediment.value {
        Some(ObservationValue::Range(r)) => {
            assert_eq!(
                r.low.as_ref().map(qty),
                Some(("5".into(), Some("per HPF"), Some("/[HPF]")))
            );
            assert_eq!(
                r.high.as_ref().map(qty),
                Some(("10".into(), Some("per HPF"), Some("/[HPF]")))
            );
        }
        other => panic!("sediment: {other:?}"),
    }
    assert_eq!(range(sediment), (Some("0".into()), Some("5".into()), None));
    assert_eq!(
        string(by_loinc(ua, "77202-0")),
        "Few bacteria seen.\nRecommend culture if symptomatic.",
        "FT \\.br\\ is a line break"
    );
}

#[test]
fn oru_ids_are_deterministic_and_a_correction_updates_the_same_records() {
    let first = results("oru_r01_panel");
    let again = results("oru_r01_panel");
    let ids = |r: &ResultsIn| -> Vec<String> {
        r.orders
            .iter()
            .flat_map(|o| {
                std::iter::once(o.report.id.clone())
                    .chain(o.observations.iter().map(|x| x.id.clone()))
            })
            .map(|i| i.expect("every resource has an id").as_str().to_owned())
            .collect()
    };
    let all = ids(&first);
    assert_eq!(all, ids(&again));
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "no two resources share an id");
    assert!(
        all.iter()
            .all(|i| i.starts_with("dr-") || i.starts_with("obx-"))
    );

    // The lab corrects the glucose: same order, code and sub-id, new value and status C.
    let text = hl7("inbound/oru_r01_panel.hl7").replace(
        "||182|mg/dL^mg/dL^UCUM|70-99|H|||F",
        "||128|mg/dL^mg/dL^UCUM|70-99|H|||C",
    );
    let Ok(Inbound::Results(corrected)) = read_inbound(&parse(&text), &config()) else {
        panic!("corrected message reads");
    };
    let before = &first.orders[0].observations[0];
    let after = &corrected.orders[0].observations[0];
    assert_eq!(after.id, before.id);
    assert_eq!(s(after.status.as_ref()), Some("corrected"));
    assert_eq!(qty(quantity(after)).0, "128");
    assert_eq!(corrected.orders[0].report.id, first.orders[0].report.id);
}

#[test]
fn attach_patient_sets_subjects_and_report_results() {
    let mut r = results("oru_r01_panel");
    attach_patient(&mut r, "p-100234");
    for order in &r.orders {
        assert_eq!(order.report.subject_patient_id(), Some("p-100234"));
        let refs: Vec<&str> = order
            .report
            .result
            .iter()
            .filter_map(|x| x.id_of("Observation"))
            .collect();
        let ids: Vec<&str> = order
            .observations
            .iter()
            .filter_map(|o| o.id.as_ref())
            .map(|i| i.as_str())
            .collect();
        assert_eq!(refs, ids);
        assert!(
            order
                .observations
                .iter()
                .all(|o| o.subject_patient_id() == Some("p-100234"))
        );
    }
    attach_patient(&mut r, "p-100234");
    assert_eq!(
        r.orders[0].report.result.len(),
        8,
        "attaching twice does not duplicate"
    );
}

#[test]
fn oru_text_report_lines_join_and_cancelled_results_have_no_value() {
    let r = results("oru_r01_text");
    let order = &r.orders[0];
    assert_eq!(
        order
            .report
            .identifier
            .iter()
            .map(id_triple)
            .collect::<Vec<_>>(),
        vec![(
            Some("urn:meridian:v2:authority:ris"),
            Some("RAD-9911"),
            Some("FILL")
        )]
    );
    assert_eq!(order.report.effective, None, "OBR-7 empty");
    assert_eq!(
        order.report.category[0].code_for("http://terminology.hl7.org/CodeSystem/v2-0074"),
        Some("RAD")
    );
    assert!(order.observations.iter().all(|o| {
        o.category[0].code_for("http://terminology.hl7.org/CodeSystem/observation-category")
            == Some("imaging")
    }));
    assert_eq!(
        order.observations.len(),
        3,
        "three TX lines of one code are one observation"
    );
    let report = &order.observations[0];
    assert_eq!(
        string(report),
        "Lungs are clear.\nNo pleural effusion.\nHeart size normal."
    );
    // No offset in OBX-14: +01:00 from the configuration.
    assert_eq!(effective(report), Some("2026-11-30T13:30:00+01:00"));
    match &order.observations[1].value {
        Some(ObservationValue::DateTime(d)) => assert_eq!(d.as_str(), "2026-11-30T13:15:00+01:00"),
        other => panic!("study date: {other:?}"),
    }
    let cancelled = &order.observations[2];
    assert_eq!(s(cancelled.status.as_ref()), Some("cancelled"));
    assert_eq!(cancelled.value, None);
}

/// Every value of 3 or more characters outside MSH and EVN (which hold message metadata, not
/// patient data): none may appear in an error.
fn values_in(text: &str) -> Vec<String> {
    text.split('\r')
        .filter(|segment| !segment.starts_with("MSH") && !segment.starts_with("EVN"))
        .flat_map(|segment| segment.split(['|', '^', '~', '&']))
        .filter(|v| v.len() >= 3)
        .map(str::to_owned)
        .collect()
}

#[test]
fn bad_input_gives_located_data_free_errors() {
    let expected = read_text("inbound/err/expected.txt");
    let mut checked = 0;
    let mut codes = std::collections::BTreeSet::new();
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [name, code, segment, sequence, field, component] = parts[..] else {
            panic!("bad line in expected.txt: {line}");
        };
        let num = |s: &str| (s != "-").then(|| s.parse::<usize>().expect("number"));
        let text = hl7(&format!("inbound/err/{name}.hl7"));
        let err = read_inbound(&parse(&text), &config())
            .err()
            .unwrap_or_else(|| panic!("{name}: expected an error"));
        let got = (
            err.code,
            err.segment.as_str(),
            err.sequence,
            err.field,
            err.component,
        );
        let want = (
            code.parse::<u16>().expect("code"),
            segment,
            num(sequence).expect("sequence"),
            num(field),
            num(component),
        );
        assert_eq!(got, want, "{name}: {err}");
        let shown = format!("{err} {err:?}");
        for v in values_in(&text) {
            // Segment ids and the standard's own words are not data.
            if ["PID", "OBR", "OBX", "MRG", "PV1", "EVN"].contains(&v.as_str()) {
                continue;
            }
            assert!(
                !shown.contains(&v),
                "{name}: error text shows the value {v:?}: {shown}"
            );
        }
        codes.insert(err.code);
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} error cases");
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        [100, 101, 102, 103, 200, 201, 203],
        "every code read_inbound reports is exercised"
    );
}

#[test]
fn unknown_key_errors_for_the_app() {
    let e = MappingError::unknown_patient();
    assert_eq!(
        (e.code, e.segment.as_str(), e.sequence, e.field),
        (204, "PID", 1, Some(3))
    );
    let e = MappingError::unknown_merged_patient();
    assert_eq!((e.code, e.segment.as_str(), e.field), (204, "MRG", Some(1)));
    let detail = e.to_error_detail();
    assert_eq!(detail.code.code(), Some(204));
    assert_eq!(
        detail
            .location
            .as_ref()
            .map(|l| (l.segment.as_str(), l.field)),
        Some(("MRG", Some(1)))
    );
    assert!(!e.is_reject());
}

#[test]
fn errors_become_err_segments_in_an_ack() {
    let text = hl7("inbound/err/obx_bad_number.hl7");
    let msg = parse(&text);
    let err = read_inbound(&msg, &config()).expect_err("bad number");
    let header = meridian_hl7v2::AckHeader {
        sending_application: "MERIDIAN",
        sending_facility: "GOODHEALTH",
        control_id: "ACK1",
        timestamp: "20261130120000+0100",
    };
    let ack = meridian_hl7v2::ack(
        &msg,
        &header,
        meridian_hl7v2::AckCode::AE,
        &[err.to_error_detail()],
    )
    .encode();
    let ack_msg = parse(&ack);
    assert_eq!(ack_msg.get("ERR-2.1").as_deref(), Some("OBX"));
    assert_eq!(ack_msg.get("ERR-2.2").as_deref(), Some("3"));
    assert_eq!(ack_msg.get("ERR-2.3").as_deref(), Some("5"));
    assert_eq!(ack_msg.get("ERR-3.1").as_deref(), Some("102"));
    assert!(!ack.contains("95,7a"));
}

#[test]
fn debug_output_shows_shape_not_patient_data() {
    for name in ["adt_a01", "adt_a40", "oru_r01_panel"] {
        let shown = format!("{:?}", read(name));
        for secret in ["BRIEN", "MRN100234", "1980", "182", "LEEDS"] {
            assert!(
                !shown.contains(secret),
                "{name}: Debug shows {secret}: {shown}"
            );
        }
    }
}

/// One line per resource, exact JSON.
fn snapshot(inbound: &Inbound) -> String {
    let mut out = String::new();
    let mut line = |key: &str, value: String| {
        out.push_str(key);
        out.push(' ');
        out.push_str(&value);
        out.push('\n');
    };
    match inbound {
        Inbound::Adt(a) => {
            line("event", a.event.clone());
            line("patient", json(&a.patient));
            line(
                "encounter",
                a.encounter.as_ref().map_or("none".into(), json),
            );
        }
        Inbound::Merge(m) => {
            for i in &m.surviving {
                line("surviving", json(i));
            }
            for i in &m.merged {
                line("merged", json(i));
            }
        }
        Inbound::Results(r) => {
            for i in &r.identifiers {
                line("identifier", json(i));
            }
            for o in &r.orders {
                line("report", json(&o.report));
                for x in &o.observations {
                    line("  observation", json(x));
                }
            }
        }
    }
    out
}

#[test]
fn inbound_snapshots() {
    let bless = std::env::var_os("MERIDIAN_BLESS").is_some();
    let names = [
        "adt_a01",
        "adt_a03",
        "adt_a04",
        "adt_a08",
        "adt_a40",
        "oru_r01_panel",
        "oru_r01_text",
    ];
    for name in names {
        let actual = snapshot(&read(name));
        let path = test_data(&format!("inbound/{name}.expected"));
        if bless {
            std::fs::write(&path, &actual).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{name}: no snapshot; run with MERIDIAN_BLESS=1 and review it")
        });
        assert_eq!(
            actual, expected,
            "{name}: snapshot differs (MERIDIAN_BLESS=1 rewrites it)"
        );
    }
    // Every message in test_data/inbound has a snapshot.
    let files = std::fs::read_dir(test_data("inbound")).expect("dir");
    let hl7_files = files
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "hl7"))
        .count();
    assert_eq!(hl7_files, names.len());
}
