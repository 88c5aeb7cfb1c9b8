//! Fuzz target `wire_json`: see `journal_run_fuzz_checks::wire_json::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| journal_run_fuzz_checks::wire_json::check(data));
