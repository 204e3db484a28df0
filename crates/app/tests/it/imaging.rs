//! Imaging against a real Orthanc: the patient's studies by MRN, retrieval over DICOMweb and
//! DIMSE into the encrypted cache, opening, drawing and measuring, access, eviction, PACS down.

use meridian_api::{ErrorCode, MeasureRequest, MprPlane, MprProjection, MprRequest, RenderRequest, RetrieveVia, SavedAnnotation};
use meridian_app::{DimseConfig, ImagingConfig};
use meridian_demo::dicom::CtSeriesSpec;
use meridian_pacs::test_support::{MERIDIAN_AET, Orthanc, free_port};
use meridian_pacs::{DicomWebClient, WebOptions};

use crate::world;

fn spec(mrn: &str, seed: u64, slices: u32) -> CtSeriesSpec {
    CtSeriesSpec { seed, slices, rows: 128, columns: 128, pixel_spacing: 2.0, ..CtSeriesSpec::demo(mrn, "OKOYE^Ada", "19700304", "F") }
}

async fn stow(orthanc: &Orthanc, spec: &CtSeriesSpec) {
    let files: Vec<Vec<u8>> = spec.files().collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let pacs = DicomWebClient::new(&orthanc.dicomweb_url(), WebOptions::default()).expect("client");
    let outcome = pacs.store(&refs).await.expect("stow");
    assert_eq!(outcome.stored.len(), files.len());
}

fn config(orthanc: &Orthanc, move_port: u16, cache_max_mb: u64) -> ImagingConfig {
    ImagingConfig {
        dicomweb_url: Some(orthanc.dicomweb_url()),
        dimse: Some(DimseConfig { address: orthanc.dicom_address(), called_aet: orthanc.aet().into(), calling_aet: MERIDIAN_AET.into(), move_port: Some(move_port) }),
        cache_max_mb,
    }
}

/// The centroid of the nodule's grey band (90 HU at 40/400: 150 to 200) in a 256 x 256 render.
fn nodule_centre(rgba: &[u8]) -> (u32, u32) {
    let (mut sx, mut sy, mut n) = (0u32, 0u32, 0u32);
    for y in 0..256 {
        for x in 0..256 {
            if (150..200).contains(&grey(rgba, 256, x, y)) {
                (sx, sy, n) = (sx + x, sy + y, n + 1);
            }
        }
    }
    assert!(n > 100, "the nodule is drawn ({n} pixels)");
    (sx / n, sy / n)
}

fn grey(rgba: &[u8], width: u32, x: u32, y: u32) -> u8 {
    rgba[((y * width + x) * 4) as usize]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_physician_retrieves_over_dicomweb_and_dimse_then_reads_and_measures() {
    let w = world().await;
    let pid = w.patient("Okoye", "Ada", "1970-03-04").await;
    let doc = w.staff("dr.img", "physician").await;
    w.app.assign_care(&w.admin, "dr.img", &pid, "attending").await.expect("care");
    let mrn = w.app.chart_summary(&doc, &pid).await.expect("chart").banner.patient.mrn.expect("mrn");

    let move_port = free_port().expect("port");
    let mut orthanc = tokio::task::spawn_blocking(move || Orthanc::start(move_port).expect("orthanc")).await.expect("join");
    let (a, b) = (spec(&mrn, 1, 12), spec(&mrn, 2, 6));
    let stranger = spec("999999", 3, 2);
    for s in [&a, &b, &stranger] {
        stow(&orthanc, s).await;
    }

    // Not configured yet: the list says so and is empty.
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    assert!(!list.pacs_configured && list.studies.is_empty());

    w.app.configure_imaging(Some(config(&orthanc, move_port, 4096)));
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    assert_eq!(list.pacs_error, None);
    let uids: Vec<&str> = list.studies.iter().map(|s| s.study_uid.as_str()).collect();
    assert_eq!(list.studies.len(), 2, "only this patient's studies: {uids:?}");
    assert!(!uids.contains(&stranger.study_uid().as_str()));
    let listed_a = list.studies.iter().find(|s| s.study_uid == a.study_uid()).expect("study a");
    assert_eq!((listed_a.remote_instances, listed_a.cached_instances, listed_a.on_pacs), (12, 0, true));
    assert_eq!(listed_a.modalities, vec!["CT".to_owned()]);
    assert_eq!(listed_a.date.as_deref(), Some("2026-11-15"));

    // Study A over DICOMweb, study B over DIMSE (C-GET).
    let got = w.app.retrieve_study(&doc, &pid, &a.study_uid(), RetrieveVia::Dicomweb).await.expect("wado");
    assert_eq!((got.instances, got.refused_other_patient, got.not_images, got.evicted_studies), (12, 0, 0, 0));
    assert!(got.bytes > 12 * 128 * 128 * 2);
    let got = w.app.retrieve_study(&doc, &pid, &b.study_uid(), RetrieveVia::Dimse).await.expect("c-get");
    assert_eq!((got.via, got.instances), (RetrieveVia::Dimse, 6));
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    assert!(list.studies.iter().all(|s| s.cached_instances == s.remote_instances));
    assert_eq!(list.retrieve_options, vec![RetrieveVia::Dicomweb, RetrieveVia::Dimse, RetrieveVia::DimseMove]);
    // C-MOVE to our listener (opened for the move) brings the same study again.
    let moved = w.app.retrieve_study(&doc, &pid, &b.study_uid(), RetrieveVia::DimseMove).await.expect("c-move");
    assert_eq!((moved.via, moved.instances, moved.refused_other_patient), (RetrieveVia::DimseMove, 6, 0));

    let series = w.app.imaging_series(&doc, &pid, &a.study_uid()).await.expect("series");
    assert_eq!(series.len(), 1);
    assert_eq!((series[0].instances, series[0].modality.as_deref()), (12, Some("CT")));
    let thumb = series[0].thumbnail.as_deref().expect("a thumbnail");
    assert!(thumb.starts_with("data:image/bmp;base64,Qk"), "a BMP data URL");
    assert!(thumb.len() > 64 * 64 * 4, "64 x 64 pixels");
    let opened = w.app.open_series(&doc, &pid, &a.study_uid(), &series[0].series_uid).await.expect("open");
    assert_eq!((opened.frames, opened.rows, opened.columns), (12, 128, 128));
    assert_eq!(opened.pixel_spacing, Some([2.0, 2.0]));
    assert_eq!(opened.unit, "HU");
    assert_eq!((opened.initial.center, opened.initial.width), (40.0, 400.0));
    assert!(opened.presets.iter().any(|p| p.name == "Lung" && p.center == -600.0));
    let m = opened.markers.clone().expect("markers");
    assert_eq!((m.left.as_str(), m.right.as_str(), m.top.as_str(), m.bottom.as_str()), ("R", "L", "A", "P"));
    assert_eq!(opened.mrn, mrn);
    assert_eq!(opened.patient_name, "OKOYE, Ada");
    assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
    // Sorted feet to head along the normal: positions rise by 5 mm.
    let pos: Vec<f64> = opened.positions.iter().map(|p| p.expect("position")).collect();
    assert!(pos.windows(2).all(|w| (w[1] - w[0] - 5.0).abs() < 1e-6), "{pos:?}");

    // The lesion (centre x -60, y 20 mm; z -27.5) lies in sorted frame 6 (z -25), not in frame 0.
    // Image pixel (34, 74) at zoom 2 lands at output (68, 148); the lung beside it at (28, 148).
    let req = |frame: u32, center: f64, window: f64| RenderRequest { zoom: 2.0, ..RenderRequest::stack(opened.handle.clone(), frame, 256, 256, center, window) };
    let lesion = w.app.render_frame(&doc, &req(6, 40.0, 400.0)).await.expect("render");
    // Drawn by wgpu (lavapipe in CI), not the CPU fallback.
    let adapter = w.app.imaging_adapter().expect("adapter");
    eprintln!("viewer adapter: {adapter:?}");
    assert!(adapter.is_some(), "no GPU adapter: install mesa-vulkan-drivers (lavapipe)");
    assert_eq!(lesion.len(), 256 * 256 * 4);
    let (nodule, lung) = (grey(&lesion, 256, 68, 148), grey(&lesion, 256, 28, 148));
    assert!((140..=180).contains(&nodule), "90 HU at 40/400 is ~160 grey, got {nodule}");
    assert_eq!(lung, 0, "-850 HU is black at 40/400");
    let no_lesion = w.app.render_frame(&doc, &req(0, 40.0, 400.0)).await.expect("render");
    assert_eq!(grey(&no_lesion, 256, 68, 148), 0, "no nodule far from its slice");
    // A lung window shows the lung parenchyma grey instead of black.
    let lung_window = w.app.render_frame(&doc, &req(6, -600.0, 1500.0)).await.expect("render");
    assert!(grey(&lung_window, 256, 28, 148) > 40);
    // A quarter turn clockwise carries the nodule from (67, 147) to (107, 67); a left-right flip
    // mirrors it about the centre column.
    let turned = w.app.render_frame(&doc, &RenderRequest { quarter_turns: 1, ..req(6, 40.0, 400.0) }).await.expect("render");
    assert_eq!(nodule_centre(&lesion), (67, 147));
    assert_eq!(nodule_centre(&turned), (107, 67));
    let flipped = w.app.render_frame(&doc, &RenderRequest { flip_horizontal: true, ..req(6, 40.0, 400.0) }).await.expect("render");
    assert_eq!(nodule_centre(&flipped), (187, 147), "mirrored about the centre column");
    let inverted = w.app.render_frame(&doc, &RenderRequest { invert: true, ..req(6, 40.0, 400.0) }).await.expect("render");
    assert_eq!(grey(&inverted, 256, 28, 148), 255);

    // 30 x 40 pixels of 2 mm: 100 mm.
    let length = w.app.measure(&doc, &opened.handle, 6, &MeasureRequest::Length { start: [10.0, 10.0], end: [40.0, 50.0] }).await.expect("length");
    assert!((length.value - 100.0).abs() < 1e-9 && length.unit == "mm", "{length:?}");
    let angle = w.app.measure(&doc, &opened.handle, 6, &MeasureRequest::Angle { a: [20.0, 10.0], vertex: [10.0, 10.0], b: [10.0, 30.0] }).await.expect("angle");
    assert!((angle.value - 90.0).abs() < 1e-9 && angle.unit == "deg");
    let roi = w.app.measure(&doc, &opened.handle, 6, &MeasureRequest::Ellipse { corner: [31.0, 71.0], opposite: [37.0, 77.0] }).await.expect("roi");
    let stats = roi.stats.expect("stats");
    assert_eq!(stats.unit, "HU");
    assert!((stats.mean - 90.0).abs() < 5.0 && stats.sd < 10.0, "{stats:?}");
    assert!((roi.value - std::f64::consts::PI * 36.0).abs() < 1e-6, "area of a 6 mm-radius circle: {}", roi.value);
    // Reformats: the nodule in a coronal plane through its row, and in a 60 mm coronal MIP
    // centred 19 mm away (where the plane itself is lung).
    let mpr = opened.mpr.clone().expect("a regular stack reformats");
    assert_eq!((&mpr.counts[..3], mpr.plane_pixel_mm), (&[12, 128, 128][..], 2.0));
    assert_eq!(mpr.coronal, [128.0, 30.0]);
    assert_eq!(mpr.names, ["Axial".to_owned(), "Coronal".to_owned(), "Sagittal".to_owned()]);
    let cm = mpr.coronal_markers.clone().expect("coronal markers");
    assert_eq!((cm.left.as_str(), cm.right.as_str(), cm.top.as_str(), cm.bottom.as_str()), ("R", "L", "H", "F"));
    let sm = mpr.sagittal_markers.clone().expect("sagittal markers");
    assert_eq!((sm.left.as_str(), sm.right.as_str()), ("A", "P"));
    let plane = |plane, index: f64, projection, slab_mm| RenderRequest { mpr: Some(MprRequest { plane, index, projection, slab_mm, angle_deg: 0.0 }), ..req(0, 40.0, 400.0) };
    let coronal = w.app.render_frame(&doc, &plane(MprPlane::Coronal, 73.5, MprProjection::Slice, 0.0)).await.expect("coronal");
    assert!(grey(&coronal, 256, 68, 128) > 120, "nodule in the coronal plane");
    assert_eq!(grey(&coronal, 256, 28, 128), 0, "lung beside it");
    let through_lung = w.app.render_frame(&doc, &plane(MprPlane::Coronal, 64.0, MprProjection::Slice, 0.0)).await.expect("coronal");
    assert_eq!(grey(&through_lung, 256, 68, 128), 0);
    let mip = w.app.render_frame(&doc, &plane(MprPlane::Coronal, 64.0, MprProjection::Mip, 60.0)).await.expect("mip");
    assert!(grey(&mip, 256, 68, 128) > 120, "the MIP slab reaches the nodule");
    let sagittal = w.app.render_frame(&doc, &plane(MprPlane::Sagittal, 33.5, MprProjection::Slice, 0.0)).await.expect("sagittal");
    assert!(sagittal.chunks_exact(4).any(|p| p[0] > 120));
    // Oblique at 0° is the coronal plane (through the same row, one plane pixel = 2 mm = one
    // row); at 90° it crosses the nodule like the sagittal plane.
    let n = mpr.counts[3];
    assert_eq!(n, (128.0f64 * 2.0 * std::f64::consts::SQRT_2 / 2.0).round() as u32);
    let oblique = |angle_deg: f64, offset_px: f64| RenderRequest {
        mpr: Some(MprRequest { plane: MprPlane::Oblique, index: f64::from(n) / 2.0 - 0.5 + offset_px, projection: MprProjection::Slice, slab_mm: 0.0, angle_deg }),
        width: 362,
        ..req(0, 40.0, 400.0)
    };
    let at_zero = w.app.render_frame(&doc, &oblique(0.0, 10.0)).await.expect("oblique 0");
    // Row 74 (y = 20 mm) is 10 plane pixels below the centre (y = 0 at row 64)... the nodule shows.
    assert!(at_zero.chunks_exact(4).filter(|p| (150..200).contains(&p[0])).count() > 50, "the nodule in the oblique plane at 0°");
    let at_ninety = w.app.render_frame(&doc, &oblique(90.0, 30.0)).await.expect("oblique 90");
    assert!(at_ninety.chunks_exact(4).filter(|p| (150..200).contains(&p[0])).count() > 50, "the nodule in the oblique plane at 90°");
    let e = w.app.render_frame(&doc, &plane(MprPlane::Sagittal, 128.0, MprProjection::Slice, 0.0)).await.expect_err("past the end");
    assert_eq!(meridian_api::ApiError::from(e).code, ErrorCode::Validation);

    let bad = w.app.measure(&doc, &opened.handle, 99, &MeasureRequest::Length { start: [0.0, 0.0], end: [1.0, 1.0] }).await.expect_err("no frame 100");
    assert_eq!(meridian_api::ApiError::from(bad).code, ErrorCode::Validation);

    // Measurements are kept as a presentation state: in the cache and on the PACS; reopening
    // shows them; retrieving the study again brings the presentation state along.
    let marks = vec![
        SavedAnnotation { frame: 6, measure: MeasureRequest::Length { start: [10.0, 10.0], end: [40.0, 50.0] }, label: "100.0 mm".into() },
        SavedAnnotation { frame: 6, measure: MeasureRequest::Ellipse { corner: [31.0, 71.0], opposite: [37.0, 77.0] }, label: "Area 113.1 mm²".into() },
    ];
    let saved = w.app.save_annotations(&doc, &opened.handle, &marks, Some((40.0, 400.0))).await.expect("save");
    assert_eq!((saved.marks, saved.stored_on_pacs, saved.pacs_error.as_deref()), (2, true, None));
    let pacs = DicomWebClient::new(&orthanc.dicomweb_url(), WebOptions::default()).expect("client");
    let on_pacs = pacs.search_series(&a.study_uid()).await.expect("qido series");
    assert!(on_pacs.iter().any(|s| s.modality.as_deref() == Some("PR")), "the presentation state is on the PACS");
    assert_eq!(w.app.imaging_series(&doc, &pid, &a.study_uid()).await.expect("series").len(), 1, "PR is not a series to open");
    w.app.close_series(&doc, &opened.handle).await.expect("close");
    let reopened = w.app.open_series(&doc, &pid, &a.study_uid(), &series[0].series_uid).await.expect("reopen");
    assert_eq!(reopened.annotations, marks);
    let again = w.app.retrieve_study(&doc, &pid, &a.study_uid(), RetrieveVia::Dicomweb).await.expect("again");
    assert_eq!((again.instances, again.presentation_states, again.not_images), (12, 1, 0), "12 images and the presentation state");

    // Study B (received over DIMSE) opens and draws too.
    let series_b = w.app.imaging_series(&doc, &pid, &b.study_uid()).await.expect("series b");
    let opened_b = w.app.open_series(&doc, &pid, &b.study_uid(), &series_b[0].series_uid).await.expect("open b");
    assert_eq!(opened_b.frames, 6);
    let img = w.app.render_frame(&doc, &RenderRequest { handle: opened_b.handle.clone(), ..req(0, 40.0, 400.0) }).await.expect("render b");
    let soft_tissue = grey(&img, 256, 128, 128);
    assert!((110..=150).contains(&soft_tissue), "45 HU at 40/400 is ~130 grey, got {soft_tissue}");

    // Someone else may not draw this user's series, nor open images without the right.
    let other = w.staff("dr.other", "physician").await;
    let mine = RenderRequest { handle: reopened.handle.clone(), ..req(0, 40.0, 400.0) };
    w.app.render_frame(&doc, &mine).await.expect("the owner draws it");
    let e = w.app.render_frame(&other, &mine).await.expect_err("not theirs");
    assert_eq!(meridian_api::ApiError::from(e).code, ErrorCode::NotFound);
    let e = w.app.imaging_studies(&other, &pid).await.expect_err("not in their care");
    assert_eq!(meridian_api::ApiError::from(e).code, ErrorCode::BreakGlassRequired);
    let pharmacist = w.staff("ph.img", "pharmacist").await;
    let e = w.app.imaging_studies(&pharmacist, &pid).await.expect_err("pharmacists see no images");
    assert_eq!(meridian_api::ApiError::from(e).code, ErrorCode::Forbidden);

    // A cache of 0 MiB keeps only the study just retrieved.
    w.app.configure_imaging(Some(config(&orthanc, move_port, 0)));
    let got = w.app.retrieve_study(&doc, &pid, &b.study_uid(), RetrieveVia::Dicomweb).await.expect("again");
    assert_eq!(got.evicted_studies, 1);
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    let cached: Vec<u32> = list.studies.iter().map(|s| s.cached_instances).collect();
    assert_eq!(cached.iter().sum::<u32>(), 6, "{cached:?}");
    assert_eq!(w.app.imaging_cache_bytes().await.expect("bytes"), got.bytes as i64);
    // An open series reads each image from the cache when it is first shown (or when a
    // neighbour two away is): with its study evicted, the image shown before is still drawn,
    // and those never near the screen say why they cannot be.
    w.app.render_frame(&doc, &mine).await.expect("shown before, kept decoded");
    for k in 3..reopened.frames {
        let e = meridian_api::ApiError::from(w.app.render_frame(&doc, &RenderRequest { frame: k, ..mine.clone() }).await.expect_err("left the cache"));
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("left the cache"), "{}", e.message);
    }

    // PACS down: the cached study is still listed, the archive's absence is said, retrieval is
    // a retryable error without identifiers.
    orthanc.stop();
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list while down");
    assert!(list.pacs_error.is_some());
    assert_eq!(list.studies.len(), 1);
    assert!(!list.studies[0].on_pacs && list.studies[0].cached_instances == 6);
    let e = meridian_api::ApiError::from(w.app.retrieve_study(&doc, &pid, &a.study_uid(), RetrieveVia::Dimse).await.expect_err("down"));
    assert_eq!(e.code, ErrorCode::PeerUnavailable);
    assert!(!e.message.contains(&mrn) && !e.message.contains(&a.study_uid()), "{}", e.message);
    close(w).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_import_takes_this_patients_images_and_outside_ones_only_by_name_and_birth_date() {
    let w = world().await;
    let pid = w.patient("Okoye", "Ada", "1970-03-04").await;
    let doc = w.staff("dr.cd", "physician").await;
    w.app.assign_care(&w.admin, "dr.cd", &pid, "attending").await.expect("care");
    let mrn = w.app.chart_summary(&doc, &pid).await.expect("chart").banner.patient.mrn.expect("mrn");

    // A CD as hospitals burn them: a DICOMDIR, folders of images, and a stray text file.
    let cd = tempfile::tempdir().expect("temp");
    std::fs::write(cd.path().join("DICOMDIR"), b"not an image").expect("dicomdir");
    std::fs::write(cd.path().join("README.TXT"), b"Viewer on this disc").expect("readme");
    let ours = spec(&mrn, 5, 4);
    let outside = CtSeriesSpec { patient_id: "EXT-123".into(), ..spec(&mrn, 6, 3) };
    let stranger = CtSeriesSpec { patient_id: "EXT-999".into(), patient_name: "DOE^John".into(), ..spec(&mrn, 7, 2) };
    for (dir, s) in [("DICOM/A", &ours), ("DICOM/B", &outside), ("DICOM/C", &stranger)] {
        let d = cd.path().join(dir);
        std::fs::create_dir_all(&d).expect("dir");
        for (i, f) in s.files().enumerate() {
            std::fs::write(d.join(format!("IM{i:05}")), f).expect("file");
        }
    }
    let folder = cd.path().to_str().expect("utf-8 path");

    let got = w.app.import_images(&doc, &pid, folder, false).await.expect("import");
    assert_eq!((got.studies, got.instances, got.matched_by_mrn, got.matched_by_demographics), (1, 4, 4, 0));
    assert_eq!((got.refused_other_patient, got.not_images), (5, 2));
    let got = w.app.import_images(&doc, &pid, folder, true).await.expect("import outside");
    assert_eq!((got.studies, got.instances, got.matched_by_demographics, got.refused_other_patient), (2, 7, 3, 2));
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    let mut cached: Vec<(String, u32)> = list.studies.iter().map(|s| (s.study_uid.clone(), s.cached_instances)).collect();
    cached.sort();
    let mut want = vec![(ours.study_uid(), 4), (outside.study_uid(), 3)];
    want.sort();
    assert_eq!(cached, want, "the stranger's study is not there");
    let series = w.app.imaging_series(&doc, &pid, &outside.study_uid()).await.expect("series");
    let opened = w.app.open_series(&doc, &pid, &outside.study_uid(), &series[0].series_uid).await.expect("open");
    assert_eq!((opened.frames, opened.mrn.as_str()), (3, "EXT-123"), "the corner shows the outside id");

    // Images are read when first shown, and must still be what the series was opened by: the
    // same instances imported again with other slice positions are not drawn into the open
    // series (its order and geometry came from the first ones), and reopening shows them.
    let ours_series = w.app.imaging_series(&doc, &pid, &ours.study_uid()).await.expect("series");
    let open_ours = w.app.open_series(&doc, &pid, &ours.study_uid(), &ours_series[0].series_uid).await.expect("open ours");
    let draw = |handle: String, frame: u32| RenderRequest { zoom: 0.5, ..RenderRequest::stack(handle, frame, 64, 64, 40.0, 400.0) };
    let moved = CtSeriesSpec { slice_spacing: ours.slice_spacing * 2.0, ..ours.clone() };
    let again = tempfile::tempdir().expect("temp");
    for (i, f) in moved.files().enumerate() {
        std::fs::write(again.path().join(format!("IM{i}")), f).expect("write");
    }
    let got = w.app.import_images(&doc, &pid, again.path().to_str().expect("utf-8"), false).await.expect("import again");
    assert_eq!(got.instances, 4);
    // Image 0 was decoded on opening; display image 3 is file 0 (z 0 either way); image 2 is
    // file 1, which moved.
    w.app.render_frame(&doc, &draw(open_ours.handle.clone(), 0)).await.expect("kept decoded from opening");
    w.app.render_frame(&doc, &draw(open_ours.handle.clone(), 3)).await.expect("unchanged");
    let e = meridian_api::ApiError::from(w.app.render_frame(&doc, &draw(open_ours.handle.clone(), 2)).await.expect_err("changed underneath"));
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains("changed in the cache"), "{}", e.message);
    let reopened = w.app.open_series(&doc, &pid, &ours.study_uid(), &ours_series[0].series_uid).await.expect("reopen");
    let pos: Vec<f64> = reopened.positions.iter().map(|p| p.expect("position")).collect();
    assert!(pos.windows(2).all(|p| (p[1] - p[0] - moved.slice_spacing).abs() < 1e-6), "{pos:?}");
    w.app.render_frame(&doc, &draw(reopened.handle.clone(), 2)).await.expect("drawn after reopening");

    // The same study UID arriving for another patient (a mislabelled disc) changes nothing.
    let other = w.patient("Mbeki", "Thabo", "1961-07-08").await;
    w.app.assign_care(&w.admin, "dr.cd", &other, "attending").await.expect("care");
    let other_mrn = w.app.chart_summary(&doc, &other).await.expect("chart").banner.patient.mrn.expect("mrn");
    assert_eq!(other_mrn.len(), mrn.len());
    let relabelled = tempfile::tempdir().expect("temp");
    for (i, f) in ours.files().enumerate() {
        let mut f = f;
        let at = f.windows(mrn.len()).position(|w| w == mrn.as_bytes()).expect("patient id in the file");
        f[at..at + mrn.len()].copy_from_slice(other_mrn.as_bytes());
        std::fs::write(relabelled.path().join(format!("IM{i}")), f).expect("write");
    }
    let e = w.app.import_images(&doc, &other, relabelled.path().to_str().expect("utf-8"), false).await.expect_err("study of another patient");
    let e = meridian_api::ApiError::from(e);
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains("another patient"), "{}", e.message);
    let list = w.app.imaging_studies(&doc, &pid).await.expect("list");
    assert!(list.studies.iter().any(|s| s.study_uid == ours.study_uid() && s.cached_instances == 4));
    assert!(w.app.imaging_studies(&doc, &other).await.expect("list").studies.is_empty());

    let e = w.app.import_images(&doc, &pid, "/no/such/folder", false).await.expect_err("missing");
    assert_eq!(meridian_api::ApiError::from(e).code, ErrorCode::Validation);
    close(w).await;
}

/// Closes the database before the test ends: open series read frames in the background, and a
/// SQLCipher connection still closing on its own thread when the test process exits crashes it.
async fn close(w: crate::World) {
    w.app.clone().close().await;
}
