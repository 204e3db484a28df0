//! Integration tests against a real Orthanc (see `meridian_pacs::test_support`), on pydicom's
//! test files.

mod dicomweb;
mod dimse;
mod errors;
mod scp;

use std::path::PathBuf;
use std::process::Command;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use meridian_pacs::test_support::Orthanc;

/// pydicom's `data/test_files` folder, from the project venv's Python.
pub(crate) fn pydicom_files() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let python = PathBuf::from(home).join(".cache/meridian/venv/bin/python");
    let out = Command::new(python)
        .args([
            "-c",
            "import pydicom,os;print(os.path.join(os.path.dirname(pydicom.__file__),'data','test_files'))",
        ])
        .output()
        .expect("python with pydicom in ~/.cache/meridian/venv");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Identifiers to give a test file, so that tests control what they search for and pydicom's
/// files that share UIDs (MR_small in several transfer syntaxes) become distinct instances.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub(crate) patient_id: String,
    pub(crate) study: String,
    pub(crate) series: String,
    pub(crate) instance: String,
}

impl Label {
    pub(crate) fn new(patient_id: &str, study: &str, series: &str, instance: &str) -> Self {
        Self {
            patient_id: patient_id.into(),
            study: study.into(),
            series: series.into(),
            instance: instance.into(),
        }
    }
}

fn even(uid: &str) -> String {
    let mut s = uid.to_owned();
    if s.len() % 2 == 1 {
        s.push('\0');
    }
    s
}

/// The pydicom test file `name` with new identifiers, written back in its own transfer
/// syntax (encapsulated pixel data is copied as it is).
pub(crate) fn relabelled(name: &str, label: &Label) -> Vec<u8> {
    let mut obj = dicom_object::OpenFileOptions::new()
        .open_file(pydicom_files().join(name))
        .expect("open test file");
    obj.put(DataElement::new(
        tags::PATIENT_ID,
        VR::LO,
        PrimitiveValue::from(label.patient_id.as_str()),
    ));
    for (tag, uid) in [
        (tags::STUDY_INSTANCE_UID, &label.study),
        (tags::SERIES_INSTANCE_UID, &label.series),
        (tags::SOP_INSTANCE_UID, &label.instance),
    ] {
        obj.put(DataElement::new(
            tag,
            VR::UI,
            PrimitiveValue::from(even(uid)),
        ));
    }
    obj.meta_mut().media_storage_sop_instance_uid = even(&label.instance);
    obj.update_meta(|_| {});
    let mut out = Vec::new();
    obj.write_all(&mut out).expect("write relabelled file");
    out
}

/// The SOP Instance UID, transfer syntax and pixel data (native bytes or the concatenated
/// fragments) of a DICOM file: what must survive a round trip through a PACS.
pub(crate) fn essence(bytes: &[u8]) -> (String, String, Vec<u8>) {
    let obj = dicom_object::OpenFileOptions::new()
        .from_reader(bytes.get(128..).expect("preamble"))
        .expect("parse DICOM file");
    let uid = obj
        .element(tags::SOP_INSTANCE_UID)
        .expect("SOP Instance UID")
        .to_str()
        .expect("SOP Instance UID text")
        .trim_end_matches('\0')
        .to_owned();
    let ts = obj.meta().transfer_syntax().to_owned();
    let pixels = obj.element(tags::PIXEL_DATA).expect("pixel data");
    let data = match pixels.value() {
        dicom_core::DicomValue::PixelSequence(seq) => seq.fragments().concat(),
        v => v.to_bytes().expect("pixel bytes").into_owned(),
    };
    (uid, ts, data)
}

pub(crate) fn start_orthanc() -> Orthanc {
    let port = meridian_pacs::test_support::free_port().expect("free port");
    Orthanc::start(port)
        .expect("Orthanc starts (apt-get install orthanc orthanc-dicomweb orthanc-gdcm)")
}
