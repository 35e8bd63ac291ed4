#![no_main]
//! Any bytes as an uploaded push-list CSV (UTF-8, BOM, GB18030 sniffing, headers, rows):
//! a row report or a refusal naming the file problem, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    wangge_fuzz_push::check(data, "csv");
});
