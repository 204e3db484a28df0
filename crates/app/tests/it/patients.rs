use meridian_app::AppError;
use meridian_domain::event::DomainEvent;

use crate::{registration, world};

#[tokio::test]
async fn registration_warns_of_likely_duplicates() {
    let w = world().await;
    let nurse = w.staff("reg.nurse", "nurse").await;
    let mut first = registration("Sharma", "Anita", "1980-05-02");
    first.phone = Some("+91 98450 12345".into());
    let a = w.app.register_patient(&nurse, &first).await.unwrap().patient.unwrap();
    assert!(a.mrn.as_deref().is_some_and(|m| m.starts_with("MRN")));

    // A typo in the family name and day/month swapped: held back with the candidate shown.
    let mut again = registration("Sharmaa", "Anita", "1980-02-05");
    again.phone = Some("+91 98450 12345".into());
    let held = w.app.register_patient(&nurse, &again).await.unwrap();
    assert!(held.patient.is_none());
    let events = w.app.export_audit(&w.admin, 0, 1000).await.unwrap();
    assert!(events.iter().any(|e| e["outcomeDesc"].as_str().is_some_and(|d| d.contains(&a.id))), "the candidates shown are not in the trail");
    assert_eq!(held.duplicates.first().map(|d| d.patient.id.clone()), Some(a.id.clone()));
    assert!(!held.duplicates[0].evidence.is_empty());
    // Confirmed, it registers.
    again.confirmed_not_duplicate = true;
    assert!(w.app.register_patient(&nurse, &again).await.unwrap().patient.is_some());

    // Someone else entirely passes straight through.
    let other = w.app.register_patient(&nurse, &registration("Okafor", "Chidi", "1991-11-20")).await.unwrap();
    assert!(other.patient.is_some() && other.duplicates.is_empty());
}

#[tokio::test]
async fn bad_registration_input_gets_specific_errors() {
    let w = world().await;
    let nurse = w.staff("reg.nurse", "nurse").await;
    let cases: Vec<(Box<dyn Fn(&mut meridian_api::RegisterPatient)>, &str)> = vec![
        (Box::new(|r| r.birth_date = "2023-02-30".into()), "does not exist"),
        (Box::new(|r| r.birth_date = "01/02/2003".into()), "YYYY-MM-DD"),
        (Box::new(|r| r.birth_date = "2100-01-01".into()), "future"),
        (Box::new(|r| r.family = "   ".into()), "family name is required"),
        (Box::new(|r| r.family = "x".repeat(500)), "too long"),
        (Box::new(|r| r.sex = "f".into()), "sex must be"),
        (Box::new(|r| r.abha = Some("12-3456-789".into())), "ABHA number"),
        (Box::new(|r| r.mrn = Some("MRN 12".into())), "MRN"),
    ];
    for (mutate, expect) in cases {
        let mut r = registration("Valid", "Vera", "1975-03-04");
        mutate(&mut r);
        match w.app.register_patient(&nurse, &r).await {
            Err(AppError::Validation(m)) => assert!(m.contains(expect), "{m:?} should mention {expect:?}"),
            other => panic!("expected a validation error mentioning {expect:?}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn abha_check_digit_failure_warns_but_registers() {
    let w = world().await;
    let nurse = w.staff("reg.nurse", "nurse").await;
    let mut r = registration("Iyer", "Lakshmi", "1960-08-15");
    r.abha = Some("91-2345-6789-0120".into());
    let reg = w.app.register_patient(&nurse, &r).await.unwrap();
    let p = reg.patient.unwrap();
    let valid = meridian_domain::identifier::AbhaNumber::parse("91-2345-6789-0120").unwrap().checksum_ok();
    assert_eq!(reg.warnings.is_empty(), valid);
    // Found by ABHA number with or without hyphens.
    assert_eq!(w.app.search_patients(&nurse, "91234567890120").await.unwrap()[0].id, p.id);
    assert_eq!(w.app.search_patients(&nurse, "91-2345-6789-0120").await.unwrap()[0].id, p.id);
}

#[tokio::test]
async fn search_by_name_prefix_birth_date_and_mrn() {
    let w = world().await;
    let a = w.patient("Fernandes", "Maria", "1955-12-01").await;
    let _b = w.patient("Fernando", "Luis", "1988-04-09").await;
    let nurse = w.staff("searcher", "nurse").await;
    let hits = w.app.search_patients(&nurse, "fern").await.unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].display_name, "FERNANDES, Maria");
    assert_eq!(w.app.search_patients(&nurse, "fern mar").await.unwrap().len(), 1);
    let h = w.patient("Al-Farsi", "Leila", "2013-05-12").await;
    assert_eq!(w.app.search_patients(&nurse, "al-farsi").await.unwrap()[0].id, h);
    assert_eq!(w.app.search_patients(&nurse, "farsi lei").await.unwrap()[0].id, h);
    assert_eq!(w.app.search_patients(&nurse, "01/12/1955").await.unwrap()[0].id, a);
    let mrn = w.app.search_patients(&nurse, "fernandes").await.unwrap()[0].mrn.clone().unwrap();
    assert_eq!(w.app.search_patients(&nurse, &mrn.to_lowercase()).await.unwrap()[0].id, a);
}

#[tokio::test]
async fn merge_keeps_both_histories_and_raises_the_event() {
    let w = world().await;
    let survivor = w.patient("Mehta", "Ravi", "1972-06-30").await;
    let registrar = crate::login(&w.app, "reg.mehta").await;
    let mut again = registration("Mehtaa", "Ravi", "1972-06-30");
    again.confirmed_not_duplicate = true;
    let dup = w.app.register_patient(&registrar, &again).await.unwrap().patient.unwrap().id;
    let iface = w.app.interface_session().await.unwrap();
    let obs = format!(
        r#"{{"resourceType":"Observation","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}}]}}],"code":{{"coding":[{{"system":"http://loinc.org","code":"2823-3"}}]}},"subject":{{"reference":"Patient/{dup}"}},"effectiveDateTime":"2026-11-01T08:00:00Z","valueQuantity":{{"value":4.1,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}}}"#
    );
    w.app.import_resource(&iface, obs.as_bytes()).await.unwrap();
    let mut events = w.app.events().subscribe();
    let nurse = w.staff("nurse.m", "nurse").await;
    assert!(matches!(w.app.merge_patients(&nurse, &survivor, &dup).await, Err(AppError::Forbidden { .. })));
    w.app.merge_patients(&w.admin, &survivor, &dup).await.unwrap();
    let mut merged_event = false;
    while let Ok(e) = events.try_recv() {
        merged_event |= e == DomainEvent::PatientsMerged { surviving_id: survivor.clone(), merged_id: dup.clone() };
    }
    assert!(merged_event);
    // The merged record no longer shows in search; the survivor's chart shows its result.
    let hits = w.app.search_patients(&nurse, "mehta ravi").await.unwrap();
    assert_eq!(hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), [survivor.clone()]);
    let doc = w.staff("doc.m", "physician").await;
    w.app.assign_care(&w.admin, "doc.m", &survivor, "attending").await.unwrap();
    let chart = w.app.chart_summary(&doc, &survivor).await.unwrap();
    assert_eq!(chart.recent_labs.len(), 1);
    assert!(matches!(w.app.merge_patients(&w.admin, &survivor, &dup).await, Err(AppError::Validation(_))));
    let admin = crate::login(&w.app, "admin").await;
    let trail = w.app.patient_audit(&admin, &survivor, 100).await.unwrap();
    assert!(trail.iter().any(|r| r.action == "merge-patients" && r.outcome == "success" && r.detail.as_deref() == Some(format!("merged:{dup}").as_str())));
}
