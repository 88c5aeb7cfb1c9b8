//! Fuzz target `headers`: see `journal_run_fuzz_checks::headers::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| journal_run_fuzz_checks::headers::check(data));
