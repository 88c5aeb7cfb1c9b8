//! Fuzz target `numbers`: see `journal_run_fuzz_checks::numbers::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| journal_run_fuzz_checks::numbers::check(data));
