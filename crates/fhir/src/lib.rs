//! meridian-fhir (being written).
