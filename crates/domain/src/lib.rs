//! Meridian's clinical domain: the rules that hold whatever the storage, wire format or screen.
//!
//! This crate knows who may do what ([`access`]), what a valid identifier or measurement is
//! ([`identifier`], [`measure`]), how the audit chain is computed ([`audit`]), what a note may
//! become once signed ([`note`]) and which events a committed change raises ([`event`]).
//!
//! It refuses to know about IO: no database, no network, no clock, no environment. Time is
//! passed in as a [`time::Timestamp`]. It does not know FHIR JSON, HL7 or SQL either; the
//! `app` crate translates between them.
//!
//! ```
//! use meridian_domain::access::{Action, Role, decide, Relationship};
//! let d = decide(Role::Pharmacist, Action::ReadNotes, Relationship::CareTeam);
//! assert!(!d.is_allowed());
//! ```

pub mod access;
pub mod audit;
pub mod event;
pub mod identifier;
pub mod measure;
pub mod note;
pub mod text;
pub mod time;
