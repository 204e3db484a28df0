-- Schema 2: charts look up records merged into a patient on every open; without this index
-- that lookup scanned every patient.
CREATE INDEX patient_index_merged ON patient_index (merged_into) WHERE merged_into IS NOT NULL;
