//! What a query asks for and what it finds, shared by QIDO-RS and C-FIND: both are read into
//! [`Attributes`] first, and the summaries are built from those.

use std::collections::BTreeMap;

/// A calendar date as DICOM writes it (DA, `YYYYMMDD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DicomDate {
    /// Year, e.g. 2024.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl DicomDate {
    /// A date from its parts; `None` if the month or day is out of range.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=31).contains(&day) && year <= 9999).then_some(Self {
            year,
            month,
            day,
        })
    }

    /// Reads `YYYYMMDD` (also the old `YYYY.MM.DD`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.trim().chars().filter(|c| *c != '.').collect();
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = digits.get(0..4)?.parse().ok()?;
        let month = digits.get(4..6)?.parse().ok()?;
        let day = digits.get(6..8)?.parse().ok()?;
        Self::new(year, month, day)
    }

    /// `YYYYMMDD`.
    pub fn to_da(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// Which studies to find. Empty fields match everything; at least one field should be set
/// against a real archive. `Debug` says which fields are set, not their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StudyQuery {
    /// Patient ID (0010,0020), matched exactly.
    pub patient_id: Option<String>,
    /// Patient's name (0010,0010); `*` and `?` are wildcards, as in DICOM.
    pub patient_name: Option<String>,
    /// Study date range, both ends inclusive.
    pub study_date: Option<(DicomDate, DicomDate)>,
    /// Study Instance UID (0020,000D), matched exactly.
    pub study_instance_uid: Option<String>,
    /// The most results to ask for (QIDO `limit`; C-FIND stops reading after it).
    pub limit: Option<u32>,
}

impl StudyQuery {
    /// Studies of one patient.
    pub fn by_patient_id(id: impl Into<String>) -> Self {
        Self {
            patient_id: Some(id.into()),
            ..Self::default()
        }
    }

    /// The `(tag, value)` matching keys of this query, in DICOM string form.
    pub(crate) fn matching_keys(&self) -> Vec<(u32, String)> {
        let mut keys = Vec::new();
        if let Some(v) = &self.patient_id {
            keys.push((tags::PATIENT_ID, v.clone()));
        }
        if let Some(v) = &self.patient_name {
            keys.push((tags::PATIENT_NAME, v.clone()));
        }
        if let Some((from, to)) = self.study_date {
            keys.push((tags::STUDY_DATE, format!("{}-{}", from.to_da(), to.to_da())));
        }
        if let Some(v) = &self.study_instance_uid {
            keys.push((tags::STUDY_INSTANCE_UID, v.clone()));
        }
        keys
    }
}

/// One study, as a query found it. `Debug` leaves out the patient's name and id.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StudySummary {
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Study Date (0008,0020), if present and well-formed.
    pub study_date: Option<DicomDate>,
    /// Study Time (0008,0030), as sent.
    pub study_time: Option<String>,
    /// Accession Number (0008,0050).
    pub accession_number: Option<String>,
    /// Patient ID (0010,0020).
    pub patient_id: Option<String>,
    /// Patient's Name (0010,0010), in DICOM PN form (`Family^Given`).
    pub patient_name: Option<String>,
    /// Study Description (0008,1030).
    pub description: Option<String>,
    /// Modalities in Study (0008,0061).
    pub modalities: Vec<String>,
    /// Number of Study Related Series (0020,1206).
    pub number_of_series: Option<u32>,
    /// Number of Study Related Instances (0020,1208).
    pub number_of_instances: Option<u32>,
}

/// One series, as a query found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeriesSummary {
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: String,
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// Series Number (0020,0011).
    pub series_number: Option<i32>,
    /// Series Description (0008,103E).
    pub description: Option<String>,
    /// Number of Series Related Instances (0020,1209).
    pub number_of_instances: Option<u32>,
}

/// One instance, as a query found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceSummary {
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: String,
    /// SOP Instance UID (0008,0018).
    pub sop_instance_uid: String,
    /// SOP Class UID (0008,0016).
    pub sop_class_uid: Option<String>,
    /// Instance Number (0020,0013).
    pub instance_number: Option<i32>,
    /// Number of Frames (0028,0008).
    pub number_of_frames: Option<u32>,
}

/// Tags used here, as `0xGGGGEEEE`.
pub(crate) mod tags {
    pub(crate) const SOP_CLASS_UID: u32 = 0x0008_0016;
    pub(crate) const SOP_INSTANCE_UID: u32 = 0x0008_0018;
    pub(crate) const STUDY_DATE: u32 = 0x0008_0020;
    pub(crate) const STUDY_TIME: u32 = 0x0008_0030;
    pub(crate) const ACCESSION_NUMBER: u32 = 0x0008_0050;
    pub(crate) const QUERY_RETRIEVE_LEVEL: u32 = 0x0008_0052;
    pub(crate) const MODALITY: u32 = 0x0008_0060;
    pub(crate) const MODALITIES_IN_STUDY: u32 = 0x0008_0061;
    pub(crate) const STUDY_DESCRIPTION: u32 = 0x0008_1030;
    pub(crate) const SERIES_DESCRIPTION: u32 = 0x0008_103E;
    pub(crate) const PATIENT_NAME: u32 = 0x0010_0010;
    pub(crate) const PATIENT_ID: u32 = 0x0010_0020;
    pub(crate) const STUDY_INSTANCE_UID: u32 = 0x0020_000D;
    pub(crate) const SERIES_INSTANCE_UID: u32 = 0x0020_000E;
    pub(crate) const SERIES_NUMBER: u32 = 0x0020_0011;
    pub(crate) const INSTANCE_NUMBER: u32 = 0x0020_0013;
    pub(crate) const NUMBER_OF_STUDY_RELATED_SERIES: u32 = 0x0020_1206;
    pub(crate) const NUMBER_OF_STUDY_RELATED_INSTANCES: u32 = 0x0020_1208;
    pub(crate) const NUMBER_OF_SERIES_RELATED_INSTANCES: u32 = 0x0020_1209;
    pub(crate) const NUMBER_OF_FRAMES: u32 = 0x0028_0008;

    /// The return keys asked for at study level.
    pub(crate) const STUDY_RETURN_KEYS: &[u32] = &[
        STUDY_INSTANCE_UID,
        STUDY_DATE,
        STUDY_TIME,
        ACCESSION_NUMBER,
        MODALITIES_IN_STUDY,
        STUDY_DESCRIPTION,
        PATIENT_NAME,
        PATIENT_ID,
        NUMBER_OF_STUDY_RELATED_SERIES,
        NUMBER_OF_STUDY_RELATED_INSTANCES,
    ];
    /// The return keys asked for at series level.
    pub(crate) const SERIES_RETURN_KEYS: &[u32] = &[
        STUDY_INSTANCE_UID,
        SERIES_INSTANCE_UID,
        MODALITY,
        SERIES_NUMBER,
        SERIES_DESCRIPTION,
        NUMBER_OF_SERIES_RELATED_INSTANCES,
    ];
}

/// The string values of a flat set of attributes, by tag: what a QIDO JSON object or a
/// C-FIND identifier reduces to. Person names are kept in PN form (`Family^Given`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attributes(pub(crate) BTreeMap<u32, Vec<String>>);

impl Attributes {
    fn first(&self, tag: u32) -> Option<String> {
        self.0
            .get(&tag)
            .and_then(|v| v.first())
            .map(|s| s.trim_end_matches(['\0', ' ']).trim_start().to_owned())
            .filter(|s| !s.is_empty())
    }

    fn all(&self, tag: u32) -> Vec<String> {
        self.0
            .get(&tag)
            .map(|v| {
                v.iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn number<T: std::str::FromStr>(&self, tag: u32) -> Option<T> {
        self.first(tag).and_then(|s| s.parse().ok())
    }

    pub(crate) fn study(&self) -> Option<StudySummary> {
        Some(StudySummary {
            study_instance_uid: self.first(tags::STUDY_INSTANCE_UID)?,
            study_date: self
                .first(tags::STUDY_DATE)
                .and_then(|d| DicomDate::parse(&d)),
            study_time: self.first(tags::STUDY_TIME),
            accession_number: self.first(tags::ACCESSION_NUMBER),
            patient_id: self.first(tags::PATIENT_ID),
            patient_name: self.first(tags::PATIENT_NAME),
            description: self.first(tags::STUDY_DESCRIPTION),
            // Some archives send one backslash-joined string rather than several values.
            modalities: self
                .all(tags::MODALITIES_IN_STUDY)
                .iter()
                .flat_map(|m| m.split('\\'))
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect(),
            number_of_series: self.number(tags::NUMBER_OF_STUDY_RELATED_SERIES),
            number_of_instances: self.number(tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
        })
    }

    pub(crate) fn series(&self) -> Option<SeriesSummary> {
        Some(SeriesSummary {
            study_instance_uid: self.first(tags::STUDY_INSTANCE_UID).unwrap_or_default(),
            series_instance_uid: self.first(tags::SERIES_INSTANCE_UID)?,
            modality: self.first(tags::MODALITY),
            series_number: self.number(tags::SERIES_NUMBER),
            description: self.first(tags::SERIES_DESCRIPTION),
            number_of_instances: self.number(tags::NUMBER_OF_SERIES_RELATED_INSTANCES),
        })
    }

    pub(crate) fn instance(&self) -> Option<InstanceSummary> {
        Some(InstanceSummary {
            study_instance_uid: self.first(tags::STUDY_INSTANCE_UID).unwrap_or_default(),
            series_instance_uid: self.first(tags::SERIES_INSTANCE_UID).unwrap_or_default(),
            sop_instance_uid: self.first(tags::SOP_INSTANCE_UID)?,
            sop_class_uid: self.first(tags::SOP_CLASS_UID),
            instance_number: self.number(tags::INSTANCE_NUMBER),
            number_of_frames: self.number(tags::NUMBER_OF_FRAMES),
        })
    }

    /// Reads one object of the DICOM JSON model (PS3.18 F.2): string, number and PN values;
    /// sequences and binary values are skipped.
    pub(crate) fn from_json(object: &serde_json::Map<String, serde_json::Value>) -> Self {
        let mut out = BTreeMap::new();
        for (key, element) in object {
            let Ok(tag) = u32::from_str_radix(key, 16) else {
                continue;
            };
            let Some(values) = element.get("Value").and_then(|v| v.as_array()) else {
                out.insert(tag, Vec::new());
                continue;
            };
            let strings = values
                .iter()
                .filter_map(|v| match v {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::Object(pn) => pn
                        .get("Alphabetic")
                        .and_then(|a| a.as_str())
                        .map(str::to_owned),
                    _ => None,
                })
                .collect();
            out.insert(tag, strings);
        }
        Self(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_print() {
        assert_eq!(DicomDate::parse("20040119"), DicomDate::new(2004, 1, 19));
        assert_eq!(DicomDate::parse("2004.01.19"), DicomDate::new(2004, 1, 19));
        assert_eq!(DicomDate::parse("20041319"), None);
        assert_eq!(DicomDate::parse("2004011"), None);
        assert_eq!(
            DicomDate::new(2004, 1, 9).map(DicomDate::to_da).as_deref(),
            Some("20040109")
        );
    }

    #[test]
    fn a_qido_json_object_becomes_a_study_summary() {
        let json: serde_json::Value = serde_json::json!({
            "0020000D": {"vr": "UI", "Value": ["1.2.3"]},
            "00080020": {"vr": "DA", "Value": ["20240229"]},
            "00080061": {"vr": "CS", "Value": ["CT", "PR"]},
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane"}]},
            "00201206": {"vr": "IS", "Value": [2]},
            "00201208": {"vr": "IS", "Value": ["7"]},
            "00080050": {"vr": "SH"}
        });
        let study = json
            .as_object()
            .map(Attributes::from_json)
            .and_then(|a| a.study());
        let study = study.unwrap_or_default();
        assert_eq!(study.study_instance_uid, "1.2.3");
        assert_eq!(study.study_date, DicomDate::new(2024, 2, 29));
        assert_eq!(study.modalities, ["CT", "PR"]);
        assert_eq!(study.patient_name.as_deref(), Some("Doe^Jane"));
        assert_eq!(study.number_of_series, Some(2));
        assert_eq!(study.number_of_instances, Some(7));
        assert_eq!(study.accession_number, None);
    }

    #[test]
    fn an_object_without_its_uid_is_not_a_summary() {
        let json = serde_json::json!({"00080020": {"vr": "DA", "Value": ["20240229"]}});
        assert_eq!(
            json.as_object()
                .and_then(|o| Attributes::from_json(o).study()),
            None
        );
    }
}

impl std::fmt::Debug for StudySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudySummary")
            .field("study_instance_uid", &self.study_instance_uid)
            .field("study_date", &self.study_date)
            .field("modalities", &self.modalities)
            .field("number_of_series", &self.number_of_series)
            .field("number_of_instances", &self.number_of_instances)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StudyQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudyQuery")
            .field("patient_id", &self.patient_id.as_ref().map(|_| ".."))
            .field("patient_name", &self.patient_name.as_ref().map(|_| ".."))
            .field("study_date", &self.study_date)
            .field("study_instance_uid", &self.study_instance_uid.is_some())
            .field("limit", &self.limit)
            .finish()
    }
}
