//! The typed contract between Meridian's front ends (the Leptos UI, the CLI) and its core.
//!
//! Plain data transfer objects and [`ApiError`], serde only, so the crate builds for
//! `wasm32-unknown-unknown`. It refuses to know domain types, storage or FHIR: the `app` crate
//! converts to and from these shapes, and the UI switches on [`ErrorCode`], never on messages.
//!
//! ```
//! use meridian_api::{ApiError, ErrorCode};
//! let e = ApiError::new(ErrorCode::BreakGlassRequired, "this patient is not in your care");
//! assert_eq!(serde_json::to_string(&e.code).unwrap(), "\"break-glass-required\"");
//! ```

mod chart;
mod error;
mod imaging;
mod patient;
mod session;
mod sync;
mod units;

pub use chart::*;
pub use error::{ApiError, ErrorCode};
pub use imaging::*;
pub use patient::*;
pub use session::*;
pub use sync::*;
pub use units::unit_display;
