#![no_main]
//! Any bytes behind an XLSX signature (the corpus starts from real workbooks with date cells
//! and text dates): a row report or a refusal, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK\x03\x04") {
        wangge_fuzz_push::check(data, "xlsx");
    }
});
