//! Any bytes into the FHIR reader: never a panic; what reads must write and read back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(resource) = meridian_fhir::parse_resource(data) {
        let written = meridian_fhir::to_json_vec(&resource).expect("a read resource writes");
        let again = meridian_fhir::parse_resource(&written).expect("what was written reads");
        assert_eq!(again, resource, "read-write-read is stable");
    }
});
