-- What opening a series needs of each cached image (size, geometry, windows, rescale; JSON from
-- meridian-app), kept apart from `dicom_instance` so that reading it reads no image bodies: a
-- series opens from these rows and reads each body when its frame is first shown. Images cached
-- without a row (earlier versions, modality LUT tables) open by reading every body.
CREATE TABLE dicom_instance_meta (
    sop_uid TEXT PRIMARY KEY REFERENCES dicom_instance (sop_uid) ON DELETE CASCADE,
    meta    TEXT NOT NULL
);
