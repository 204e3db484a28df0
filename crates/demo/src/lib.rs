//! meridian-demo (being written).
