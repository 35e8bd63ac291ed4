#![no_main]
//! Any bytes as a grid-tree CSV upload: a row report or a plan, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wangge_store::validate_grid_csv(data);
});
