use meridian_pacs::{DicomDate, DicomWebClient, StudyQuery, WebOptions};

use crate::{Label, essence, relabelled, start_orthanc};

const STUDY: &str = "1.2.826.0.1.3680043.8.498.1001";

fn client(orthanc: &meridian_pacs::test_support::Orthanc) -> DicomWebClient {
    DicomWebClient::new(&orthanc.dicomweb_url(), WebOptions::default()).expect("client")
}

#[tokio::test]
async fn stow_then_qido_finds_the_study_by_patient_id_and_wado_returns_it_unchanged() {
    let orthanc = start_orthanc();
    let pacs = client(&orthanc);
    let ct = relabelled(
        "CT_small.dcm",
        &Label::new(
            "MRD-WEB-1",
            STUDY,
            "1.2.826.0.1.3680043.8.498.1001.1",
            "1.2.826.0.1.3680043.8.498.1001.1.1",
        ),
    );
    let mr = relabelled(
        "MR_small.dcm",
        &Label::new(
            "MRD-WEB-1",
            STUDY,
            "1.2.826.0.1.3680043.8.498.1001.2",
            "1.2.826.0.1.3680043.8.498.1001.2.1",
        ),
    );

    let outcome = pacs.store(&[&ct, &mr]).await.expect("stow");
    assert_eq!(outcome.failed, []);
    assert_eq!(outcome.stored.len(), 2);

    let studies = pacs
        .search_studies(&StudyQuery::by_patient_id("MRD-WEB-1"))
        .await
        .expect("qido");
    assert_eq!(studies.len(), 1);
    let study = &studies[0];
    assert_eq!(study.study_instance_uid, STUDY);
    assert_eq!(study.patient_id.as_deref(), Some("MRD-WEB-1"));
    // The two files carry different study dates; Orthanc keeps one of them.
    assert!(
        [DicomDate::new(2004, 1, 19), DicomDate::new(2004, 8, 26)].contains(&study.study_date),
        "{:?}",
        study.study_date
    );
    let mut modalities = study.modalities.clone();
    modalities.sort();
    assert_eq!(modalities, ["CT", "MR"]);
    assert_eq!(study.number_of_series, Some(2));
    assert_eq!(study.number_of_instances, Some(2));

    // Another patient's ID finds nothing.
    let none = pacs
        .search_studies(&StudyQuery::by_patient_id("MRD-NOBODY"))
        .await
        .expect("qido");
    assert_eq!(none, []);

    // Date range and name wildcard.
    let by_year = |year| StudyQuery {
        study_date: DicomDate::new(year, 1, 1).zip(DicomDate::new(year, 12, 31)),
        ..StudyQuery::default()
    };
    let by_date = pacs
        .search_studies(&by_year(2004))
        .await
        .expect("qido by date");
    assert_eq!(by_date.len(), 1);
    let by_date = pacs
        .search_studies(&by_year(2005))
        .await
        .expect("qido by date");
    assert_eq!(by_date, []);
    let by_name = pacs
        .search_studies(&StudyQuery {
            patient_name: Some("CompressedSamples*".into()),
            ..StudyQuery::default()
        })
        .await
        .expect("qido by name");
    assert_eq!(by_name.len(), 1);

    let mut series = pacs.search_series(STUDY).await.expect("series");
    series.sort_by(|a, b| a.series_instance_uid.cmp(&b.series_instance_uid));
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].modality.as_deref(), Some("CT"));
    assert_eq!(series[1].modality.as_deref(), Some("MR"));
    assert_eq!(series[0].study_instance_uid, STUDY);

    let instances = pacs
        .search_instances(STUDY, &series[0].series_instance_uid)
        .await
        .expect("instances");
    assert_eq!(instances.len(), 1);
    assert_eq!(
        instances[0].sop_instance_uid,
        "1.2.826.0.1.3680043.8.498.1001.1.1"
    );
    assert_eq!(
        instances[0].sop_class_uid.as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.2")
    );

    let back = pacs
        .retrieve_instance(
            STUDY,
            &series[0].series_instance_uid,
            &instances[0].sop_instance_uid,
        )
        .await
        .expect("wado instance");
    assert_eq!(back, ct, "Orthanc returns the stored file byte for byte");

    let mut all = pacs.retrieve_study(STUDY).await.expect("wado study");
    all.sort_by_key(Vec::len);
    let mut expected = vec![ct.clone(), mr.clone()];
    expected.sort_by_key(Vec::len);
    assert_eq!(all, expected);

    let metadata = pacs.retrieve_metadata(STUDY).await.expect("metadata");
    assert_eq!(metadata.len(), 2);
    for m in &metadata {
        assert_eq!(m["0020000D"]["Value"][0], STUDY);
        assert!(
            m.get("7FE00010")
                .is_none_or(|p| p.get("InlineBinary").is_none()),
            "no inline pixel data"
        );
    }
    let rows: Vec<_> = metadata
        .iter()
        .map(|m| m["00280010"]["Value"][0].clone())
        .collect();
    assert!(
        rows.contains(&serde_json::json!(128)) && rows.contains(&serde_json::json!(64)),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_compressed_study_mixing_transfer_syntaxes_round_trips_over_dicomweb() {
    let orthanc = start_orthanc();
    let pacs = client(&orthanc);
    let study = "1.2.826.0.1.3680043.8.498.1002";
    let sources = [
        ("MR_small.dcm", "1.2.840.10008.1.2.1"),
        ("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90"),
        ("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"),
        ("JPEG2000.dcm", "1.2.840.10008.1.2.4.91"),
    ];
    let series = "1.2.826.0.1.3680043.8.498.1002.1";
    let files: Vec<Vec<u8>> = sources
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            relabelled(
                name,
                &Label::new("MRD-WEB-2", study, series, &format!("{series}.{}", i + 1)),
            )
        })
        .collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let outcome = pacs.store(&refs).await.expect("stow");
    assert_eq!(outcome.stored.len(), 4, "{outcome:?}");

    let back = pacs
        .retrieve_series(study, series)
        .await
        .expect("wado series");
    assert_eq!(back.len(), 4);
    let mut got: Vec<_> = back.iter().map(|f| essence(f)).collect();
    let mut want: Vec<_> = files.iter().map(|f| essence(f)).collect();
    got.sort();
    want.sort();
    assert_eq!(
        got, want,
        "same instances, transfer syntaxes and pixel data"
    );
    let syntaxes: Vec<&str> = got.iter().map(|e| e.1.as_str()).collect();
    for (_, ts) in sources {
        assert!(syntaxes.contains(&ts), "{ts} kept");
    }

    // Frames, as stored: the J2K instance's frame is its codestream (starts with SOC FF4F).
    let frames = pacs
        .retrieve_frames(study, series, &format!("{series}.2"), &[1])
        .await
        .expect("frames");
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].data.get(..2), Some(&[0xff, 0x4f][..]));
    let raw = pacs
        .retrieve_frames(study, series, &format!("{series}.1"), &[1])
        .await
        .expect("raw frame");
    assert_eq!(raw[0].data.len(), 64 * 64 * 2, "MR_small is 64x64 16-bit");
    assert_eq!(raw[0].data, essence(&files[0]).2);
}

#[tokio::test]
async fn an_unknown_study_is_empty_or_not_found() {
    let orthanc = start_orthanc();
    let pacs = client(&orthanc);
    let series = pacs.search_series("1.2.3.4.5.6.7").await.expect("qido");
    assert_eq!(series, []);
    let err = pacs
        .retrieve_study("1.2.3.4.5.6.7")
        .await
        .expect_err("no such study");
    assert_eq!(err.kind, meridian_pacs::PacsErrorKind::NotFound);
    assert!(!err.is_retryable());
    assert!(
        !err.to_string().contains("1.2.3.4.5.6.7"),
        "no UID in {err}"
    );
}

#[tokio::test]
async fn a_file_without_preamble_is_refused_before_sending() {
    let orthanc = start_orthanc();
    let pacs = client(&orthanc);
    let err = pacs.store(&[b"not dicom"]).await.expect_err("refused");
    assert!(
        matches!(err.kind, meridian_pacs::PacsErrorKind::File { .. }),
        "{err}"
    );
}
