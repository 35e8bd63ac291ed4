#![no_main]
//! Any bytes as a risk-area CSV upload: a row report or a count, never a panic.

use libfuzzer_sys::fuzz_target;
use wangge_store::{validate_risk_areas, RiskFormat};

fuzz_target!(|data: &[u8]| {
    let _ = validate_risk_areas(RiskFormat::Csv, data);
});
