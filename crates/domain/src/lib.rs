//! meridian-domain (being written).
