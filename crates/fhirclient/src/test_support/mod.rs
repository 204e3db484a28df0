//! Test harness (feature `test-support`): a real FHIR server and a fault-injecting proxy.
//!
//! - [`FhirServer`] runs the helios `hfs` server as a child process on a free loopback port with
//!   its own SQLite database in a temporary directory; it can be stopped and restarted on the
//!   same port and data (for "server down" scenarios).
//! - [`FaultProxy`] sits between a client and a real server and, on command, answers the next
//!   requests with an error status, drops the connection, or stalls.
//!
//! Both read the environment and touch the file system: they are for tests only.

mod proxy;
mod server;

pub use proxy::{Fault, FaultProxy};
pub use server::FhirServer;
