#![no_main]
//! Arbitrary bytes into every parser of user input; see ../checks.rs for what must hold.

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
