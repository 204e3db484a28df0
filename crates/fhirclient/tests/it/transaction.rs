//! Transaction and batch Bundles: `urn:uuid:` references resolved by the server.

use meridian_fhir::{Bundle, Observation, Resource};
use meridian_fhirclient::ClientErrorKind;

use crate::{client, server};

fn bundle(json: &str) -> Bundle {
    meridian_fhir::parse(json.as_bytes()).expect("a valid Bundle")
}

#[tokio::test]
async fn a_transaction_resolves_urn_uuid_references() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let tx = bundle(
        r#"{"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"urn:uuid:6f1c0c1e-3c57-4a0b-9d7e-0a1f2b3c4d5e",
           "resource":{"resourceType":"Patient","identifier":[{"system":"http://hospital.example/mrn","value":"7001"}]},
           "request":{"method":"POST","url":"Patient"}},
          {"resource":{"resourceType":"Observation","status":"final","code":{"text":"weight"},
             "subject":{"reference":"urn:uuid:6f1c0c1e-3c57-4a0b-9d7e-0a1f2b3c4d5e"},
             "valueQuantity":{"value":72.50,"unit":"kg"}},
           "request":{"method":"POST","url":"Observation"}}]}"#,
    );
    let response = c.transaction(&tx).await.expect("transaction");
    assert_eq!(
        response.r#type.as_ref().map(|t| t.as_str()),
        Some("transaction-response")
    );
    assert_eq!(response.entry.len(), 2);
    for entry in &response.entry {
        let status = entry
            .response
            .as_ref()
            .and_then(|r| r.status.as_deref())
            .unwrap_or_default();
        assert!(status.starts_with("201"), "{status}");
    }
    let patient_id = response.entry[0]
        .resource
        .as_ref()
        .and_then(Resource::id)
        .expect("patient id")
        .to_owned();
    let obs_id = response.entry[1]
        .resource
        .as_ref()
        .and_then(Resource::id)
        .expect("observation id")
        .to_owned();
    let stored = c
        .read("Observation", &obs_id)
        .await
        .expect("read")
        .expect("stored");
    let obs: Observation = match stored.resource {
        Resource::Observation(o) => *o,
        other => panic!("expected an Observation, got {}", other.resource_type()),
    };
    assert_eq!(obs.subject_patient_id(), Some(patient_id.as_str()));
    // The decimal kept its written precision through the server.
    let json = String::from_utf8(meridian_fhir::to_json_vec(&obs).expect("json")).expect("utf8");
    assert!(json.contains("72.5"), "{json}");
}

#[tokio::test]
async fn only_transaction_and_batch_bundles_are_sent() {
    let c = client("http://127.0.0.1:9");
    let err = c
        .transaction(&bundle(r#"{"resourceType":"Bundle","type":"collection"}"#))
        .await
        .expect_err("a collection is not a transaction");
    assert!(
        matches!(err.kind, ClientErrorKind::InvalidInput { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_batch_answers_per_entry() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    let batch = bundle(
        r#"{"resourceType":"Bundle","type":"batch","entry":[
          {"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},
          {"request":{"method":"GET","url":"Patient/does-not-exist"}}]}"#,
    );
    let response = c.transaction(&batch).await.expect("batch");
    assert_eq!(
        response.r#type.as_ref().map(|t| t.as_str()),
        Some("batch-response")
    );
    let statuses: Vec<String> = response
        .entry
        .iter()
        .map(|e| {
            e.response
                .as_ref()
                .and_then(|r| r.status.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses[0].starts_with("201"), "{statuses:?}");
    assert!(statuses[1].starts_with("404"), "{statuses:?}");
}
