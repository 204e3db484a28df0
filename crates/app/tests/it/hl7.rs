//! HL7 v2 feeds into the store: ADT registers and updates, ORU reaches the flowsheet, A40
//! merges, and every bad message is answered AE or AR with a specific ERR and leaves nothing.

use meridian_app::Table;
use meridian_hl7v2::{AckCode, ParseOptions, parse, read_ack};
use meridian_v2fhir::MappingConfig;

use crate::{World, world};

fn config() -> MappingConfig {
    MappingConfig::new("MERIDIAN", "MERIDIAN", "GOODHEALTH", 0)
}

fn msg(text: &str) -> Vec<u8> {
    text.trim().replace('\n', "\r").into_bytes()
}

/// The ACK's code, acknowledged control id and ERR codes.
fn read(reply: &[u8]) -> (AckCode, String, Vec<Option<u16>>) {
    let parsed = parse(reply, &ParseOptions::strict()).expect("the ACK parses strictly");
    let ack = read_ack(&parsed.message).expect("an ACK");
    (ack.code, ack.acknowledged_control_id, ack.errors.iter().map(|e| e.code.code()).collect())
}

const A01: &str = "
MSH|^~\\&|HIS|GOODHEALTH|MERIDIAN|GOODHEALTH|20261130090000+0000||ADT^A01^ADT_A01|ADT-1|P|2.5.1
EVN|A01|20261130090000+0000
PID|1||H12345^^^HIS^MR||NAKAMURA^KEIKO^^^^^L||19720308|F|||12 Harbour Rd^^Portsmouth^^PO1 2AB^GBR||^PRN^PH^^^^^^^^^+44 23 9200 0000
PV1|1|I|WARD5^12^1|||||||||||||||||V-7781|||||||||||||||||||||||||20261130085500+0000
";

async fn counts(w: &World) -> (i64, i64) {
    (w.app_store_count(Table::Resources).await, w.app_store_count(Table::Hl7Messages).await)
}

impl World {
    async fn app_store_count(&self, t: Table) -> i64 {
        self.app.count(t).await.expect("count")
    }
}

#[tokio::test]
async fn adt_registers_a_patient_and_a_resend_is_answered_without_applying_twice() {
    let w = world().await;
    let reply = w.app.receive_hl7(&msg(A01), &config()).await;
    assert_eq!(read(&reply), (AckCode::AA, "ADT-1".into(), vec![]));
    let nurse = w.staff("ward.nurse", "nurse").await;
    let found = w.app.search_patients(&nurse, "nakamura").await.expect("search");
    assert_eq!(found.len(), 1, "the patient appears");
    assert_eq!(found[0].birth_date.as_deref(), Some("1972-03-08"));
    assert!(found[0].mrn.is_some(), "a hospital MRN was assigned");
    let before = counts(&w).await;

    let again = w.app.receive_hl7(&msg(A01), &config()).await;
    assert_eq!(again, reply, "the same ACK for the same control id");
    assert_eq!(counts(&w).await, before, "nothing applied twice");

    // A08 with a new address updates the same patient.
    let a08 = A01.replace("ADT^A01^ADT_A01|ADT-1", "ADT^A08^ADT_A01|ADT-2").replace("EVN|A01", "EVN|A08").replace("12 Harbour Rd", "3 Quay St");
    assert_eq!(read(&w.app.receive_hl7(&msg(&a08), &config()).await).0, AckCode::AA);
    assert_eq!(w.app.search_patients(&nurse, "nakamura").await.expect("search").len(), 1);
}

fn oru(mrn: &str, control: &str, obx: &str) -> String {
    format!(
        "MSH|^~\\&|LABSYS|CITYLAB|MERIDIAN|GOODHEALTH|20261130113500+0000||ORU^R01^ORU_R01|{control}|P|2.5.1
PID|1||{mrn}^^^MERIDIAN^MR||TEST^PAT||19610412|F
OBR|1|ORD-{control}^MERIDIAN|L-{control}^CITYLAB|24323-8^Comprehensive metabolic panel^LN|||20261130083000+0000|||||||||||||||20261130113000+0000|||F
{obx}"
    )
}

const OBX: &str = "OBX|1|NM|2345-7^Glucose^LN||182|mg/dL^mg/dL^UCUM|70-99|H|||F
OBX|2|NM|2823-3^Potassium^LN||2.8|mmol/L^mmol/L^UCUM|3.5-5.1|LL|||F
OBX|3|NM|2951-2^Sodium^LN||139|mmol/L^mmol/L^UCUM|136-145|N|||F";

#[tokio::test]
async fn oru_results_appear_in_the_flowsheet_with_flags() {
    let w = world().await;
    let p = w.patient("Lab", "Lena", "1961-04-12").await;
    let nurse = crate::login(&w.app, "reg.lab").await;
    let mrn = w.app.search_patients(&nurse, "lab lena").await.expect("search")[0].mrn.clone().expect("mrn");
    let reply = w.app.receive_hl7(&msg(&oru(&mrn, "ORU-1", OBX)), &config()).await;
    assert_eq!(read(&reply), (AckCode::AA, "ORU-1".into(), vec![]), "{}", String::from_utf8_lossy(&reply));
    let glucose = w.app.observation_trend(&nurse, &p, "2345-7", 10).await.expect("trend");
    assert_eq!(glucose.len(), 1);
    assert_eq!((glucose[0].value, glucose[0].unit.as_deref(), glucose[0].flag.as_deref()), (Some(182.0), Some("mg/dL"), Some("H")));
    assert_eq!((glucose[0].reference_low, glucose[0].reference_high), (Some(70.0), Some(99.0)));
    let k = w.app.observation_trend(&nurse, &p, "2823-3", 10).await.expect("trend");
    assert_eq!(k[0].flag.as_deref(), Some("LL"), "critical low potassium is flagged");
    let chart = w.app.chart_summary(&nurse, &p).await.expect("chart");
    assert!(chart.recent_labs.iter().any(|r| r.loinc.as_deref() == Some("2951-2")), "sodium is in the recent labs");

    // A corrected result resent under a new control id updates the same observation.
    let corrected = OBX.replace("||182|", "||168|").replace("70-99|H|||F", "70-99|H|||C");
    assert_eq!(read(&w.app.receive_hl7(&msg(&oru(&mrn, "ORU-1", &corrected).replace("|ORU-1|P|", "|ORU-2|P|")), &config()).await).0, AckCode::AA);
    let glucose = w.app.observation_trend(&nurse, &p, "2345-7", 10).await.expect("trend");
    assert_eq!(glucose.len(), 1, "corrected, not duplicated");
    assert_eq!(glucose[0].value, Some(168.0));
}

#[tokio::test]
async fn bad_messages_get_specific_naks_and_store_nothing() {
    let w = world().await;
    let p = w.patient("Bad", "Bea", "1970-01-01").await;
    let nurse = crate::login(&w.app, "reg.bad").await;
    let mrn = w.app.search_patients(&nurse, "bad bea").await.expect("search")[0].mrn.clone().expect("mrn");
    let before = w.app.count(Table::Resources).await.expect("count");

    // A number that is not one, after two good OBX: nothing of the message is kept.
    let bad_value = OBX.replace("||139|", "||1.3.9|");
    let (code, id, errs) = read(&w.app.receive_hl7(&msg(&oru(&mrn, "BAD-1", &bad_value)), &config()).await);
    assert_eq!((code, id.as_str(), errs), (AckCode::AE, "BAD-1", vec![Some(102)]));

    let (code, _, errs) = read(&w.app.receive_hl7(&msg(&oru("MRN-NOBODY", "BAD-2", OBX)), &config()).await);
    assert_eq!((code, errs), (AckCode::AE, vec![Some(204)]), "unknown patient");

    let missing_code = OBX.replace("OBX|1|NM|2345-7^Glucose^LN|", "OBX|1|NM||");
    let (code, _, errs) = read(&w.app.receive_hl7(&msg(&oru(&mrn, "BAD-3", &missing_code)), &config()).await);
    assert_eq!((code, errs), (AckCode::AE, vec![Some(101)]));

    let unsupported = oru(&mrn, "BAD-4", OBX).replace("ORU^R01^ORU_R01", "ORU^R99^ORU_R01");
    let (code, _, errs) = read(&w.app.receive_hl7(&msg(&unsupported), &config()).await);
    assert_eq!((code, errs), (AckCode::AR, vec![Some(201)]));

    let (code, _, _) = read(&w.app.receive_hl7(b"\x00\x01garbage that is not HL7", &config()).await);
    assert_eq!(code, AckCode::AR);
    let truncated = &msg(&oru(&mrn, "BAD-5", OBX))[..40];
    let (code, _, _) = read(&w.app.receive_hl7(truncated, &config()).await);
    assert!(matches!(code, AckCode::AR | AckCode::AE));

    assert_eq!(w.app.count(Table::Resources).await.expect("count"), before, "nothing partial stored");
    assert!(w.app.observation_trend(&nurse, &p, "2345-7", 10).await.expect("trend").is_empty());
    // Every refusal is in the interface log, with its code, and no message content.
    let log = w.app.interface_log(&w.admin, 50).await.expect("log");
    assert!(log.len() >= 5, "{log:?}");
    for m in &log {
        let text = format!("{m:?}");
        assert!(!text.contains(&mrn) && !text.contains("Bea"), "no patient data in the log: {text}");
    }
}

#[tokio::test]
async fn a40_merges_the_hospitals_duplicate() {
    let w = world().await;
    let keep = w.patient("Merge", "Mona", "1955-05-05").await;
    let nurse = crate::login(&w.app, "reg.merge").await;
    let mut second = crate::registration("Merge", "Monica", "1955-05-05");
    second.confirmed_not_duplicate = true;
    let dup = w.app.register_patient(&nurse, &second).await.expect("register").patient.expect("registered").id;
    let mrn = |id: &str| {
        let id = id.to_owned();
        let app = w.app.clone();
        let nurse = nurse.clone();
        async move { app.search_patients(&nurse, "merge").await.expect("search").into_iter().find(|p| p.id == id).and_then(|p| p.mrn).expect("mrn") }
    };
    let (keep_mrn, dup_mrn) = (mrn(&keep).await, mrn(&dup).await);
    let a40 = format!(
        "MSH|^~\\&|HIS|GOODHEALTH|MERIDIAN|GOODHEALTH|20261130090000+0000||ADT^A40^ADT_A39|MRG-1|P|2.5.1
EVN|A40|20261130090000+0000
PID|1||{keep_mrn}^^^MERIDIAN^MR||MERGE^MONA||19550505|F
MRG|{dup_mrn}^^^MERIDIAN^MR"
    );
    assert_eq!(read(&w.app.receive_hl7(&msg(&a40), &config()).await).0, AckCode::AA);
    let found = w.app.search_patients(&nurse, "merge").await.expect("search");
    let merged = found.iter().find(|p| p.id == dup);
    assert!(merged.is_none_or(|p| p.merged_into.as_deref() == Some(keep.as_str())), "the duplicate points at the survivor");
}

fn route(name: &str, port: u16, order_message: &str) -> meridian_app::Hl7Route {
    meridian_app::Hl7Route {
        name: name.into(),
        addr: format!("127.0.0.1:{port}"),
        subscribe: vec!["orders".into(), "patients".into(), "merges".into()],
        order_message: order_message.into(),
        receiving_application: "LAB".into(),
        receiving_facility: "CITYLAB".into(),
        local_authority: "MERIDIAN".into(),
        sending_application: "MERIDIAN".into(),
        sending_facility: "GOODHEALTH".into(),
        tls: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_go_out_as_oml_and_orm_and_the_peer_accepts_them_after_strict_validation() {
    use meridian_mllp::test_support::Peer;
    let w = world().await;
    let peer = Peer::start("validate");
    w.app.configure_hl7_routes(&w.admin, &[route("LAB", peer.port, "OML^O21"), route("OLDLAB", peer.port, "ORM^O01")]).await.expect("routes");
    let p = w.patient("Order", "Olga", "1966-06-06").await;
    let doc = w.staff("dr.order", "physician").await;
    w.app.assign_care(&w.admin, "dr.order", &p, "attending").await.expect("care");
    let order = w
        .app
        .place_order(&doc, &meridian_api::PlaceOrder { patient_id: p.clone(), loinc: "24331-1".into(), display: "Lipid panel".into(), priority: "routine".into() })
        .await
        .expect("order");
    assert_eq!(w.app.orders(&doc, &p).await.expect("orders")[0].id, order.id);

    let status = w.app.sync_status(&doc).await.expect("status");
    assert!(status.hl7_pending >= 4, "registration (A04) and the order, for two routes: {status:?}");
    for name in ["LAB", "OLDLAB"] {
        let mut client = meridian_mllp::Client::new(format!("127.0.0.1:{}", peer.port), meridian_mllp::Timeouts::default());
        let report = w.app.forward_hl7(name, &mut client).await.expect("forward");
        assert_eq!((report.accepted, report.refused, report.remaining), (2, 0, 0), "{name}: {report:?}");
    }
    let seen = peer.received();
    let types: Vec<&str> = seen.iter().map(|e| e.message_type.as_str()).collect();
    assert!(types.contains(&"OML^O21^OML_O21") && types.contains(&"ORM^O01^ORM_O01") && types.contains(&"ADT^A04^ADT_A01"), "{types:?}");
    for e in &seen {
        assert!(e.valid, "{} fails hl7apy strict validation: {:?}", e.message_type, e.error);
    }
    assert_eq!(w.app.sync_status(&doc).await.expect("status").hl7_pending, 0);
    let log = w.app.interface_log(&w.admin, 50).await.expect("log");
    assert!(log.iter().filter(|m| m.direction == "out").all(|m| m.ack_code.as_deref() == Some("AA")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_is_down_keeps_the_queue_in_order_until_it_returns() {
    use meridian_mllp::test_support::Peer;
    let w = world().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    w.app.configure_hl7_routes(&w.admin, &[route("LAB", port, "OML^O21")]).await.expect("routes");
    let _p = w.patient("Queue", "Quinn", "1980-08-08").await;
    let mut client = meridian_mllp::Client::new(format!("127.0.0.1:{port}"), meridian_mllp::Timeouts::default());
    let report = w.app.forward_hl7("LAB", &mut client).await.expect("forward");
    assert_eq!((report.accepted, report.remaining), (0, 1));
    let log = w.app.interface_log(&w.admin, 10).await.expect("log");
    assert!(log[0].last_error.as_deref().is_some_and(|e| e.contains("connect")), "{:?}", log[0]);

    // The peer comes up on another port: the same queued message goes, once.
    let peer = Peer::start("ack");
    w.app.configure_hl7_routes(&w.admin, &[route("LAB", peer.port, "OML^O21")]).await.expect("routes");
    let mut client = meridian_mllp::Client::new(format!("127.0.0.1:{}", peer.port), meridian_mllp::Timeouts::default());
    let report = w.app.forward_hl7("LAB", &mut client).await.expect("forward");
    assert_eq!((report.accepted, report.remaining), (1, 0));
    assert_eq!(peer.received().len(), 1);
}
