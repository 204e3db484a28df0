//! meridian-app (being written).
