//! Sync against a real FHIR server (Helios `hfs`), with the server down, failing, stalling,
//! and changed on both sides.

use std::time::Duration;

use meridian_api::{ConflictChoice, RecordVitals, SaveNote, VitalEntry};
use meridian_app::sync::{FhirSync, SyncError};
use meridian_fhir::Resource;
use meridian_fhirclient::test_support::{Fault, FaultProxy, FhirServer};
use meridian_fhirclient::{Client, Endpoint};

use crate::{World, world};

fn client(base: &str) -> Client {
    Client::new(Endpoint::new(base).with_timeout(Duration::from_secs(3))).expect("client")
}

async fn server() -> FhirServer {
    FhirServer::start().await.unwrap_or_else(|e| panic!("start the FHIR server (scripts/setup installs helios-hfs): {e}"))
}

/// A patient in the care of a new physician, with a set of vitals; returns (patient, physician token).
async fn charted(w: &World) -> (String, String) {
    let p = w.patient("Offline", "Olive", "1961-04-12").await;
    let doc = w.staff("dr.sync", "physician").await;
    w.app.assign_care(&w.admin, "dr.sync", &p, "attending").await.expect("care");
    let v = |loinc: &str, value: f64, unit: &str| VitalEntry { loinc: loinc.into(), value, unit: unit.into() };
    w.app
        .record_vitals(&doc, &RecordVitals {
            patient_id: p.clone(),
            entries: vec![v("8867-4", 88.0, "/min"), v("8480-6", 141.0, "mm[Hg]"), v("8462-4", 92.0, "mm[Hg]"), v("8310-5", 37.2, "Cel")],
            effective: None,
        })
        .await
        .expect("vitals");
    (p, doc)
}

/// How many resources of a type the server holds for a patient.
async fn count_on_server(c: &Client, rtype: &str, patient: &str) -> usize {
    let param = if rtype == "Patient" { "_id" } else { "subject" };
    let value = if rtype == "Patient" { patient.to_owned() } else { format!("Patient/{patient}") };
    c.search_all(rtype, &[(param, &value)], 100).await.expect("search").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_changes_arrive_exactly_once_when_the_server_returns() {
    let w = world().await;
    let mut fhir = server().await;
    fhir.stop();
    let (p, doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&fhir.base_url), &fhir.base_url);

    let err = sync.run_once().await.expect_err("server is down");
    assert!(err.is_retryable(), "{err}");
    let status = w.app.sync_status(&doc).await.expect("status");
    assert_eq!(status.state, "offline");
    assert!(status.pending >= 4, "patient and vitals wait: {status:?}");
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("network")), "{status:?}");

    fhir.restart().await.expect("restart");
    let (pushed, _) = sync.run_once().await.expect("sync");
    assert_eq!(pushed.remaining, 0);
    let status = w.app.sync_status(&doc).await.expect("status");
    assert_eq!((status.state.as_str(), status.pending), ("online", 0));

    let c = client(&fhir.base_url);
    assert_eq!(count_on_server(&c, "Patient", &p).await, 1);
    let observations = count_on_server(&c, "Observation", &p).await;
    assert_eq!(observations, 3, "heart rate, BP panel, temperature");

    // Again: nothing new is sent and nothing is duplicated.
    let (pushed, pulled) = sync.run_once().await.expect("sync again");
    assert_eq!((pushed.sent, pulled.applied, pulled.conflicts), (0, 0, 0));
    assert_eq!(count_on_server(&c, "Observation", &p).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_changed_on_both_sides_waits_for_a_person_then_both_agree() {
    let w = world().await;
    let fhir = server().await;
    let (p, doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&fhir.base_url), &fhir.base_url);
    let draft = w
        .app
        .save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Progress".into(), text: "Feels better.".into() })
        .await
        .expect("draft");
    sync.run_once().await.expect("first sync");

    // Someone edits the note on the server; the physician edits it here.
    let c = client(&fhir.base_url);
    let there = c.read("DocumentReference", &draft.id).await.expect("read").expect("on the server");
    let mut json = serde_json::to_value(&there.resource).expect("json");
    json["description"] = serde_json::json!("Edited in the hospital EHR");
    let edited = meridian_fhir::parse_resource(&serde_json::to_vec(&json).expect("bytes")).expect("resource");
    c.update(&edited, there.version_id.as_deref()).await.expect("server edit");
    let mine = w
        .app
        .save_note(&doc, &SaveNote { patient_id: p.clone(), id: Some(draft.id.clone()), base_version: Some(draft.version), title: "Progress".into(), text: "Feels better; walking.".into() })
        .await
        .expect("local edit");

    let (pushed, pulled) = sync.run_once().await.expect("sync");
    assert_eq!(pushed.conflicts + pulled.conflicts, 1, "{pushed:?} {pulled:?}");
    assert_eq!(w.app.sync_status(&doc).await.expect("status").conflicts, 1);
    let conflicts = w.app.patient_conflicts(&doc, &p).await.expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let shown = &conflicts[0];
    assert_eq!(shown.resource_type, "DocumentReference");
    assert_eq!(shown.kind, "Note");
    let description = shown.fields.iter().find(|f| f.path == "description").expect("the server's edit is shown");
    assert_eq!(description.label, "Title");
    let text = shown.fields.iter().find(|f| f.label == "Note text").expect("the note's words, decoded");
    assert!(text.local.as_deref().is_some_and(|t| t.contains("walking")), "{:?}", text.local.as_deref().map(str::len));
    assert_eq!((description.local.as_deref(), description.server.as_deref()), (Some("Progress"), Some("Edited in the hospital EHR")));
    assert!(shown.fields.iter().any(|f| f.path.starts_with("content[0]")), "the local edit is shown");

    // Nothing was overwritten on either side while the conflict is open.
    sync.run_once().await.expect("sync while open");
    let there = c.read("DocumentReference", &draft.id).await.expect("read").expect("there");
    assert!(serde_json::to_string(&there.resource).expect("json").contains("Edited in the hospital EHR"));
    assert_eq!(w.app.note(&doc, &draft.id).await.expect("note").text, "Feels better; walking.");

    // The physician keeps the local version: the server gets it, and both sides agree.
    w.app.resolve_conflict(&doc, shown.id, ConflictChoice::KeepLocal).await.expect("resolve");
    let (pushed, _) = sync.run_once().await.expect("sync after resolving");
    assert_eq!((pushed.remaining, pushed.conflicts), (0, 0));
    let there = c.read("DocumentReference", &draft.id).await.expect("read").expect("there");
    let local = w.app.note(&doc, &draft.id).await.expect("note");
    assert_eq!(local.version, mine.version);
    assert!(!serde_json::to_string(&there.resource).expect("json").contains("Edited in the hospital EHR"));
    assert_eq!(w.app.sync_status(&doc).await.expect("status").conflicts, 0);
    let trail = w.app.export_audit(&w.admin, 0, 10_000).await.expect("audit");
    assert!(trail.iter().any(|e| e.to_string().contains("resolve-sync-conflict")), "the choice is in the audit trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_the_servers_version_replaces_the_local_one() {
    let w = world().await;
    let fhir = server().await;
    let (p, doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&fhir.base_url), &fhir.base_url);
    let draft = w
        .app
        .save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Plan".into(), text: "Start metformin.".into() })
        .await
        .expect("draft");
    sync.run_once().await.expect("sync");
    let c = client(&fhir.base_url);
    let there = c.read("DocumentReference", &draft.id).await.expect("read").expect("there");
    let mut json = serde_json::to_value(&there.resource).expect("json");
    json["description"] = serde_json::json!("Reviewed by pharmacy");
    c.update(&meridian_fhir::parse_resource(&serde_json::to_vec(&json).expect("b")).expect("r"), there.version_id.as_deref()).await.expect("edit");
    w.app
        .save_note(&doc, &SaveNote { patient_id: p.clone(), id: Some(draft.id.clone()), base_version: Some(draft.version), title: "Plan".into(), text: "Start metformin 500 mg.".into() })
        .await
        .expect("local edit");
    sync.run_once().await.expect("sync");
    let conflict = w.app.patient_conflicts(&doc, &p).await.expect("conflicts").remove(0);
    w.app.resolve_conflict(&doc, conflict.id, ConflictChoice::TakeServer).await.expect("resolve");
    sync.run_once().await.expect("sync");
    assert_eq!(w.app.note(&doc, &draft.id).await.expect("note").text, "Start metformin.");
    let status = w.app.sync_status(&doc).await.expect("status");
    assert_eq!((status.pending, status.conflicts), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_drops_and_stalls_lose_and_duplicate_nothing() {
    let w = world().await;
    let fhir = server().await;
    let proxy = FaultProxy::start(&fhir.base_url).await.expect("proxy");
    let (p, _doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&proxy.base_url), &proxy.base_url);
    let mut failures = Vec::new();
    for fault in [Fault::Status(500), Fault::Status(503), Fault::Status(429), Fault::Drop, Fault::Stall, Fault::Status(502)] {
        proxy.set(fault, 1);
        match sync.run_once().await {
            Err(SyncError::Server(e)) => {
                assert!(e.is_retryable(), "{fault:?}: {e}");
                failures.push(fault);
            }
            Err(e) => panic!("{fault:?}: {e}"),
            Ok(_) => {}
        }
    }
    assert!(failures.len() >= 5, "each fault hit a request: {failures:?}");
    proxy.set_always(Fault::PassThrough);
    let (pushed, _) = sync.run_once().await.expect("sync");
    assert_eq!(pushed.remaining, 0);
    let c = client(&fhir.base_url);
    assert_eq!(count_on_server(&c, "Patient", &p).await, 1);
    assert_eq!(count_on_server(&c, "Observation", &p).await, 3);
    for r in c.search_all("Observation", &[("subject", &format!("Patient/{p}"))], 10).await.expect("search") {
        assert!(matches!(r, Resource::Observation(_)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_on_the_server_are_pulled_into_the_chart() {
    let w = world().await;
    let fhir = server().await;
    let (p, doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&fhir.base_url), &fhir.base_url);
    sync.run_once().await.expect("sync");
    let c = client(&fhir.base_url);
    let obs = serde_json::json!({
        "resourceType": "Observation", "id": "lab-from-hospital", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
        "subject": {"reference": format!("Patient/{p}")},
        "effectiveDateTime": "2026-11-29T08:00:00Z",
        "valueQuantity": {"value": 182, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
    });
    c.update(&meridian_fhir::parse_resource(&serde_json::to_vec(&obs).expect("b")).expect("r"), None).await.expect("server write");
    let (_, pulled) = sync.run_once().await.expect("sync");
    assert_eq!(pulled.applied, 1, "{pulled:?}");
    let trend = w.app.observation_trend(&doc, &p, "2345-7", 10).await.expect("trend");
    assert_eq!(trend.len(), 1);
    assert_eq!(trend[0].value, Some(182.0));
    // Pulled records are not echoed back.
    let (pushed, pulled) = sync.run_once().await.expect("sync");
    assert_eq!((pushed.sent, pulled.applied), (0, 0));
}

/// A push whose answer was lost, then a further local edit before the next push: the server
/// holds the earlier local version. That is this workstation's own write, not someone else's
/// change, so the next push sends the edit without asking a person (for a record the server
/// already had, and for one it first received in the lost push).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_before_a_further_edit_is_not_a_conflict() {
    let w = world().await;
    let fhir = server().await;
    let proxy = FaultProxy::start(&fhir.base_url).await.expect("proxy");
    let (p, doc) = charted(&w).await;
    let sync = FhirSync::new(w.app.clone(), client(&proxy.base_url), &proxy.base_url);
    let c = client(&fhir.base_url);
    let note = |id: Option<&str>, base: Option<i64>, text: &str| SaveNote {
        patient_id: p.clone(),
        id: id.map(str::to_owned),
        base_version: base,
        title: "Progress".into(),
        text: text.into(),
    };
    let on_server = async |id: &str| c.read("DocumentReference", id).await.expect("read").map(|v| serde_json::to_string(&v.resource).expect("json")).unwrap_or_default();
    let synced = w.app.save_note(&doc, &note(None, None, "Day 1.")).await.expect("draft");
    sync.run_once().await.expect("first sync");

    // An edit of a synced note is written there, its answer lost; then it is edited again here.
    let edited = w.app.save_note(&doc, &note(Some(&synced.id), Some(synced.version), "Day 1; walking.")).await.expect("edit");
    proxy.set(Fault::DropAnswer, 1);
    let err = sync.run_once().await.expect_err("the answer was lost");
    assert!(err.is_retryable(), "{err}");
    assert!(on_server(&synced.id).await.contains(&base64("Day 1; walking.")), "the lost push was written there");
    w.app.save_note(&doc, &note(Some(&synced.id), Some(edited.version), "Day 1; walking; eating.")).await.expect("edit again");
    let (pushed, pulled) = sync.run_once().await.expect("sync");
    assert_eq!((pushed.sent, pushed.conflicts, pulled.conflicts, pushed.remaining), (1, 0, 0, 0), "{pushed:?} {pulled:?}");

    // A new note reaches the server in a push whose answer is lost; then it is edited here.
    let fresh = w.app.save_note(&doc, &note(None, None, "Night: slept.")).await.expect("new draft");
    proxy.set(Fault::DropAnswer, 1);
    sync.run_once().await.expect_err("the answer was lost");
    assert!(on_server(&fresh.id).await.contains(&base64("Night: slept.")), "the lost push was written there");
    w.app.save_note(&doc, &note(Some(&fresh.id), Some(fresh.version), "Night: slept well.")).await.expect("edit new");
    let (pushed, pulled) = sync.run_once().await.expect("sync");
    assert_eq!((pushed.sent, pushed.conflicts, pulled.conflicts, pushed.remaining), (1, 0, 0, 0), "{pushed:?} {pulled:?}");

    assert_eq!(w.app.sync_status(&doc).await.expect("status").conflicts, 0);
    for (id, text) in [(&synced.id, "Day 1; walking; eating."), (&fresh.id, "Night: slept well.")] {
        assert!(on_server(id).await.contains(&base64(text)), "the server holds the latest edit");
        assert_eq!(w.app.note(&doc, id).await.expect("note").text, text, "the local note is unchanged");
    }
}

fn base64(text: &str) -> String {
    use base64ct::Encoding as _;
    base64ct::Base64::encode_string(text.as_bytes())
}
