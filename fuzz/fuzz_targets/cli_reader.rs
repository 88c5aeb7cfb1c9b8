//! Fuzz target `cli_reader`: see `journal_run_fuzz_checks::cli_reader::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| journal_run_fuzz_checks::cli_reader::check(data));
