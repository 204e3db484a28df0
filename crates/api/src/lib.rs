//! meridian-api (being written).
