use meridian_pacs::test_support::MERIDIAN_AET;
use meridian_pacs::{DicomWebClient, DimsePeer, PacsErrorKind, StudyQuery, WebOptions};

use crate::{Label, essence, relabelled, start_orthanc};

fn peer(orthanc: &meridian_pacs::test_support::Orthanc) -> DimsePeer {
    DimsePeer::new(orthanc.dicom_address(), orthanc.aet(), MERIDIAN_AET)
}

#[test]
fn c_echo_succeeds() {
    let orthanc = start_orthanc();
    peer(&orthanc).echo().expect("echo");
}

#[test]
fn a_wrong_called_ae_title_is_rejected() {
    let orthanc = start_orthanc();
    let mut p = peer(&orthanc);
    p.called_ae_title = "NOT-ORTHANC".into();
    let err = p.echo().expect_err("rejected");
    assert!(
        matches!(err.kind, PacsErrorKind::AssociationRejected { .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn c_store_then_c_find_finds_the_study_and_its_series() {
    let orthanc = start_orthanc();
    let p = peer(&orthanc);
    let study = "1.2.826.0.1.3680043.8.498.2001";
    let ct = relabelled(
        "CT_small.dcm",
        &Label::new(
            "MRD-DIMSE-1",
            study,
            "1.2.826.0.1.3680043.8.498.2001.1",
            "1.2.826.0.1.3680043.8.498.2001.1.1",
        ),
    );
    let mr = relabelled(
        "MR_small.dcm",
        &Label::new(
            "MRD-DIMSE-1",
            study,
            "1.2.826.0.1.3680043.8.498.2001.2",
            "1.2.826.0.1.3680043.8.498.2001.2.1",
        ),
    );
    let outcome = p.store(&[&ct, &mr]).expect("c-store");
    assert_eq!(outcome.stored, [0, 1]);
    assert_eq!(outcome.failed, []);

    let studies = p
        .find_studies(&StudyQuery::by_patient_id("MRD-DIMSE-1"))
        .expect("c-find");
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].study_instance_uid, study);
    assert_eq!(studies[0].patient_id.as_deref(), Some("MRD-DIMSE-1"));
    assert_eq!(studies[0].number_of_series, Some(2));
    let mut modalities = studies[0].modalities.clone();
    modalities.sort();
    assert_eq!(modalities, ["CT", "MR"]);
    assert_eq!(
        p.find_studies(&StudyQuery::by_patient_id("MRD-NOBODY"))
            .expect("c-find"),
        []
    );

    let mut series = p.find_series(study).expect("c-find series");
    series.sort_by(|a, b| a.series_instance_uid.cmp(&b.series_instance_uid));
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].modality.as_deref(), Some("CT"));
    assert_eq!(series[1].number_of_instances, Some(1));
    assert_eq!(p.find_series("1.2.3.4.5.6.7").expect("c-find unknown"), []);
}

#[tokio::test]
async fn a_limit_stops_c_find_and_qido_early() {
    let orthanc = start_orthanc();
    let p = peer(&orthanc);
    let files: Vec<Vec<u8>> = (1..=3)
        .map(|i| {
            let study = format!("1.2.826.0.1.3680043.8.498.2004.{i}");
            relabelled(
                "MR_small.dcm",
                &Label::new(
                    "MRD-LIMIT",
                    &study,
                    &format!("{study}.1"),
                    &format!("{study}.1.1"),
                ),
            )
        })
        .collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    assert_eq!(p.store(&refs).expect("c-store").stored, [0, 1, 2]);
    let mut query = StudyQuery::by_patient_id("MRD-LIMIT");
    assert_eq!(p.find_studies(&query).expect("c-find").len(), 3);
    query.limit = Some(2);
    assert_eq!(p.find_studies(&query).expect("c-find with limit").len(), 2);
    // The association was aborted after the limit; the next one works.
    p.echo().expect("echo after abort");
    let web = DicomWebClient::new(&orthanc.dicomweb_url(), WebOptions::default()).expect("client");
    assert_eq!(
        web.search_studies(&query)
            .await
            .expect("qido with limit")
            .len(),
        2
    );
}

#[tokio::test]
async fn compressed_instances_sent_by_c_store_come_back_over_wado_unchanged() {
    let orthanc = start_orthanc();
    let p = peer(&orthanc);
    let study = "1.2.826.0.1.3680043.8.498.2002";
    let series = "1.2.826.0.1.3680043.8.498.2002.1";
    let names = [
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small.dcm",
        "JPEG2000.dcm",
    ];
    let files: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            relabelled(
                n,
                &Label::new("MRD-DIMSE-2", study, series, &format!("{series}.{}", i + 1)),
            )
        })
        .collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let outcome = p
        .store(&refs)
        .expect("c-store in each file's transfer syntax");
    assert_eq!(outcome.stored, [0, 1, 2, 3], "{outcome:?}");

    let web = DicomWebClient::new(&orthanc.dicomweb_url(), WebOptions::default()).expect("client");
    let back = web.retrieve_series(study, series).await.expect("wado");
    let mut got: Vec<_> = back.iter().map(|f| essence(f)).collect();
    let mut want: Vec<_> = files.iter().map(|f| essence(f)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn c_get_brings_back_a_mixed_transfer_syntax_study_unchanged() {
    let orthanc = start_orthanc();
    let p = peer(&orthanc);
    let study = "1.2.826.0.1.3680043.8.498.2003";
    let series = "1.2.826.0.1.3680043.8.498.2003.1";
    let names = [
        "CT_small.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "JPEG2000.dcm",
    ];
    let files: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            relabelled(
                n,
                &Label::new("MRD-GET-1", study, series, &format!("{series}.{}", i + 1)),
            )
        })
        .collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    assert_eq!(p.store(&refs).expect("c-store").stored.len(), 4);

    let got = p
        .get_study(study, meridian_pacs::DEFAULT_GET_SOP_CLASSES, 64 << 20)
        .expect("c-get");
    assert_eq!((got.counts.completed, got.counts.failed), (4, 0));
    let mut got: Vec<_> = got.instances.iter().map(|i| essence(&i.file)).collect();
    let mut want: Vec<_> = files.iter().map(|f| essence(f)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "same UIDs, transfer syntaxes and pixel data");

    let err = p
        .get_study(study, meridian_pacs::DEFAULT_GET_SOP_CLASSES, 1024)
        .expect_err("limit");
    assert_eq!(err.kind, PacsErrorKind::TooLarge { limit: 1024 });
}
