//! Outbound: every message type built from FHIR fixtures, read back with meridian-hl7v2.

use meridian_fhir::{
    ChargeItem, MedicationRequest, MedicationRequestMedication, Patient, Reference, ServiceRequest,
};
use meridian_hl7v2::{Message, MessageBuilder, ParseOptions};
use meridian_v2fhir::{Header, MappingError, adt, adt_a40, dft_p03, oml_o21, orm_o01, rde_o11};

use crate::{config, fixture};

pub(crate) fn header() -> Header<'static> {
    Header {
        control_id: "MER000123",
        timestamp: "20261130101500+0100",
        receiving_application: "LABSYS",
        receiving_facility: "CITYLAB",
    }
}

/// Encodes and parses back strictly: what we send must pass our own strict reader.
fn sent(b: &MessageBuilder) -> String {
    let text = b.encode();
    meridian_hl7v2::parse(text.as_bytes(), &ParseOptions::strict())
        .unwrap_or_else(|e| panic!("our own message fails strict parsing: {e}"));
    text
}

fn msg(text: &str) -> Message<'_> {
    meridian_hl7v2::parse(text.as_bytes(), &ParseOptions::strict())
        .expect("strict parse")
        .message
}

fn ids(m: &Message<'_>) -> Vec<String> {
    m.segments().map(|s| s.id().to_owned()).collect()
}

fn get(m: &Message<'_>, path: &str) -> Option<String> {
    m.get(path).map(|v| v.into_owned())
}

/// The raw text of one field of the first segment `id`.
fn field(m: &Message<'_>, id: &str, n: usize) -> String {
    m.segment(id)
        .map(|s| s.field(n).raw().to_owned())
        .unwrap_or_default()
}

fn check_msh(m: &Message<'_>, message_type: &str) {
    assert_eq!(field(m, "MSH", 3), "MERIDIAN");
    assert_eq!(field(m, "MSH", 4), "GOODHEALTH");
    assert_eq!(field(m, "MSH", 5), "LABSYS");
    assert_eq!(field(m, "MSH", 6), "CITYLAB");
    assert_eq!(field(m, "MSH", 7), "20261130101500+0100");
    assert_eq!(field(m, "MSH", 9), message_type);
    assert_eq!(m.control_id(), "MER000123");
    assert_eq!(field(m, "MSH", 11), "P");
    assert_eq!(m.version(), "2.5.1");
}

/// PID as written for `patient.json`.
fn check_pid(m: &Message<'_>) {
    let pid3 = field(m, "PID", 3);
    let reps: Vec<&str> = pid3.split('~').collect();
    assert_eq!(
        reps,
        [
            "MRN100234^^^MERIDIAN^MR",
            "9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO^NH",
            "91-4076-5312-8821^^^&https://healthid.abdm.gov.in&URI",
        ],
        "the MRN leads PID-3"
    );
    assert_eq!(
        field(m, "PID", 5),
        "O'Brien^Mary^Anne Jo^Jr^Dr^^L~Smith^Mary^^^^^M"
    );
    assert_eq!(field(m, "PID", 7), "19800315");
    assert_eq!(field(m, "PID", 8), "F");
    assert_eq!(
        field(m, "PID", 11),
        "12 High St^Flat 3^Leeds^WYK^LS1 4AB^GBR^H"
    );
    assert_eq!(
        field(m, "PID", 13),
        "+44 113 496 0000^PRN^PH~+44 7700 900123^PRN^CP~^NET^Internet^mary.obrien@example.org"
    );
    assert_eq!(field(m, "PID", 14), "+44 113 496 1111^WPN^PH");
    assert_eq!(field(m, "PID", 30), "N");
    assert_eq!(field(m, "MSH", 18), "", "ASCII only: MSH-18 left empty");
}

#[test]
fn orm_o01_new_order() {
    let b = orm_o01(
        &header(),
        &config(),
        &fixture("patient"),
        &fixture("service_request"),
    )
    .expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(ids(&m), ["MSH", "PID", "ORC", "OBR"]);
    check_msh(&m, "ORM^O01^ORM_O01");
    check_pid(&m);
    assert_eq!(field(&m, "ORC", 1), "NW");
    assert_eq!(field(&m, "ORC", 2), "sr-5001^MERIDIAN");
    assert_eq!(field(&m, "ORC", 9), "20261130081500+0100");
    assert_eq!(field(&m, "ORC", 12), "1234567893^Jones, Alan");
    assert_eq!(field(&m, "OBR", 1), "1");
    assert_eq!(field(&m, "OBR", 2), "sr-5001^MERIDIAN");
    assert_eq!(
        field(&m, "OBR", 4),
        "58410-2^CBC panel - Blood by Automated count^LN^26604007^Complete blood count^SCT",
        "LOINC first, SNOMED as the alternate"
    );
    assert_eq!(field(&m, "OBR", 16), "1234567893^Jones, Alan");
}

#[test]
fn oml_o21_carries_timing_and_priority() {
    let b = oml_o21(
        &header(),
        &config(),
        &fixture("patient"),
        &fixture("service_request"),
    )
    .expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(ids(&m), ["MSH", "PID", "ORC", "TQ1", "OBR"]);
    check_msh(&m, "OML^O21^OML_O21");
    assert_eq!(field(&m, "TQ1", 7), "20261130090000+0100");
    assert_eq!(field(&m, "TQ1", 9), "S", "stat");
    assert_eq!(get(&m, "OBR-4.1").as_deref(), Some("58410-2"));

    // Without priority or occurrence there is no TQ1.
    let mut plain: ServiceRequest = fixture("service_request");
    plain.priority = None;
    plain.occurrence = None;
    let b = oml_o21(&header(), &config(), &fixture("patient"), &plain).expect("builds");
    assert_eq!(ids(&msg(&sent(&b))), ["MSH", "PID", "ORC", "OBR"]);
}

#[test]
fn rde_o11_prescription() {
    let b = rde_o11(
        &header(),
        &config(),
        &fixture("patient"),
        &fixture("medication_request"),
    )
    .expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(ids(&m), ["MSH", "PID", "ORC", "RXE", "TQ1", "RXR"]);
    check_msh(&m, "RDE^O11^RDE_O11");
    assert_eq!(field(&m, "ORC", 2), "rx-7001^MERIDIAN");
    assert_eq!(field(&m, "ORC", 12), "^Jones, Alan");
    assert_eq!(
        field(&m, "RXE", 2),
        "197361^amlodipine 5 MG Oral Tablet^RXNORM"
    );
    assert_eq!(field(&m, "RXE", 3), "5");
    assert_eq!(field(&m, "RXE", 5), "mg^mg^UCUM");
    assert_eq!(field(&m, "RXE", 7), "^Take one tablet by mouth once daily");
    assert_eq!(field(&m, "RXE", 10), "30");
    assert_eq!(field(&m, "RXE", 11), "{tbl}^tablet");
    assert_eq!(field(&m, "RXE", 12), "2");
    assert_eq!(field(&m, "TQ1", 3), "QD");
    assert_eq!(field(&m, "TQ1", 7), "20261130090000+0100");
    assert_eq!(field(&m, "TQ1", 8), "20261230090000+0100");
    assert_eq!(
        field(&m, "RXR", 1),
        "PO^Oral^HL70162^26643006^Oral route^SCT"
    );
}

#[test]
fn dft_p03_charge() {
    let b = dft_p03(
        &header(),
        &config(),
        &fixture("patient"),
        &fixture("charge_item"),
    )
    .expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(ids(&m), ["MSH", "EVN", "PID", "FT1"]);
    check_msh(&m, "DFT^P03^DFT_P03");
    assert_eq!(field(&m, "EVN", 1), "P03");
    assert_eq!(field(&m, "EVN", 2), "20261130101500+0100");
    assert_eq!(field(&m, "FT1", 2), "ch-9001");
    assert_eq!(field(&m, "FT1", 4), "20261130093000+0100");
    assert_eq!(field(&m, "FT1", 5), "20261130100000+0100");
    assert_eq!(field(&m, "FT1", 6), "CG");
    assert_eq!(
        field(&m, "FT1", 7),
        "99213^Office visit, established patient, low complexity^C4"
    );
    assert_eq!(field(&m, "FT1", 10), "1");

    let mut voided: ChargeItem = fixture("charge_item");
    voided.status = meridian_fhir::Code::parse("entered-in-error").ok();
    let b = dft_p03(&header(), &config(), &fixture("patient"), &voided).expect("builds");
    assert_eq!(
        field(&msg(&sent(&b)), "FT1", 6),
        "CD",
        "a voided charge is sent as a credit"
    );
}

#[test]
fn adt_a04_and_a08_carry_the_patient() {
    for event in ["A04", "A08"] {
        let b = adt(&header(), &config(), event, &fixture("patient")).expect("builds");
        let text = sent(&b);
        let m = msg(&text);
        assert_eq!(ids(&m), ["MSH", "EVN", "PID", "PV1"]);
        check_msh(&m, &format!("ADT^{event}^ADT_A01"));
        check_pid(&m);
        assert_eq!(field(&m, "EVN", 1), event);
        assert_eq!(field(&m, "PV1", 2), "N");
    }
}

#[test]
fn adt_a40_merge() {
    let b = adt_a40(
        &header(),
        &config(),
        &fixture("patient"),
        &fixture("patient_merged"),
    )
    .expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(ids(&m), ["MSH", "EVN", "PID", "MRG"]);
    check_msh(&m, "ADT^A40^ADT_A39");
    assert_eq!(get(&m, "PID-3.1").as_deref(), Some("MRN100234"));
    assert_eq!(field(&m, "MRG", 1), "MRN100999^^^MERIDIAN^MR");
}

#[test]
fn non_ascii_text_declares_utf8_and_deceased_is_sent() {
    let b = adt(&header(), &config(), "A08", &fixture("patient_unicode")).expect("builds");
    let text = sent(&b);
    let m = msg(&text);
    assert_eq!(field(&m, "MSH", 18), "UNICODE UTF-8");
    assert_eq!(
        field(&m, "PID", 5),
        "Müller^Jürgen^^^Prof Dr^^L~शर्मा^अनिल^^^^^D"
    );
    assert_eq!(field(&m, "PID", 7), "194107");
    assert_eq!(field(&m, "PID", 8), "M");
    assert_eq!(field(&m, "PID", 11), "Postfach 12^^Berlin^^10115^DEU^M");
    assert_eq!(field(&m, "PID", 29), "20261130233000+0100");
    assert_eq!(field(&m, "PID", 30), "Y");
}

#[test]
fn delimiters_in_values_are_escaped() {
    let mut p: Patient = fixture("patient");
    p.name[0].family = Some("Smith|Jones^&~\\".to_owned());
    let b = adt(&header(), &config(), "A08", &p).expect("builds");
    let text = sent(&b);
    assert!(
        text.contains("Smith\\F\\Jones\\S\\\\T\\\\R\\\\E\\"),
        "{text}"
    );
    assert_eq!(
        get(&msg(&text), "PID-5.1").as_deref(),
        Some("Smith|Jones^&~\\")
    );
}

/// What was tried, what came of it, and the (code, segment, sequence, field) expected.
type Case<'a> = (
    &'a str,
    Result<MessageBuilder, MappingError>,
    (u16, &'a str, usize, Option<usize>),
);

fn loc(e: &MappingError) -> (u16, &str, usize, Option<usize>) {
    (e.code, e.segment.as_str(), e.sequence, e.field)
}

#[test]
fn what_cannot_be_sent_is_refused_with_a_location() {
    let c = config();
    let h = header();
    let p: Patient = fixture("patient");
    let sr: ServiceRequest = fixture("service_request");
    let rx: MedicationRequest = fixture("medication_request");
    let ch: ChargeItem = fixture("charge_item");

    let mut no_mrn = p.clone();
    no_mrn
        .identifier
        .retain(|i| i.system.as_deref() != Some(c.mrn_system.as_str()));
    let mut no_name = p.clone();
    no_name.name.clear();
    let mut sr_no_id = sr.clone();
    sr_no_id.id = None;
    let mut sr_no_code = sr.clone();
    sr_no_code.code = None;
    let mut rx_no_route = rx.clone();
    rx_no_route.dosage_instruction = vec![
        meridian_fhir::RawJson::from_json(
            r#"{"doseAndRate":[{"doseQuantity":{"value":5,"unit":"mg"}}]}"#,
        )
        .expect("json"),
    ];
    let mut rx_no_dose = rx.clone();
    rx_no_dose.dosage_instruction.clear();
    let mut rx_by_reference = rx.clone();
    rx_by_reference.medication = Some(MedicationRequestMedication::Reference(Reference::to(
        "Medication",
        "m1",
    )));
    let mut ch_no_date = ch.clone();
    ch_no_date.occurrence = None;
    ch_no_date.entered_date = None;
    let mut ch_no_code = ch.clone();
    ch_no_code.code = None;
    let bad_time = Header {
        timestamp: "2026-11-30",
        ..h
    };
    let no_control = Header {
        control_id: " ",
        ..h
    };

    let cases: Vec<Case> = vec![
        (
            "no MRN",
            adt(&h, &c, "A08", &no_mrn),
            (101, "PID", 1, Some(3)),
        ),
        (
            "no name",
            orm_o01(&h, &c, &no_name, &sr),
            (101, "PID", 1, Some(5)),
        ),
        (
            "order without id",
            orm_o01(&h, &c, &p, &sr_no_id),
            (101, "ORC", 1, Some(2)),
        ),
        (
            "order without code",
            oml_o21(&h, &c, &p, &sr_no_code),
            (101, "OBR", 1, Some(4)),
        ),
        (
            "rx without route",
            rde_o11(&h, &c, &p, &rx_no_route),
            (101, "RXR", 1, Some(1)),
        ),
        (
            "rx without dose",
            rde_o11(&h, &c, &p, &rx_no_dose),
            (101, "RXE", 1, Some(3)),
        ),
        (
            "rx by reference",
            rde_o11(&h, &c, &p, &rx_by_reference),
            (101, "RXE", 1, Some(2)),
        ),
        (
            "charge without date",
            dft_p03(&h, &c, &p, &ch_no_date),
            (101, "FT1", 1, Some(4)),
        ),
        (
            "charge without code",
            dft_p03(&h, &c, &p, &ch_no_code),
            (101, "FT1", 1, Some(7)),
        ),
        (
            "merged without MRN",
            adt_a40(&h, &c, &p, &no_mrn),
            (101, "MRG", 1, Some(1)),
        ),
        (
            "admit is not an update",
            adt(&h, &c, "A01", &p),
            (201, "MSH", 1, Some(9)),
        ),
        (
            "bad timestamp",
            adt(&bad_time, &c, "A08", &p),
            (102, "MSH", 1, Some(7)),
        ),
        (
            "no control id",
            adt(&no_control, &c, "A08", &p),
            (101, "MSH", 1, Some(10)),
        ),
    ];
    for (what, result, want) in cases {
        let err = result
            .err()
            .unwrap_or_else(|| panic!("{what}: expected an error"));
        assert_eq!(loc(&err), want, "{what}: {err}");
        let shown = format!("{err} {err:?}");
        for secret in [
            "Brien",
            "MRN100234",
            "9434765919",
            "1980",
            "amlodipine",
            "99213",
            "Jones",
        ] {
            assert!(
                !shown.contains(secret),
                "{what}: error shows {secret}: {shown}"
            );
        }
    }
}
