//! Fuzz target `transitions`: see `journal_run_fuzz_checks::transitions::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| journal_run_fuzz_checks::transitions::check(data));
