use meridian_api::{RecordVitals, SaveNote, VitalEntry};
use meridian_app::AppError;
use meridian_domain::event::DomainEvent;

use crate::world;

fn v(loinc: &str, value: f64, unit: &str) -> VitalEntry {
    VitalEntry { loinc: loinc.into(), value, unit: unit.into() }
}

#[tokio::test]
async fn vitals_are_checked_flagged_and_trend() {
    let w = world().await;
    let p = w.patient("Vital", "Vic", "1950-01-01").await;
    let nurse = crate::login(&w.app, "reg.vital").await;
    let mut events = w.app.events().subscribe();
    let rows = w
        .app
        .record_vitals(&nurse, &RecordVitals {
            patient_id: p.clone(),
            entries: vec![v("8867-4", 128.0, "bpm"), v("8480-6", 182.0, "mmHg"), v("8462-4", 95.0, "mm[Hg]"), v("8310-5", 101.3, "[degF]")],
            effective: None,
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "heart rate, temperature, one BP panel");
    let bp = rows.iter().find(|r| r.loinc.as_deref() == Some("85354-9")).unwrap();
    assert_eq!(bp.value_text.as_deref(), Some("182/95"));
    assert_eq!(bp.flag.as_deref(), Some("H"));
    let temp = rows.iter().find(|r| r.loinc.as_deref() == Some("8310-5")).unwrap();
    assert_eq!(temp.value, Some(38.5));
    assert_eq!(temp.unit.as_deref(), Some("Cel"));
    assert!(matches!(events.try_recv(), Ok(DomainEvent::ObservationRecorded { .. })));

    for (entries, expect) in [
        (vec![v("8867-4", 72.0, "mg/dL")], "unit"),
        (vec![v("8867-4", 720.0, "/min")], "possible range"),
        (vec![v("8480-6", 120.0, "mm[Hg]")], "both systolic and diastolic"),
        (vec![v("2345-7", 90.0, "mg/dL")], "laboratory test"),
        (vec![v("0000-0", 1.0, "/min")], "unknown observation code"),
    ] {
        match w.app.record_vitals(&nurse, &RecordVitals { patient_id: p.clone(), entries, effective: None }).await {
            Err(AppError::Validation(m)) => assert!(m.contains(expect), "{m} / {expect}"),
            other => panic!("{other:?}"),
        }
    }
    w.clock.advance_secs(3600);
    let nurse = crate::login(&w.app, "reg.vital").await;
    w.app.record_vitals(&nurse, &RecordVitals { patient_id: p.clone(), entries: vec![v("8867-4", 88.0, "/min")], effective: None }).await.unwrap();
    let trend = w.app.observation_trend(&nurse, &p, "8867-4", 10).await.unwrap();
    assert_eq!(trend.iter().map(|r| r.value).collect::<Vec<_>>(), [Some(88.0), Some(128.0)]);
    let chart = w.app.chart_summary(&nurse, &p).await.unwrap();
    assert_eq!(chart.latest_vitals.iter().find(|r| r.loinc.as_deref() == Some("8867-4")).unwrap().value, Some(88.0));
    assert_eq!(chart.banner.allergy_status, "unknown");
}

#[tokio::test]
async fn signed_notes_are_immutable_and_take_addenda() {
    let w = world().await;
    let p = w.patient("Note", "Nora", "1961-01-01").await;
    let doc = w.staff("dr.note", "physician").await;
    w.app.assign_care(&w.admin, "dr.note", &p, "attending").await.unwrap();
    let draft = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Progress".into(), text: "S: well\nO: afebrile".into() }).await.unwrap();
    let draft = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: Some(draft.id.clone()), base_version: Some(draft.version), title: "Progress".into(), text: "S: well\nO: afebrile\nP: home".into() }).await.unwrap();
    assert_eq!(draft.version, 2);
    // A stale base version is a conflict.
    let stale = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: Some(draft.id.clone()), base_version: Some(1), title: "Progress".into(), text: "lost?".into() }).await;
    assert!(matches!(stale, Err(AppError::Conflict(_))));
    // Nurses write but do not sign.
    let nurse = crate::login(&w.app, "reg.note").await;
    assert!(matches!(w.app.sign_note(&nurse, &draft.id, draft.version).await, Err(AppError::Forbidden { .. })));
    let signed = w.app.sign_note(&doc, &draft.id, draft.version).await.unwrap();
    assert_eq!(signed.status, "signed");
    assert_eq!(signed.text, "S: well\nO: afebrile\nP: home");
    let edit = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: Some(draft.id.clone()), base_version: Some(signed.version), title: "Progress".into(), text: "changed".into() }).await;
    assert!(matches!(edit, Err(AppError::SignedImmutable)), "{edit:?}");
    assert_eq!(w.app.note(&doc, &draft.id).await.unwrap().text, "S: well\nO: afebrile\nP: home");
    let add = w.app.add_addendum(&doc, &draft.id, "Potassium came back normal.").await.unwrap();
    assert_eq!(add.addendum_to.as_deref(), Some(draft.id.as_str()));
    assert_eq!(w.app.notes(&doc, &p).await.unwrap().len(), 2);
    // The failed edit is in the audit trail.
    let trail = w.app.patient_audit(&w.admin, &p, 100).await.unwrap();
    assert!(trail.iter().any(|r| r.action == "write-note" && r.outcome == "failed" && r.detail.as_deref() == Some("signed-immutable")));
    // Oversize and control characters are refused.
    let big = "x".repeat(300 * 1024);
    assert!(matches!(w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Big".into(), text: big }).await, Err(AppError::Validation(m)) if m.contains("too long")));
}

#[tokio::test]
async fn ward_list_shows_when_vitals_are_due() {
    let w = world().await;
    let p = w.patient("Ward", "Wanda", "1944-04-04").await;
    let nurse = crate::login(&w.app, "reg.ward").await;
    let list = w.app.my_patients(&nurse).await.unwrap();
    assert!(list[0].vitals_due && list[0].last_vitals.is_none());
    w.app.record_vitals(&nurse, &RecordVitals { patient_id: p.clone(), entries: vec![v("8867-4", 70.0, "/min")], effective: None }).await.unwrap();
    let list = w.app.my_patients(&nurse).await.unwrap();
    assert!(!list[0].vitals_due && list[0].last_vitals.is_some());
    w.clock.advance_secs(9 * 3600);
    let nurse = crate::login(&w.app, "reg.ward").await;
    assert!(w.app.my_patients(&nurse).await.unwrap()[0].vitals_due);
}

#[tokio::test]
async fn a_signed_note_cannot_be_replaced_by_import_either() {
    let w = world().await;
    let p = w.patient("Import", "Ida", "1966-06-06").await;
    let doc = w.staff("dr.imp", "physician").await;
    w.app.assign_care(&w.admin, "dr.imp", &p, "attending").await.unwrap();
    let n = w.app.save_note(&doc, &SaveNote { patient_id: p.clone(), id: None, base_version: None, title: "Progress".into(), text: "original".into() }).await.unwrap();
    w.app.sign_note(&doc, &n.id, n.version).await.unwrap();
    let iface = w.app.interface_session().await.unwrap();
    let forged = format!(r#"{{"resourceType":"DocumentReference","id":"{}","status":"current","docStatus":"preliminary","subject":{{"reference":"Patient/{p}"}},"content":[{{"attachment":{{"contentType":"text/plain","data":"Zm9yZ2Vk"}}}}]}}"#, n.id);
    assert!(matches!(w.app.import_resource(&iface, forged.as_bytes()).await, Err(AppError::SignedImmutable)));
    assert_eq!(w.app.note(&doc, &n.id).await.unwrap().text, "original");
}

#[tokio::test]
async fn encounters_are_listed_newest_first() {
    let w = world().await;
    let p = w.patient("Visit", "Vera", "1959-09-09").await;
    let iface = w.app.interface_session().await.unwrap();
    for (id, start, class) in [("enc-a", "2025-01-05T09:00:00+05:30", "AMB"), ("enc-b", "2026-03-01T22:15:00Z", "EMER")] {
        let e = format!(r#"{{"resourceType":"Encounter","id":"{id}","status":"finished","class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"{class}"}},"subject":{{"reference":"Patient/{p}"}},"period":{{"start":"{start}"}},"reasonCode":[{{"text":"chest pain"}}]}}"#);
        w.app.import_resource(&iface, e.as_bytes()).await.unwrap();
    }
    let nurse = crate::login(&w.app, "reg.visit").await;
    let list = w.app.encounters(&nurse, &p).await.unwrap();
    assert_eq!(list.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["enc-b", "enc-a"]);
    assert_eq!(list[0].class.as_deref(), Some("EMER"));
    assert_eq!(list[0].reason.as_deref(), Some("chest pain"));
    let clerk = w.staff("clerk.v", "billing-clerk").await;
    assert!(matches!(w.app.encounters(&clerk, &p).await, Err(AppError::Forbidden { .. })));
}
