//! Any `DPoP` header value: the proof checks refuse it or accept it, and
//! never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = std::str::from_utf8(data) else { return };
    let _ = jwt_guard::fuzzing::check_proof(proof);
});
