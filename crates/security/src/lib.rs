//! meridian-security (being written).
