//! Pure mappings between HL7 v2 messages (written against 2.5.1, read from 2.3 to 2.8) and FHIR
//! R4 resources, following the HL7 v2-to-FHIR implementation guide.
//!
//! - **Inbound.** [`read_inbound`] turns ADT^A01/A03/A04/A08 into a Patient (and an Encounter
//!   from PV1), ADT^A40 into the identifiers of a merge, and ORU^R01 into one DiagnosticReport
//!   per OBR with an Observation per OBX. Resource ids are deterministic (FNV-1a of the order
//!   number, code and sub-id; the visit number), so a corrected result sent again updates the
//!   same record. The patient is not looked up here: [`attach_patient`] and
//!   [`attach_patient_to_adt`] set the subject once the app has found or created it.
//! - **Outbound.** [`orm_o01`], [`oml_o21`], [`rde_o11`], [`dft_p03`], [`adt`] and [`adt_a40`]
//!   build [`meridian_hl7v2::MessageBuilder`]s that pass HL7's 2.5.1 message structures (the
//!   test suite checks each with hl7apy in strict mode).
//! - **Errors.** A [`MappingError`] carries an HL7 table 0357 code and the segment, occurrence,
//!   field and component, ready for the ERR segment of an AE/AR acknowledgement
//!   ([`MappingError::to_error_detail`]). Its message names the field, never the value.
//!
//! It refuses to know about IO, clocks and the environment (the message time and control id are
//! parameters; a DTM without an offset takes [`MappingConfig::default_offset_minutes`]), about
//! patient matching and storage (the app's business), and about MLLP framing and ACK building
//! (`meridian-hl7v2` and `meridian-mllp`).
//!
//! ```
//! use meridian_v2fhir::{read_inbound, Inbound, MappingConfig};
//!
//! let text = "MSH|^~\\&|ADT1|GOOD HEALTH|MERIDIAN|CLINIC|20261130101500||ADT^A04^ADT_A01|MSG1|P|2.5.1\r\
//!             EVN|A04|20261130101500\r\
//!             PID|1||4455^^^MERIDIAN^MR||DOE^JANE^Q||19800315|F\r\
//!             PV1|1|O|CLINIC^^^GOOD HEALTH||||||||||||||||V100234\r";
//! let msg = meridian_hl7v2::parse(text.as_bytes(), &Default::default())?.message;
//! let config = MappingConfig::new("MERIDIAN", "MERIDIAN", "CLINIC", 60);
//! let Ok(Inbound::Adt(adt)) = read_inbound(&msg, &config) else { panic!("an ADT") };
//! assert_eq!(adt.patient.family_name(), Some("DOE"));
//! assert_eq!(adt.patient.gender.as_ref().map(|g| g.as_str()), Some("female"));
//! assert_eq!(adt.identifiers[0].system.as_deref(), Some(meridian_domain::identifier::MRN_SYSTEM));
//! let encounter = adt.encounter.expect("PV1 gives an encounter");
//! assert_eq!(encounter.id.as_ref().map(|i| i.as_str()), Some("enc-V100234"));
//! assert_eq!(encounter.status.as_ref().map(|s| s.as_str()), Some("arrived"));
//! # Ok::<(), meridian_hl7v2::ParseError>(())
//! ```

mod datatypes;
mod error;
mod ids;
mod inbound;
mod outbound;
mod results;
mod tables;
mod time;

pub use error::{MappingError, MappingErrorKind, code};
pub use inbound::{
    AdtIn, Inbound, MergeIn, ResultOrder, ResultsIn, attach_patient, attach_patient_to_adt,
    read_inbound,
};
pub use outbound::{Header, adt, adt_a40, dft_p03, oml_o21, orm_o01, rde_o11};

/// Site settings the mappings need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingConfig {
    /// Our assigning authority namespace (CX.4.1), e.g. `MERIDIAN`: a PID-3 or MRG-1 identifier
    /// whose CX.4.1 equals it is one of our MRNs, and outbound PID-3 carries it.
    pub local_authority: String,
    /// The FHIR system of our MRNs, normally `meridian_domain::identifier::MRN_SYSTEM`.
    pub mrn_system: String,
    /// MSH-3 of the messages we send.
    pub sending_application: String,
    /// MSH-4 of the messages we send.
    pub sending_facility: String,
    /// The UTC offset, in minutes, assumed for a DTM with a time and no offset (`+0100` is 60).
    /// FHIR requires a zone on every `dateTime` with a time; HL7 v2 senders often omit it and
    /// mean their local time, so this is the zone the connected systems run in. Choose it per
    /// interface; it is not read from the machine's clock or environment.
    pub default_offset_minutes: i32,
}

impl MappingConfig {
    /// A configuration with [`meridian_domain::identifier::MRN_SYSTEM`] as MRN system.
    pub fn new(
        local_authority: &str,
        sending_application: &str,
        sending_facility: &str,
        default_offset_minutes: i32,
    ) -> Self {
        Self {
            local_authority: local_authority.to_owned(),
            mrn_system: meridian_domain::identifier::MRN_SYSTEM.to_owned(),
            sending_application: sending_application.to_owned(),
            sending_facility: sending_facility.to_owned(),
            default_offset_minutes,
        }
    }
}
