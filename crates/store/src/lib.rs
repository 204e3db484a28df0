//! meridian-store (being written).
