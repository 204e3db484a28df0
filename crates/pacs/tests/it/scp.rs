use std::process::Command;
use std::time::Duration;

use meridian_pacs::test_support::{MERIDIAN_AET, Orthanc};
use meridian_pacs::{DimsePeer, PacsErrorKind, StoreScp};

use crate::{Label, essence, pydicom_files, relabelled};

fn scp() -> StoreScp {
    StoreScp::start("127.0.0.1:0", MERIDIAN_AET, Duration::from_secs(30)).expect("scp")
}

#[test]
fn our_scp_answers_c_echo_and_refuses_other_ae_titles() {
    let scp = scp();
    let address = format!("127.0.0.1:{}", scp.port());
    DimsePeer::new(address.clone(), MERIDIAN_AET, "SOMEONE")
        .echo()
        .expect("echo");
    let err = DimsePeer::new(address, "NOT-US", "SOMEONE")
        .echo()
        .expect_err("wrong AE");
    assert!(
        matches!(err.kind, PacsErrorKind::AssociationRejected { .. }),
        "{err}"
    );
}

#[test]
fn c_move_delivers_a_mixed_transfer_syntax_study_to_our_scp() {
    let scp = scp();
    let orthanc = Orthanc::start(scp.port()).expect("orthanc");
    let peer = DimsePeer::new(orthanc.dicom_address(), orthanc.aet(), MERIDIAN_AET);
    let study = "1.2.826.0.1.3680043.8.498.3001";
    let series = "1.2.826.0.1.3680043.8.498.3001.1";
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
                &Label::new("MRD-MOVE-1", study, series, &format!("{series}.{}", i + 1)),
            )
        })
        .collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    assert_eq!(peer.store(&refs).expect("c-store").stored.len(), 4);

    let outcome = peer.move_study(study, MERIDIAN_AET).expect("c-move");
    assert_eq!((outcome.completed, outcome.failed), (4, 0));
    let mut received = Vec::new();
    while let Some(instance) = scp.recv_timeout(Duration::from_secs(5)) {
        assert_eq!(instance.calling_ae_title, "ORTHANC");
        received.push(instance);
        if received.len() == 4 {
            break;
        }
    }
    assert_eq!(received.len(), 4);
    let mut got: Vec<_> = received.iter().map(|r| essence(&r.file)).collect();
    let mut want: Vec<_> = files.iter().map(|f| essence(f)).collect();
    got.sort();
    want.sort();
    let uids = |v: &[(String, String, Vec<u8>)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(uids(&got), uids(&want));
    // Where Orthanc kept the transfer syntax, the pixel data is the same bytes.
    for (g, w) in got.iter().zip(&want) {
        if g.1 == w.1 {
            assert_eq!(g.2, w.2, "pixel data of {}", g.0);
        }
    }
    // An unknown study moves nothing; Orthanc answers "unable to process" (0xC000).
    let none = peer.move_study("1.2.3.4.5.6.7", MERIDIAN_AET);
    match none {
        Ok(o) => assert_eq!(o.completed, 0),
        Err(e) => {
            assert!(
                matches!(e.kind, PacsErrorKind::DimseStatus { status: 0xc000.. }),
                "{e}"
            );
            assert!(!e.to_string().contains("1.2.3.4.5.6.7"));
        }
    }
    assert_eq!(scp.recv_timeout(Duration::from_millis(300)), None);
}

#[test]
fn dcmtk_storescu_sends_to_our_scp() {
    let scp = scp();
    let dir = pydicom_files();
    // Sorted by transfer syntax UID, as `received` is below.
    let files = ["CT_small.dcm", "MR_small_jpeg_ls_lossless.dcm"];
    let echo = Command::new("echoscu")
        .args([
            "-aet",
            "DCMTK",
            "-aec",
            MERIDIAN_AET,
            "127.0.0.1",
            &scp.port().to_string(),
        ])
        .output()
        .expect("echoscu");
    assert!(
        echo.status.success(),
        "{}",
        String::from_utf8_lossy(&echo.stderr)
    );
    let status = Command::new("storescu")
        // `-xt -R`: propose JPEG-LS lossless besides the uncompressed syntaxes, so that the
        // JPEG-LS file goes out as it is.
        .args([
            "-xt",
            "-R",
            "-aet",
            "DCMTK",
            "-aec",
            MERIDIAN_AET,
            "127.0.0.1",
            &scp.port().to_string(),
        ])
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .expect("storescu (apt-get install dcmtk)");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut received = Vec::new();
    while let Some(r) = scp.recv_timeout(Duration::from_secs(5)) {
        received.push(r);
        if received.len() == files.len() {
            break;
        }
    }
    assert_eq!(received.len(), 2);
    received.sort_by_key(|r| r.transfer_syntax.clone());
    for (r, name) in received.iter().zip(files) {
        assert_eq!(r.calling_ae_title, "DCMTK");
        let original = std::fs::read(dir.join(name)).expect("file");
        let (uid, _, pixels) = essence(&original);
        let got = essence(&r.file);
        assert_eq!(got.0, uid);
        assert_eq!(r.sop_instance_uid, uid);
        assert_eq!(
            got.1,
            essence(&original).1,
            "sent in the file's own transfer syntax"
        );
        assert_eq!(r.transfer_syntax, got.1);
        assert_eq!(got.2, pixels);
    }
}
