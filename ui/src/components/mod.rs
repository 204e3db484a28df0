//! Pieces that several screens use.

pub mod banner;
pub mod plot;
pub mod search;
