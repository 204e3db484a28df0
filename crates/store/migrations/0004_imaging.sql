-- The imaging cache: DICOM instances retrieved from the PACS (or imported), kept encrypted with
-- the rest of the database, size-bounded by evicting the least recently opened studies.
CREATE TABLE dicom_study (
    study_uid    TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL,         -- the local Patient id the study was retrieved for
    study_date   TEXT,
    description  TEXT,
    accession    TEXT,
    modalities   TEXT,                  -- space-separated
    bytes        INTEGER NOT NULL DEFAULT 0,
    retrieved_at TEXT NOT NULL,
    accessed_at  TEXT NOT NULL
);
CREATE INDEX dicom_study_patient ON dicom_study (patient_id);
CREATE INDEX dicom_study_accessed ON dicom_study (accessed_at);

CREATE TABLE dicom_instance (
    sop_uid            TEXT PRIMARY KEY,
    study_uid          TEXT NOT NULL REFERENCES dicom_study (study_uid) ON DELETE CASCADE,
    series_uid         TEXT NOT NULL,
    series_number      INTEGER,
    series_description TEXT,
    modality           TEXT,
    instance_number    INTEGER,
    size               INTEGER NOT NULL,
    body               BLOB NOT NULL     -- last, so listing reads no overflow pages
);
CREATE INDEX dicom_instance_series ON dicom_instance (study_uid, series_uid);
